"""Example 2 of the article: "efficient concatenation with shared layers".

It does not run: the shared Dense(32) builds a (10, 32) kernel on its first
call and cannot take the 20 features of the second input. kerlint reports
KER301 with both shapes and both lines.
"""

import keras

input1 = keras.Input(shape=(10,))
input2 = keras.Input(shape=(20,))
shared_dense = keras.layers.Dense(32, activation="relu")
dense1 = shared_dense(input1)
dense2 = shared_dense(input2)
merged = keras.layers.concatenate([dense1, dense2])
output = keras.layers.Dense(1, activation="sigmoid")(merged)
model = keras.Model(inputs=[input1, input2], outputs=output)
