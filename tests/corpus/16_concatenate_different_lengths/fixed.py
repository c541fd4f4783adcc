# Concatenating two text encoders padded to different lengths along the feature axis
import keras
from keras import layers

title = keras.Input(shape=(20,), name="title")
body = keras.Input(shape=(200,), name="body")
title_seq = layers.Embedding(10000, 64)(title)
body_seq = layers.Embedding(10000, 64)(body)
merged = layers.concatenate([title_seq, body_seq], axis=1)
x = layers.GlobalAveragePooling1D()(merged)
priority = layers.Dense(1, activation="sigmoid", name="priority")(x)
model = keras.Model(inputs=[title, body], outputs=priority)
model.compile(optimizer="rmsprop", loss="binary_crossentropy")
