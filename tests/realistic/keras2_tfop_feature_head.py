"""Keras 2 functional code that applies raw TensorFlow ops to symbolic tensors (wrapped as TFOpLambda layers)."""

import tensorflow as tf

NUM_FIELDS = 10
FIELD_DIM = 8

inputs = tf.keras.Input(shape=(NUM_FIELDS, FIELD_DIM))
x = tf.keras.layers.Dense(16)(inputs)
x = tf.reshape(x, (-1, NUM_FIELDS * 16))
x = tf.concat([x, tf.reduce_mean(inputs, axis=1)], axis=-1)
x = tf.nn.relu(x)
x = tf.expand_dims(x, 1)
x = tf.squeeze(x, axis=1)
x = tf.math.l2_normalize(x, axis=-1)
outputs = tf.keras.layers.Dense(3, activation="softmax")(x)
model = tf.keras.Model(inputs, outputs)
