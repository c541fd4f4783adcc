# expect: KER210
# Keras 1/2 era: "my network predicts the same value for every input" -- RMSprop with lr=0.5
import numpy as np
from keras.models import Sequential
from keras.layers import Dense, Dropout
from keras.optimizers import RMSprop

X = np.load("features.npy")
y = np.load("labels.npy")
X = X / X.max()

model = Sequential()
model.add(Dense(100, input_dim=30, init="normal", activation="relu"))
model.add(Dropout(0.2))
model.add(Dense(50, init="normal", activation="relu"))
model.add(Dense(1, init="normal", activation="sigmoid"))

rms = RMSprop(lr=0.5, rho=0.9, epsilon=1e-08)
model.compile(loss="binary_crossentropy", optimizer=rms, metrics=["accuracy"])
model.fit(X, y, nb_epoch=5, batch_size=16, validation_split=0.25)
