# Keras 1 style: "loss becomes nan after a few batches" -- ReLU output into categorical cross-entropy
from keras.models import Sequential
from keras.layers.core import Dense, Dropout, Activation
from keras.optimizers import SGD

model = Sequential()
model.add(Dense(64, input_dim=20, init="uniform"))
model.add(Activation("tanh"))
model.add(Dropout(0.5))
model.add(Dense(64, init="uniform"))
model.add(Activation("tanh"))
model.add(Dropout(0.5))
model.add(Dense(10, init="uniform"))
model.add(Activation("softmax"))

sgd = SGD(lr=0.1, decay=1e-6, momentum=0.9, nesterov=True)
model.compile(loss="categorical_crossentropy", optimizer=sgd)
