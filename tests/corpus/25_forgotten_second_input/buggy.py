# expect: KER308
# "Graph disconnected: cannot find parent for tensor" -- metadata input missing from inputs
import keras
from keras import layers

image = keras.Input(shape=(64, 64, 3), name="image")
metadata = keras.Input(shape=(10,), name="metadata")

x = layers.Rescaling(1.0 / 255)(image)
x = layers.Conv2D(32, 3, activation="relu")(x)
x = layers.GlobalAveragePooling2D()(x)
x = layers.concatenate([x, metadata])
x = layers.Dense(32, activation="relu")(x)
price = layers.Dense(1, name="price")(x)

model = keras.Model(inputs=image, outputs=price)
model.compile(optimizer="adam", loss="mse")
