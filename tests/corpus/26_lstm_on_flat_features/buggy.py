# expect: KER310
# "Input 0 of layer lstm is incompatible with the layer: expected ndim=3, found ndim=2"
import numpy as np
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import LSTM, Dense

series = np.loadtxt("sales.csv", delimiter=",")
X, y = series[:, :-1], series[:, -1]

model = Sequential()
model.add(LSTM(50, activation="tanh", input_shape=(12,)))
model.add(Dense(1))
model.compile(optimizer="adam", loss="mse")
model.fit(X, y, epochs=100, batch_size=32)
