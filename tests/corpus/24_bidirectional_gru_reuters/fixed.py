# Reuters topic classifier: a Bidirectional GRU returning sequences into the softmax head
import tensorflow as tf
from tensorflow.keras import layers

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.reuters.load_data(num_words=10000)
x_train = tf.keras.utils.pad_sequences(x_train, maxlen=300)
y_train = tf.keras.utils.to_categorical(y_train, 46)

inputs = tf.keras.Input(shape=(300,))
x = layers.Embedding(10000, 128)(inputs)
x = layers.Bidirectional(layers.GRU(64))(x)
x = layers.Dropout(0.3)(x)
outputs = layers.Dense(46, activation="softmax")(x)
model = tf.keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=10, batch_size=64)
