# An explicit name="score" collides with the automatic name of the first Dense
import keras

inputs = keras.Input(shape=(10,))
hidden = keras.layers.Dense(32, activation="relu")(inputs)
output = keras.layers.Dense(1, activation="sigmoid", name="score")(hidden)
model = keras.Model(inputs, output)
model.compile(optimizer="adam", loss="binary_crossentropy")
