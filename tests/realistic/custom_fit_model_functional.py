"""Customizing what happens in fit() (Keras guide): a Model subclass that only overrides train_step, built the functional way."""

import numpy as np
import keras
from keras import layers


class CustomModel(keras.Model):
    def train_step(self, data):
        x, y = data
        return super().train_step(data)


# Construct and compile an instance of CustomModel
inputs = keras.Input(shape=(32,))
x = layers.Dense(64, activation="relu")(inputs)
x = layers.BatchNormalization()(x)
outputs = layers.Dense(1)(x)
model = CustomModel(inputs, outputs)
model.compile(optimizer="adam", loss="mse", metrics=["mae"])

# Just use `fit` as usual
x = np.random.random((1000, 32))
y = np.random.random((1000, 1))
