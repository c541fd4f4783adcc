# expect: KER203
# Multi-label movie genres (a movie can be both comedy and drama): softmax forces one genre
import numpy as np
from keras.models import Sequential
from keras.layers import Dense, Dropout

X = np.load("plot_tfidf.npy")
Y = np.load("genres_multi_hot.npy")

model = Sequential()
model.add(Dense(256, input_dim=5000, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(20, activation="softmax"))
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(X, Y, epochs=20, batch_size=64, validation_split=0.2)
