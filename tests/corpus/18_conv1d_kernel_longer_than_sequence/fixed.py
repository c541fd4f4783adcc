# Sensor windows of 8 steps with a Conv1D kernel of 5 after pooling
import numpy as np
import keras
from keras import layers

windows = np.loadtxt("accelerometer_windows.csv", delimiter=",").reshape(-1, 8, 3)

model = keras.Sequential([
    keras.Input(shape=(8, 3)),
    layers.Normalization(),
    layers.Conv1D(32, 3, activation="relu"),
    layers.MaxPooling1D(2),
    layers.Conv1D(64, 3, padding="same", activation="relu"),
    layers.GlobalMaxPooling1D(),
    layers.Dense(6, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
