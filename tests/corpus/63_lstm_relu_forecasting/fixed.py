# Univariate time-series forecasting with a stacked LSTM ("training takes forever on my GPU")
import numpy as np
import pandas as pd
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import LSTM, Dense
from tensorflow.keras.callbacks import EarlyStopping


def split_sequence(sequence, n_steps):
    X, y = [], []
    for i in range(len(sequence) - n_steps):
        X.append(sequence[i:i + n_steps])
        y.append(sequence[i + n_steps])
    return np.array(X), np.array(y)


series = pd.read_csv("daily-min-temperatures.csv")["Temp"].values
series = (series - series.mean()) / series.std()
n_steps, n_features = 30, 1
X, y = split_sequence(series, n_steps)
X = X.reshape((X.shape[0], X.shape[1], n_features))

model = Sequential()
model.add(LSTM(100, return_sequences=True, input_shape=(n_steps, n_features)))
model.add(LSTM(100))
model.add(Dense(1))
model.compile(optimizer="adam", loss="mse")
model.fit(X, y, epochs=200, batch_size=64, validation_split=0.1, callbacks=[EarlyStopping(patience=10)])
