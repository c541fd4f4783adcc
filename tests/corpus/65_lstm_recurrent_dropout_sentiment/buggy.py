# expect: KER401
# Tweet sentiment with a 2-layer LSTM: one epoch takes 20 minutes on a Colab GPU
import pandas as pd
import tensorflow as tf
from tensorflow.keras.preprocessing.text import Tokenizer
from tensorflow.keras.preprocessing.sequence import pad_sequences

df = pd.read_csv("tweets.csv")
tokenizer = Tokenizer(num_words=50000, oov_token="<OOV>")
tokenizer.fit_on_texts(df["text"])
X = pad_sequences(tokenizer.texts_to_sequences(df["text"]), maxlen=60)
y = df["label"].values

model = tf.keras.Sequential([
    tf.keras.layers.Embedding(50000, 128, input_length=60),
    tf.keras.layers.LSTM(128, dropout=0.2, recurrent_dropout=0.2, return_sequences=True),
    tf.keras.layers.LSTM(64, dropout=0.2, recurrent_dropout=0.2),
    tf.keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(X, y, epochs=5, batch_size=256, validation_split=0.1)
