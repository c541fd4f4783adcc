"""A Fashion-MNIST CNN from a build function whose defaults carry the hyper-parameters."""

import numpy as np
import keras
from keras import layers


def build_model(input_shape=(28, 28, 1), num_classes=10, filters=(32, 64, 128), dense_units=256, dropout=0.3):
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for n in filters:
        x = layers.Conv2D(n, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(dense_units, activation="relu")(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="fashion_cnn")


x_train = np.random.randint(0, 256, size=(64, 28, 28)).astype("float32") / 255.0
x_train = x_train[..., np.newaxis]
model = build_model(dense_units=128)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
