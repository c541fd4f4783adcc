"""A GRU sentiment classifier written with direct imports and model.add, as many blog posts do."""

import numpy as np
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Embedding, GRU, Dense, Dropout, SpatialDropout1D

VOCAB_SIZE = 5000
MAX_LEN = 80
EMBED_DIM = 64

# Fake tokenized reviews, padded to MAX_LEN.
X = np.random.randint(1, VOCAB_SIZE, size=(256, MAX_LEN))
y = np.random.randint(0, 2, size=(256,))

model = Sequential()
model.add(Embedding(VOCAB_SIZE, EMBED_DIM, input_length=MAX_LEN))
model.add(SpatialDropout1D(0.2))
model.add(GRU(64, dropout=0.2, recurrent_dropout=0.2, return_sequences=True))
model.add(GRU(32))
model.add(Dropout(0.3))
model.add(Dense(1, activation="sigmoid"))
model.build((None, MAX_LEN))
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
