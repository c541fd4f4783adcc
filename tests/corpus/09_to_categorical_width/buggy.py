# expect: KER206
# "Incompatible shapes: [32,10] vs. [32,2]" -- copied a cats-vs-dogs head onto MNIST
import keras
from keras.datasets import mnist
from keras.utils import to_categorical

(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train = x_train.reshape(60000, 784).astype("float32") / 255
y_train = to_categorical(y_train, 10)

model = keras.Sequential()
model.add(keras.layers.Dense(256, activation="relu", input_shape=(784,)))
model.add(keras.layers.Dropout(0.3))
model.add(keras.layers.Dense(2, activation="softmax"))
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=5)
