"""Image classification from the TensorFlow 2.3-2.5 tutorials: `layers.experimental.preprocessing` inside the model."""

import tensorflow as tf
from tensorflow.keras import layers
from tensorflow.keras.layers.experimental import preprocessing

IMG_SIZE = 64
num_classes = 5

resize_and_rescale = tf.keras.Sequential([
    preprocessing.Resizing(IMG_SIZE, IMG_SIZE),
    preprocessing.Rescaling(1.0 / 255),
])

data_augmentation = tf.keras.Sequential([
    preprocessing.RandomFlip("horizontal_and_vertical"),
    preprocessing.RandomRotation(0.2),
])

model = tf.keras.Sequential([
    layers.InputLayer(input_shape=(180, 180, 3)),
    resize_and_rescale,
    data_augmentation,
    layers.Conv2D(16, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(),
    layers.Flatten(),
    layers.Dense(64, activation="relu"),
    layers.Dense(num_classes),
])
