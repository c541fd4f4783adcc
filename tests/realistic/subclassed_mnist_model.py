"""A subclassed model (TensorFlow 2 quickstart for experts), built by calling it on a batch."""

import numpy as np
import tensorflow as tf
from tensorflow.keras.layers import Dense, Flatten, Conv2D
from tensorflow.keras import Model

x_train = np.random.rand(64, 28, 28).astype("float32")
# Add a channels dimension
x_train = x_train[..., tf.newaxis].astype("float32")


class MyModel(Model):
    def __init__(self):
        super().__init__()
        self.conv1 = Conv2D(32, 3, activation="relu")
        self.flatten = Flatten()
        self.d1 = Dense(128, activation="relu")
        self.d2 = Dense(10)

    def call(self, x):
        x = self.conv1(x)
        x = self.flatten(x)
        x = self.d1(x)
        return self.d2(x)


# Create an instance of the model
model = MyModel()
model(x_train[:1])
