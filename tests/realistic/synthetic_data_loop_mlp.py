"""A classifier on synthetic data generated sample by sample in a loop, the input width read from the array."""

import random

import numpy as np
import keras
from keras import layers

NUM_SAMPLES = 3000
class_names = ["circle", "square", "triangle"]

samples, labels = [], []
for i in range(NUM_SAMPLES):
    label = random.randrange(len(class_names))
    features = np.random.normal(loc=label, scale=1.0, size=16)
    samples.append(features)
    labels.append(label)
x_train = np.stack(samples).astype("float32")
y_train = np.array(labels)

model = keras.Sequential([
    keras.Input(shape=(x_train.shape[1],)),
    layers.Dense(64, activation="relu"),
    layers.Dense(32, activation="relu"),
    layers.Dense(len(class_names), activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
