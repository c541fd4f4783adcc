# expect: KER105
# Small image classifier from a directory of JPEGs (cats vs dogs), conv -> BN -> ReLU blocks
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

train_ds = keras.utils.image_dataset_from_directory("PetImages", validation_split=0.2, subset="training", seed=1337, image_size=(180, 180), batch_size=64)
val_ds = keras.utils.image_dataset_from_directory("PetImages", validation_split=0.2, subset="validation", seed=1337, image_size=(180, 180), batch_size=64)


def conv_block(x, filters):
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    return layers.MaxPooling2D()(x)


inputs = keras.Input(shape=(180, 180, 3))
x = layers.Rescaling(1.0 / 255)(inputs)
for filters in [32, 64, 128]:
    x = conv_block(x, filters)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)

model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
model.fit(train_ds, epochs=25, validation_data=val_ds)
