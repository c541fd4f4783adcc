# Named-entity tagger ported from Keras 2.2, which spelled out its GRU defaults (hard_sigmoid, reset_after=False)
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

X = np.load("ner_token_ids.npy")
y = np.load("ner_tag_ids.npy")
vocab_size, num_tags, maxlen = 30000, 17, 75

inputs = keras.Input(shape=(maxlen,), dtype="int32")
x = layers.Embedding(vocab_size, 100, mask_zero=True)(inputs)
x = layers.Bidirectional(layers.GRU(128, return_sequences=True))(x)
x = layers.Dropout(0.3)(x)
outputs = layers.TimeDistributed(layers.Dense(num_tags, activation="softmax"))(x)
model = keras.Model(inputs, outputs)

model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(X, y, batch_size=32, epochs=5, validation_split=0.1)
