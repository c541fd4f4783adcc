# expect: KER307
# Stacked LSTM sentiment model where the last LSTM still returns sequences
import keras
from keras import layers

(x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=20000)
x_train = keras.utils.pad_sequences(x_train, maxlen=200)

model = keras.Sequential([
    keras.Input(shape=(200,)),
    layers.Embedding(20000, 64),
    layers.LSTM(64, return_sequences=True),
    layers.LSTM(32, return_sequences=True),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=3, batch_size=128)
