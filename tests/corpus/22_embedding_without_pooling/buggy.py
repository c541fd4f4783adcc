# expect: KER303
# IMDB with an Embedding fed straight to the output unit: one prediction per word
from keras.datasets import imdb
from keras.models import Sequential
from keras.layers import Embedding, Dense
from keras.preprocessing import sequence

(x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=5000)
x_train = sequence.pad_sequences(x_train, maxlen=400)

model = Sequential()
model.add(Embedding(5000, 50, input_length=400))
model.add(Dense(1, activation="sigmoid"))
model.build((None, 400))
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=2)
