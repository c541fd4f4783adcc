"""Semi-supervised MNIST: an autoencoder, its encoder as a model of its own, and a joint model using both."""

import keras
from keras import layers

encoding_dim = 32

input_img = keras.Input(shape=(784,))
encoded = layers.Dense(128, activation="relu")(input_img)
encoded = layers.Dense(encoding_dim, activation="relu")(encoded)
decoded = layers.Dense(128, activation="relu")(encoded)
decoded = layers.Dense(784, activation="sigmoid")(decoded)

# This model maps an input to its reconstruction
autoencoder = keras.Model(input_img, decoded)
# This model maps an input to its encoded representation (the same layers)
encoder = keras.Model(input_img, encoded)

# Reconstruction and classification trained together, the classifier reading the shared code.
inputs = keras.Input(shape=(784,))
reconstruction = autoencoder(inputs)
label = layers.Dense(10, activation="softmax", name="label")(encoder(inputs))
model = keras.Model(inputs, [reconstruction, label])
model.compile(optimizer="adam", loss=["binary_crossentropy", "sparse_categorical_crossentropy"])
