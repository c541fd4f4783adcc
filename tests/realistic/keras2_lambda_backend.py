"""Keras 2 Lambda layers over backend functions (`K.*`) and tf ops, the way 2018-2022 posts wrote them."""

import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import backend as K
from tensorflow.keras.layers import Input, Dense, Lambda, Conv2D, Flatten
from tensorflow.keras.models import Model

inp = Input(shape=(32, 32, 3))
x = Lambda(lambda t: t / 255.0)(inp)
x = Conv2D(16, 3, padding="same", activation="relu")(x)
x = Lambda(lambda t: tf.nn.depth_to_space(t, 2))(x)
x = Lambda(lambda t: K.mean(t, axis=-1, keepdims=True))(x)
x = Flatten()(x)
x = Dense(32, activation="relu")(x)
x = Lambda(lambda t: K.l2_normalize(t, axis=1), name="embedding")(x)
out = Dense(10, activation="softmax")(x)
model = Model(inp, out)
