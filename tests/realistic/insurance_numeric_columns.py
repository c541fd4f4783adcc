"""Medical-cost regression on the numeric columns of a CSV: the label removed from the column list, as scripts do."""

import numpy as np
import keras
from keras import layers

CSV_COLUMNS = ["age", "sex", "bmi", "children", "smoker", "region", "charges"]
LABEL = "charges"
CATEGORICAL = ["sex", "smoker", "region"]

feature_names = list(CSV_COLUMNS)
feature_names.remove(LABEL)
numeric_features = [name for name in feature_names if name not in CATEGORICAL]

# Stand-in for pd.read_csv("insurance.csv")[numeric_features].
x_train = np.random.rand(1000, len(numeric_features)).astype("float32")

normalizer = layers.Normalization()
normalizer.adapt(x_train)

model = keras.Sequential([
    keras.Input(shape=(len(numeric_features),)),
    normalizer,
    layers.Dense(32, activation="relu"),
    layers.Dense(16, activation="relu"),
    layers.Dense(1),
])
model.compile(optimizer="adam", loss="mae")
