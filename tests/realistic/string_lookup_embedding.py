"""Movie genres from tags: a StringLookup over a literal vocabulary sizes the Embedding."""

import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

GENRES = ["action", "comedy", "drama", "horror", "romance", "sci-fi", "thriller"]
EMBEDDING_DIM = 8

lookup = layers.StringLookup(vocabulary=GENRES, mask_token=None)

inputs = keras.Input(shape=(5,), dtype=tf.string, name="tags")
ids = lookup(inputs)
x = layers.Embedding(input_dim=lookup.vocabulary_size(), output_dim=EMBEDDING_DIM)(ids)
x = layers.GlobalAveragePooling1D()(x)
x = layers.Dense(16, activation="relu")(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="binary_crossentropy")
