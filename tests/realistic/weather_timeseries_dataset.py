"""Weather forecasting (keras.io): the LSTM's input shape read from the first batch of a timeseries dataset."""

import numpy as np
import keras

past = 72
step = 6
future = 12
learning_rate = 0.001
batch_size = 64

# Stand-in for the normalized Jena climate features (7 selected columns).
features = np.random.rand(2000, 7).astype("float32")
train_data = features[:1600]
start = past + future
x_train = train_data
y_train = features[start : start + 1600][:, 1]
sequence_length = int(past / step)

dataset_train = keras.preprocessing.timeseries_dataset_from_array(
    x_train,
    y_train,
    sequence_length=sequence_length,
    sampling_rate=step,
    batch_size=batch_size,
)

for batch in dataset_train.take(1):
    inputs, targets = batch

inputs = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
lstm_out = keras.layers.LSTM(32)(inputs)
outputs = keras.layers.Dense(1)(lstm_out)

model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
