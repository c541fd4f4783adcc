"""An MNIST CNN the Keras 2 way: model.add, input_shape on the first layer, reshaped numpy data."""

import numpy as np
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense, Conv2D, Flatten, MaxPooling2D, Dropout
from tensorflow.keras.utils import to_categorical

img_rows, img_cols = 28, 28
num_classes = 10

x_train = np.random.randint(0, 256, size=(600, img_rows * img_cols)).astype("float32")
y_train = np.random.randint(0, num_classes, size=(600,))
x_train = x_train.reshape(x_train.shape[0], img_rows, img_cols, 1)
x_train /= 255
y_train = to_categorical(y_train, num_classes)

model = Sequential()
model.add(Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=(img_rows, img_cols, 1)))
model.add(Conv2D(64, (3, 3), activation="relu"))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.25))
model.add(Flatten())
model.add(Dense(128, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(num_classes, activation="softmax"))
model.compile(loss="categorical_crossentropy", optimizer="adadelta", metrics=["accuracy"])
