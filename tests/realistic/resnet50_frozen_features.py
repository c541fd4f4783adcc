"""A frozen ResNet50 as a feature extractor with a small head, in TensorFlow 2 tutorial style."""

import tensorflow as tf

IMG_SHAPE = (64, 64, 3)
NUM_CLASSES = 4

base_model = tf.keras.applications.ResNet50(input_shape=IMG_SHAPE, include_top=False, weights="imagenet", pooling="avg")
base_model.trainable = False

model = tf.keras.Sequential([
    tf.keras.Input(shape=IMG_SHAPE),
    tf.keras.layers.Lambda(tf.keras.applications.resnet50.preprocess_input),
    base_model,
    tf.keras.layers.Dense(256, activation="relu"),
    tf.keras.layers.Dropout(0.5),
    tf.keras.layers.Dense(NUM_CLASSES, activation="softmax"),
])
model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
