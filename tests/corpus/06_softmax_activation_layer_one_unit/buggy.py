# expect: KER204
# Keras 2 code with a separate Activation layer: softmax over a single output unit
from keras.models import Sequential
from keras.layers import Dense, Activation, Dropout

model = Sequential()
model.add(Dense(32, input_shape=(16,)))
model.add(Activation("relu"))
model.add(Dropout(0.25))
model.add(Dense(1))
model.add(Activation("softmax"))
model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
