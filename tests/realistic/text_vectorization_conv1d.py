"""Text classification from scratch (keras.io): TextVectorization inside the model, then Embedding and Conv1D."""

import numpy as np
import tensorflow as tf
import keras
from keras import layers

# Model constants.
max_features = 20000
embedding_dim = 128
sequence_length = 500

vectorize_layer = layers.TextVectorization(
    max_tokens=max_features,
    output_mode="int",
    output_sequence_length=sequence_length,
)
texts = np.array(["the movie was great", "terrible plot and acting", "i loved it"])
vectorize_layer.adapt(texts)

# A string input, so that the exported model takes raw text.
inputs = keras.Input(shape=(1,), dtype="string")
indices = vectorize_layer(inputs)

# Next, we add a layer to map those vocab indices into a space of dimensionality 'embedding_dim'.
x = layers.Embedding(max_features, embedding_dim)(indices)
x = layers.Dropout(0.5)(x)

# Conv1D + global max pooling
x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
x = layers.GlobalMaxPooling1D()(x)

# We add a vanilla hidden layer:
x = layers.Dense(128, activation="relu")(x)
x = layers.Dropout(0.5)(x)

# We project onto a single unit output layer, and squash it with a sigmoid:
predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)

model = keras.Model(inputs, predictions)
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
