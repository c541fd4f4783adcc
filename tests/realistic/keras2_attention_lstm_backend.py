"""Attention over LSTM states, the 2018 blog-post way (Keras 2): Permute, RepeatVector, Multiply and a K.sum Lambda."""

from tensorflow.keras import backend as K
from tensorflow.keras.layers import (
    LSTM, Activation, Dense, Embedding, Flatten, Input, Lambda, Multiply, Permute, RepeatVector,
)
from tensorflow.keras.models import Model

MAX_LEN = 100
VOCAB = 8000
UNITS = 64

inputs = Input(shape=(MAX_LEN,))
embedded = Embedding(VOCAB, 128, input_length=MAX_LEN)(inputs)
activations = LSTM(UNITS, return_sequences=True)(embedded)

# compute importance for each step
attention = Dense(1, activation="tanh")(activations)
attention = Flatten()(attention)
attention = Activation("softmax")(attention)
attention = RepeatVector(UNITS)(attention)
attention = Permute([2, 1])(attention)

sent_representation = Multiply()([activations, attention])
sent_representation = Lambda(lambda xin: K.sum(xin, axis=-2), output_shape=(UNITS,))(sent_representation)

probabilities = Dense(3, activation="softmax")(sent_representation)
model = Model(inputs=inputs, outputs=probabilities)
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
