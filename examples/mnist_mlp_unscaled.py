"""A Keras 2 style MNIST MLP that forgets to scale the pixels (0..255): KER201."""

from keras.datasets import mnist
from keras.layers import Dense, Dropout, Flatten
from keras.models import Sequential

(x_train, y_train), (x_test, y_test) = mnist.load_data()

model = Sequential()
model.add(Flatten(input_shape=(28, 28)))
model.add(Dense(512, activation="relu"))
model.add(Dropout(0.2))
model.add(Dense(512, activation="relu"))
model.add(Dropout(0.2))
model.add(Dense(10, activation="softmax"))

model.compile(loss="sparse_categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=128, epochs=20, validation_data=(x_test, y_test))
