"""A small CIFAR-10 ResNet whose blocks live in blocks.py: kerlint follows the import. Clean."""

import keras
from keras import layers

from blocks import conv_bn_relu, residual_block

STAGES = [(32, 1), (64, 2), (128, 2)]


def build_resnet(input_shape=(32, 32, 3), num_classes=10, blocks_per_stage=2):
    inputs = keras.Input(shape=input_shape)
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = conv_bn_relu(x, 32, name="stem")
    for stage, (filters, strides) in enumerate(STAGES):
        for block in range(blocks_per_stage):
            x = residual_block(x, filters, strides if block == 0 else 1, name=f"stage{stage}_block{block}")
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="cifar_resnet")


model = build_resnet()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
