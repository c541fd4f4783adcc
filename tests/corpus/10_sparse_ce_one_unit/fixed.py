# Breast cancer (binary) with sparse categorical cross-entropy on one sigmoid unit: loss is always 0
import numpy as np
import tensorflow as tf

data = np.loadtxt("breast_cancer.csv", delimiter=",")
X, y = data[:, 1:] / data[:, 1:].max(axis=0), data[:, 0]

model = tf.keras.Sequential([
    tf.keras.Input(shape=(30,)),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(X, y, epochs=50, validation_split=0.2)
