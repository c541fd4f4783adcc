"""Example 1 of the article: two dense branches of 64 units, concatenated.

The article calls this "inefficient", but 128 concatenated features feeding a
single sigmoid unit is tiny: kerlint reports nothing here.
"""

import keras

input1 = keras.Input(shape=(10,))
input2 = keras.Input(shape=(20,))
dense1 = keras.layers.Dense(64, activation="relu")(input1)
dense2 = keras.layers.Dense(64, activation="relu")(input2)
merged = keras.layers.concatenate([dense1, dense2])
output = keras.layers.Dense(1, activation="sigmoid")(merged)
model = keras.Model(inputs=[input1, input2], outputs=output)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
