"""A Keras 2 ViT-style patch embedding: tf.image.extract_patches and tf.reshape inside a custom layer."""

import tensorflow as tf
from tensorflow.keras import layers

IMAGE_SIZE = 32
PATCH_SIZE = 4
NUM_PATCHES = (IMAGE_SIZE // PATCH_SIZE) ** 2
PROJECTION_DIM = 48


class Patches(layers.Layer):
    def __init__(self, patch_size):
        super(Patches, self).__init__()
        self.patch_size = patch_size

    def call(self, images):
        batch_size = tf.shape(images)[0]
        patches = tf.image.extract_patches(
            images=images,
            sizes=[1, self.patch_size, self.patch_size, 1],
            strides=[1, self.patch_size, self.patch_size, 1],
            rates=[1, 1, 1, 1],
            padding="VALID",
        )
        patch_dims = patches.shape[-1]
        patches = tf.reshape(patches, [batch_size, -1, patch_dims])
        return patches


class PatchEncoder(layers.Layer):
    def __init__(self, num_patches, projection_dim):
        super(PatchEncoder, self).__init__()
        self.num_patches = num_patches
        self.projection = layers.Dense(units=projection_dim)
        self.position_embedding = layers.Embedding(input_dim=num_patches, output_dim=projection_dim)

    def call(self, patch):
        positions = tf.range(start=0, limit=self.num_patches, delta=1)
        encoded = self.projection(patch) + self.position_embedding(positions)
        return encoded


inputs = layers.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 3))
patches = Patches(PATCH_SIZE)(inputs)
encoded = PatchEncoder(NUM_PATCHES, PROJECTION_DIM)(patches)
x = layers.LayerNormalization(epsilon=1e-6)(encoded)
x = layers.GlobalAveragePooling1D()(x)
outputs = layers.Dense(10)(x)
model = tf.keras.Model(inputs=inputs, outputs=outputs)
