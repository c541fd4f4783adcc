# expect: KER208
# Reuters newswire topic classifier (bag of words) -- "softmax everywhere since it's a classification problem"
import numpy as np
import tensorflow as tf

max_words = 10000
num_classes = 46

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.reuters.load_data(num_words=max_words)
tokenizer = tf.keras.preprocessing.text.Tokenizer(num_words=max_words)
x_train = tokenizer.sequences_to_matrix(x_train, mode="binary")
x_test = tokenizer.sequences_to_matrix(x_test, mode="binary")
y_train = tf.keras.utils.to_categorical(y_train, num_classes)
y_test = tf.keras.utils.to_categorical(y_test, num_classes)

inputs = tf.keras.Input(shape=(max_words,))
x = tf.keras.layers.Dense(512, activation="softmax")(inputs)
x = tf.keras.layers.Dropout(0.5)(x)
outputs = tf.keras.layers.Dense(num_classes, activation="softmax")(x)
model = tf.keras.Model(inputs, outputs)

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=5, validation_split=0.1)
print(model.evaluate(x_test, y_test, batch_size=32))
