"""House prices from a CSV: standardized features, a small MLP with a Normalization layer. Clean."""

import numpy as np
import keras
from keras import layers

data = np.loadtxt("housing.csv", delimiter=",", skiprows=1)
features, prices = data[:, :-1], data[:, -1]

normalizer = layers.Normalization(axis=-1)
normalizer.adapt(features)


def build_regressor(num_features=13, hidden=(64, 64)):
    inputs = keras.Input(shape=(num_features,), name="features")
    x = normalizer(inputs)
    for units in hidden:
        x = layers.Dense(units, activation="relu")(x)
    outputs = layers.Dense(1)(x)
    return keras.Model(inputs, outputs, name="regressor")


model = build_regressor()
model.compile(optimizer=keras.optimizers.Adam(0.001), loss="mse", metrics=["mae"])
model.fit(features, prices, epochs=100, validation_split=0.2, callbacks=[keras.callbacks.EarlyStopping(patience=10)])
