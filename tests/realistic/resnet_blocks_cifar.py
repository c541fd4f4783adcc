"""A small ResNet for CIFAR-10 from helper functions (residual blocks with projection shortcuts)."""

import tensorflow as tf
from tensorflow.keras import layers, models

NUM_CLASSES = 10
STAGES = [(16, 2), (32, 2), (64, 2)]


def conv_bn_relu(x, filters, kernel_size=3, strides=1):
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def residual_block(x, filters, downsample=False):
    shortcut = x
    strides = 2 if downsample else 1
    y = conv_bn_relu(x, filters, strides=strides)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
    y = layers.BatchNormalization()(y)
    if downsample or shortcut.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=strides, use_bias=False)(shortcut)
        shortcut = layers.BatchNormalization()(shortcut)
    y = layers.Add()([y, shortcut])
    return layers.Activation("relu")(y)


def build_resnet(input_shape=(32, 32, 3), num_classes=NUM_CLASSES):
    inputs = layers.Input(shape=input_shape)
    x = conv_bn_relu(inputs, 16)
    for stage, (filters, blocks) in enumerate(STAGES):
        for block in range(blocks):
            x = residual_block(x, filters, downsample=(block == 0 and stage > 0))
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return models.Model(inputs, outputs, name="resnet_cifar")


model = build_resnet()
model.compile(optimizer=tf.keras.optimizers.SGD(0.1, momentum=0.9), loss="sparse_categorical_crossentropy")
