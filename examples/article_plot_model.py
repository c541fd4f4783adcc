"""Example 3 of the article: draw the model with `plot_model`.

`plot_model` needs TensorFlow, pydot and Graphviz; `kerlint cost` prints the
same layers, shapes and parameter counts statically.
"""

import keras
from keras.utils import plot_model

input1 = keras.Input(shape=(10,), name="features_a")
input2 = keras.Input(shape=(20,), name="features_b")
dense1 = keras.layers.Dense(64, activation="relu", name="branch_a")(input1)
dense2 = keras.layers.Dense(64, activation="relu", name="branch_b")(input2)
merged = keras.layers.concatenate([dense1, dense2], name="merge")
output = keras.layers.Dense(1, activation="sigmoid", name="score")(merged)
model = keras.Model(inputs=[input1, input2], outputs=output, name="two_branch")

plot_model(model, to_file="model.png", show_shapes=True, show_layer_names=True)
