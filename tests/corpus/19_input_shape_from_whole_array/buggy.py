# expect: KER306
# "expected dense_input to have shape (1000, 20) but got array with shape (20,)"
import numpy as np
from keras.models import Sequential
from keras.layers import Dense

X = np.loadtxt("train_features.csv", delimiter=",")
y = np.loadtxt("train_labels.csv", delimiter=",")
X = (X - X.mean(axis=0)) / X.std(axis=0)

model = Sequential()
model.add(Dense(32, activation="relu", input_shape=X.shape))
model.add(Dense(1, activation="sigmoid"))
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(X, y, epochs=30, batch_size=16)
