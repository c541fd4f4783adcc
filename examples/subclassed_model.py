"""A subclassed model with a custom layer (weights from `build`), called on keras.Input. Clean.

kerlint evaluates `__init__`, `build` and `call` statically: the model's layers,
shapes and parameters match `model.summary()` exactly.
"""

import keras
from keras import layers


class FeatureScale(layers.Layer):
    """Learns a per-feature scale and keeps a fixed offset."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")
        self.offset = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="offset", trainable=False)

    def call(self, inputs):
        return inputs * self.scale + self.offset


class TabularClassifier(keras.Model):
    def __init__(self, hidden_units=(128, 64), num_classes=5, **kwargs):
        super().__init__(**kwargs)
        self.normalize = layers.BatchNormalization()
        self.hidden = [layers.Dense(units, activation="relu") for units in hidden_units]
        self.scale = FeatureScale()
        self.dropout = layers.Dropout(0.3)
        self.classify = layers.Dense(num_classes, activation="softmax")

    def call(self, inputs, training=False):
        x = self.normalize(inputs, training=training)
        for dense in self.hidden:
            x = dense(x)
        x = self.scale(x)
        x = self.dropout(x, training=training)
        return self.classify(x)


model = TabularClassifier(name="tabular_classifier")
model(keras.Input(shape=(20,)))
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
