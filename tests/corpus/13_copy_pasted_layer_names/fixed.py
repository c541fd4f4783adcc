# Each block gets its own layer name
import tensorflow as tf
from tensorflow.keras import layers


def dense_block(x, units, name):
    x = layers.Dense(units, name=f"{name}_fc")(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


inputs = tf.keras.Input(shape=(64,))
x = dense_block(inputs, 128, "block1")
x = dense_block(x, 64, "block2")
outputs = layers.Dense(3, activation="softmax")(x)
model = tf.keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="categorical_crossentropy")
