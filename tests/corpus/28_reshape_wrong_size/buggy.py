# expect: KER310
# Decoder of an autoencoder reshaping 784 values into 28x28x3
import keras
from keras import layers

latent = keras.Input(shape=(32,))
x = layers.Dense(784, activation="relu")(latent)
x = layers.Reshape((28, 28, 3))(x)
x = layers.Conv2DTranspose(1, 3, padding="same", activation="sigmoid")(x)
decoder = keras.Model(latent, x, name="decoder")
