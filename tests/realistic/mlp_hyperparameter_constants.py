"""A tabular MLP whose layer sizes come from module constants, built in a loop with direct imports."""

from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense, Dropout, BatchNormalization, InputLayer

NUM_FEATURES = 42
HIDDEN_UNITS = [256, 128, 64]
DROPOUT_RATE = 0.3
NUM_CLASSES = 6

model = Sequential(name="tabular_mlp")
model.add(InputLayer(input_shape=(NUM_FEATURES,)))
for units in HIDDEN_UNITS:
    model.add(Dense(units, activation="relu"))
    model.add(BatchNormalization())
    model.add(Dropout(DROPOUT_RATE))
model.add(Dense(NUM_CLASSES, activation="softmax"))
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
