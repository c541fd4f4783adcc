"""Swapping a trained classifier's head for a new task: `model.pop()`, a new output layer, the body frozen."""

import keras
from keras import layers

digits = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(10, activation="softmax"),
    ],
    name="digits",
)

# Reuse it for letters: drop the 10-way head, add a 26-way one, train only the head.
digits.pop()
digits.add(layers.Dense(26, activation="softmax", name="letters"))
for layer in digits.layers[:-1]:
    layer.trainable = False
model = digits
