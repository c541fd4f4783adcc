# expect: KER302
# "Operands could not be broadcast together with shapes (32,) (64,)" -- a residual block that widens
import tensorflow as tf
from tensorflow.keras import layers

inputs = tf.keras.Input(shape=(32,))
x = layers.Dense(64, activation="relu")(inputs)
x = layers.Dense(64, activation="relu")(x)
x = layers.Add()([inputs, x])
outputs = layers.Dense(1)(x)
model = tf.keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="mse")
