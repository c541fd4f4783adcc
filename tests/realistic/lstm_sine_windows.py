"""Time-series forecasting of a sine wave with stacked LSTMs over sliding windows (a blog-post classic)."""

import numpy as np
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import LSTM, Dense, Dropout

WINDOW = 30

series = np.sin(np.linspace(0, 50, 600)) + 0.1 * np.random.randn(600)

X, y = [], []
for i in range(len(series) - WINDOW):
    X.append(series[i:i + WINDOW])
    y.append(series[i + WINDOW])
X = np.array(X).reshape(-1, WINDOW, 1)
y = np.array(y)

split = int(0.8 * len(X))
X_train, X_test = X[:split], X[split:]
y_train, y_test = y[:split], y[split:]

model = Sequential()
model.add(LSTM(50, return_sequences=True, input_shape=(WINDOW, 1)))
model.add(Dropout(0.2))
model.add(LSTM(50))
model.add(Dropout(0.2))
model.add(Dense(1))
model.compile(optimizer="adam", loss="mse")
