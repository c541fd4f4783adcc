"""Classify structured data with feature columns (TensorFlow 2.0-2.5 tutorial): a DenseFeatures layer first."""

import numpy as np
import tensorflow as tf
from tensorflow import feature_column
from tensorflow.keras import layers

# Stand-in for the heart-disease CSV, as the dict of columns a tf.data batch holds.
batch = {name: np.random.randint(20, 70, size=(32,)).astype("float32") for name in ["age", "trestbps", "chol", "thalach", "oldpeak", "slope", "ca"]}
batch["thal"] = np.random.choice(["fixed", "normal", "reversible"], size=(32,))

feature_columns = []

# numeric cols
for header in ["age", "trestbps", "chol", "thalach", "oldpeak", "slope", "ca"]:
    feature_columns.append(feature_column.numeric_column(header))

# bucketized cols
age = feature_column.numeric_column("age")
age_buckets = feature_column.bucketized_column(age, boundaries=[18, 25, 30, 35, 40, 45, 50, 55, 60, 65])
feature_columns.append(age_buckets)

# indicator_columns
thal = feature_column.categorical_column_with_vocabulary_list("thal", ["fixed", "normal", "reversible"])
thal_one_hot = feature_column.indicator_column(thal)
feature_columns.append(thal_one_hot)

# embedding cols
thal_embedding = feature_column.embedding_column(thal, dimension=8)
feature_columns.append(thal_embedding)

# crossed cols
crossed_feature = feature_column.crossed_column([age_buckets, thal], hash_bucket_size=1000)
crossed_feature = feature_column.indicator_column(crossed_feature)
feature_columns.append(crossed_feature)

feature_layer = tf.keras.layers.DenseFeatures(feature_columns)

model = tf.keras.Sequential([
    feature_layer,
    layers.Dense(128, activation="relu"),
    layers.Dense(128, activation="relu"),
    layers.Dropout(0.1),
    layers.Dense(1),
])
model.compile(optimizer="adam", loss=tf.keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
model.predict(batch)
