"""Extract and reuse nodes in the graph of layers (Keras functional API guide): every VGG19 activation as an output."""

import keras

vgg19 = keras.applications.VGG19(weights="imagenet", include_top=False, input_shape=(64, 64, 3))

features_list = [layer.output for layer in vgg19.layers]

# Then create a new model that returns those intermediate activations.
feat_extraction_model = keras.Model(inputs=vgg19.input, outputs=features_list)
model = feat_extraction_model
