"""Classifying newswires (Deep Learning with Python): multi-hot vectors made in a loop, a Sequential built by hand."""

import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

NUM_WORDS = 10000


def vectorize_sequences(sequences, dimension=NUM_WORDS):
    results = np.zeros((len(sequences), dimension))
    for i, sequence in enumerate(sequences):
        for j in sequence:
            results[i, j] = 1.0
    return results


if __name__ == "__main__":
    (train_data, train_labels), (test_data, test_labels) = keras.datasets.reuters.load_data(num_words=NUM_WORDS)
else:
    train_data = [np.random.randint(1, NUM_WORDS, size=40) for _ in range(100)]
    train_labels = np.random.randint(0, 46, size=100)

x_train = vectorize_sequences(train_data)
y_train = keras.utils.to_categorical(train_labels, 46)

model = keras.Sequential([
    layers.Dense(64, activation="relu"),
    layers.Dense(64, activation="relu"),
    layers.Dense(46, activation="softmax"),
])
model.build(input_shape=(None, NUM_WORDS))
model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
