"""Three camera views, each flattened and concatenated into one big Dense: KER102 and KER101.

The concatenation has 49,152 features and the Dense(256) after it holds almost
all of the model's parameters; global pooling per view would remove nearly all
of them. The three encoders are copies of one another on images of one kind:
one shared encoder would do (KER101).
"""

import keras
from keras import layers


def view_encoder(image):
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(image)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    return layers.Flatten()(x)


views = [keras.Input(shape=(64, 64, 3), name=f"view_{i}") for i in range(3)]
features = layers.concatenate([view_encoder(v) for v in views])
hidden = layers.Dense(256, activation="relu")(features)
hidden = layers.Dropout(0.3)(hidden)
steering = layers.Dense(1, name="steering")(hidden)

model = keras.Model(views, steering, name="multiview")
model.compile(optimizer="adam", loss="mse")
