"""Basic regression (TensorFlow tutorial, fuel efficiency): a Normalization layer adapted to the features."""

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

np.set_printoptions(precision=3, suppress=True)

# Stand-in for the Auto MPG features (9 columns after one-hot encoding the origin).
train_features = np.random.rand(314, 9).astype("float32")
train_labels = np.random.rand(314).astype("float32")

normalizer = tf.keras.layers.Normalization(axis=-1)
normalizer.adapt(np.array(train_features))


def build_and_compile_model(norm):
    model = keras.Sequential([
        keras.Input(shape=(9,)),
        norm,
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(1),
    ])

    model.compile(loss="mean_absolute_error", optimizer=tf.keras.optimizers.Adam(0.001))
    return model


dnn_model = build_and_compile_model(normalizer)
model = dnn_model
