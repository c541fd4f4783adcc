"""A MobileNet-style network written by hand: depthwise separable blocks, ReLU6, a convolutional classifier."""

import keras
from keras import layers

ALPHA = 0.5
NUM_CLASSES = 8
BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1)]


def depthwise_block(x, pointwise_filters, strides, block_id):
    if strides != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == 1 else "valid", strides=strides, use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_filters * ALPHA), (1, 1), padding="same", use_bias=False, name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


inputs = keras.Input(shape=(96, 96, 3))
x = layers.Conv2D(int(32 * ALPHA), 3, strides=2, padding="same", use_bias=False, name="conv1")(inputs)
x = layers.BatchNormalization(name="conv1_bn")(x)
x = layers.ReLU(6.0, name="conv1_relu")(x)
for block_id, (filters, strides) in enumerate(BLOCKS, start=1):
    x = depthwise_block(x, filters, strides, block_id)
x = layers.GlobalAveragePooling2D(keepdims=True)(x)
x = layers.Dropout(1e-3, name="dropout")(x)
x = layers.Conv2D(NUM_CLASSES, (1, 1), padding="same", name="conv_preds")(x)
x = layers.Reshape((NUM_CLASSES,), name="reshape_2")(x)
outputs = layers.Activation("softmax", name="predictions")(x)
model = keras.Model(inputs, outputs, name="mobilenet_by_hand")
