"""Time-series forecasting, TensorFlow course style (Keras 2): Lambda layers reshape and rescale around Conv1D and LSTMs."""

import numpy as np
import tensorflow as tf

window_size = 20
batch_size = 32
shuffle_buffer_size = 1000

time = np.arange(4 * 365 + 1, dtype="float32")
series = 10 + 0.05 * time + 40 * np.sin(time / 365 * 2 * np.pi) + np.random.randn(len(time)) * 5
split_time = 1000
x_train = series[:split_time]


def windowed_dataset(series, window_size, batch_size, shuffle_buffer):
    dataset = tf.data.Dataset.from_tensor_slices(series)
    dataset = dataset.window(window_size + 1, shift=1, drop_remainder=True)
    dataset = dataset.flat_map(lambda window: window.batch(window_size + 1))
    dataset = dataset.shuffle(shuffle_buffer).map(lambda window: (window[:-1], window[-1]))
    return dataset.batch(batch_size).prefetch(1)


model = tf.keras.models.Sequential([
    tf.keras.layers.Lambda(lambda x: tf.expand_dims(x, axis=-1), input_shape=[window_size]),
    tf.keras.layers.Conv1D(filters=32, kernel_size=5, strides=1, padding="causal", activation="relu"),
    tf.keras.layers.LSTM(64, return_sequences=True),
    tf.keras.layers.LSTM(64),
    tf.keras.layers.Dense(30, activation="relu"),
    tf.keras.layers.Dense(10, activation="relu"),
    tf.keras.layers.Dense(1),
    tf.keras.layers.Lambda(lambda x: x * 400),
])
model.compile(loss=tf.keras.losses.Huber(), optimizer=tf.keras.optimizers.SGD(momentum=0.9), metrics=["mae"])

if __name__ == "__main__":
    train_set = windowed_dataset(x_train, window_size, batch_size, shuffle_buffer_size)
    model.fit(train_set, epochs=100)
