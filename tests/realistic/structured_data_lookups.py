"""Structured data classification (keras.io, heart disease): one input per feature, lookups and normalizers."""

import numpy as np
import keras
from keras import layers

numeric_features = ["age", "trestbps", "chol", "thalach", "oldpeak", "slope"]
integer_categorical_features = {"sex": [0, 1], "cp": [0, 1, 2, 3, 4], "fbs": [0, 1], "restecg": [0, 1, 2], "exang": [0, 1], "ca": [0, 1, 2, 3]}
string_categorical_features = {"thal": ["fixed", "normal", "reversible"]}

# Stand-in for the CSV columns.
train_frame = {name: np.random.rand(200, 1).astype("float32") for name in numeric_features}


def encode_numerical_feature(feature, name):
    normalizer = layers.Normalization()
    normalizer.adapt(train_frame[name])
    return normalizer(feature)


def encode_categorical_feature(feature, vocabulary, is_string):
    lookup_class = layers.StringLookup if is_string else layers.IntegerLookup
    lookup = lookup_class(vocabulary=vocabulary, output_mode="one_hot")
    return lookup(feature)


all_inputs = []
encoded_features = []
for name in numeric_features:
    feature_input = keras.Input(shape=(1,), name=name)
    all_inputs.append(feature_input)
    encoded_features.append(encode_numerical_feature(feature_input, name))
for name, vocabulary in integer_categorical_features.items():
    feature_input = keras.Input(shape=(1,), name=name, dtype="int64")
    all_inputs.append(feature_input)
    encoded_features.append(encode_categorical_feature(feature_input, vocabulary, False))
for name, vocabulary in string_categorical_features.items():
    feature_input = keras.Input(shape=(1,), name=name, dtype="string")
    all_inputs.append(feature_input)
    encoded_features.append(encode_categorical_feature(feature_input, vocabulary, True))

all_features = layers.concatenate(encoded_features)
x = layers.Dense(32, activation="relu")(all_features)
x = layers.Dropout(0.5)(x)
output = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(all_inputs, output)
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
