"""A question-pair similarity model whose two encoders were copy-pasted: KER101.

Both questions are the same kind of data, so one shared encoder would do the
same job with half the parameters.
"""

import keras
from keras import layers

VOCABULARY = 20_000
LENGTH = 40

question_a = keras.Input(shape=(LENGTH,), dtype="int32", name="question_a")
question_b = keras.Input(shape=(LENGTH,), dtype="int32", name="question_b")

encoded_a = layers.Embedding(VOCABULARY, 64)(question_a)
encoded_a = layers.GlobalAveragePooling1D()(encoded_a)
encoded_a = layers.Dense(64, activation="relu")(encoded_a)

encoded_b = layers.Embedding(VOCABULARY, 64)(question_b)
encoded_b = layers.GlobalAveragePooling1D()(encoded_b)
encoded_b = layers.Dense(64, activation="relu")(encoded_b)

merged = layers.concatenate([encoded_a, encoded_b])
merged = layers.Dropout(0.2)(merged)
is_duplicate = layers.Dense(1, activation="sigmoid")(merged)

model = keras.Model([question_a, question_b], is_duplicate, name="question_pairs")
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
