"""Perceptual features from VGG16 block outputs (style-transfer style): a sub-model cut by layer name, frozen."""

import keras
from keras.applications import vgg16

content_layer_name = "block4_conv2"
style_layer_names = ["block1_conv1", "block2_conv1", "block3_conv1"]

vgg = vgg16.VGG16(weights="imagenet", include_top=False, input_shape=(64, 64, 3))
vgg.trainable = False

outputs_dict = {name: vgg.get_layer(name).output for name in style_layer_names + [content_layer_name]}
feature_extractor = keras.Model(inputs=vgg.inputs, outputs=outputs_dict)

# A small classifier over the content features.
inputs = keras.Input(shape=(64, 64, 3))
features = feature_extractor(inputs)
x = keras.layers.GlobalAveragePooling2D()(features[content_layer_name])
outputs = keras.layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs)
