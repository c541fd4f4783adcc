"""A two-tower retrieval model: user and item towers meet in a dot product. Clean."""

import keras
from keras import layers

NUM_USERS = 50_000
NUM_ITEMS = 20_000
EMBEDDING_DIM = 32
TOWER_UNITS = [128, 64]


def tower(ids, vocabulary_size, prefix):
    """Embedding followed by a small MLP; each tower embeds a different entity."""
    x = layers.Embedding(vocabulary_size, EMBEDDING_DIM, name=f"{prefix}_embedding")(ids)
    x = layers.Flatten(name=f"{prefix}_flatten")(x)
    for i, units in enumerate(TOWER_UNITS):
        x = layers.Dense(units, activation="relu", name=f"{prefix}_dense_{i}")(x)
        x = layers.Dropout(0.1, name=f"{prefix}_dropout_{i}")(x)
    return x


def build_model():
    user_id = keras.Input(shape=(1,), dtype="int32", name="user_id")
    item_id = keras.Input(shape=(1,), dtype="int32", name="item_id")
    user_vector = tower(user_id, NUM_USERS, "user")
    item_vector = tower(item_id, NUM_ITEMS, "item")
    score = layers.Dot(axes=1, normalize=True, name="cosine")([user_vector, item_vector])
    return keras.Model(inputs=[user_id, item_id], outputs=score, name="two_tower")


model = build_model()
model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse")
