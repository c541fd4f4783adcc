# expect: KER309
# "ValueError: The name "fc" is used 2 times in the model" -- a helper called twice with one name
import tensorflow as tf
from tensorflow.keras import layers


def dense_block(x, units):
    x = layers.Dense(units, name="fc")(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


inputs = tf.keras.Input(shape=(64,))
x = dense_block(inputs, 128)
x = dense_block(x, 64)
outputs = layers.Dense(3, activation="softmax")(x)
model = tf.keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="categorical_crossentropy")
