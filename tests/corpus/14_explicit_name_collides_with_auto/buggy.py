# expect: KER309
# An explicit name="dense" collides with the automatic name of the first Dense
import keras

inputs = keras.Input(shape=(10,))
hidden = keras.layers.Dense(32, activation="relu")(inputs)
output = keras.layers.Dense(1, activation="sigmoid", name="dense")(hidden)
model = keras.Model(inputs, output)
model.compile(optimizer="adam", loss="binary_crossentropy")
