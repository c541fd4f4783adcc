# Sentiment classifier with a tanh output and binary cross-entropy: accuracy stuck at 50%
import keras
from keras import layers

vocab_size, maxlen = 10000, 120
(x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=vocab_size)
x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)

inputs = keras.Input(shape=(maxlen,))
x = layers.Embedding(vocab_size, 32)(inputs)
x = layers.LSTM(32)(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=3, batch_size=64)
