"""Keras 2 transfer learning: a frozen MobileNetV2 and a head that mixes raw tf ops into the functional graph."""

import tensorflow as tf

IMG_SHAPE = (96, 96, 3)

base_model = tf.keras.applications.MobileNetV2(input_shape=IMG_SHAPE, include_top=False, weights="imagenet")
base_model.trainable = False

inputs = tf.keras.Input(shape=IMG_SHAPE)
x = tf.keras.applications.mobilenet_v2.preprocess_input(inputs)
x = base_model(x, training=False)
x = tf.reduce_mean(x, axis=[1, 2])
x = tf.keras.layers.Dropout(0.2)(x)
logits = tf.keras.layers.Dense(5)(x)
outputs = tf.nn.softmax(logits)
model = tf.keras.Model(inputs, outputs)
