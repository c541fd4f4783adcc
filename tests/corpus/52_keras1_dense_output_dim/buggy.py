# expect: KER207
# Keras 1 binary classifier on a CSV (Pima diabetes), from an old blog post; one Activation line went missing
import numpy
import pandas
from keras.models import Sequential
from keras.layers.core import Dense, Dropout, Activation

dataframe = pandas.read_csv("pima-indians-diabetes.csv", header=None)
dataset = dataframe.values
X = dataset[:, 0:8]
Y = dataset[:, 8]
X = (X - X.mean(axis=0)) / X.std(axis=0)

model = Sequential()
model.add(Dense(output_dim=64, input_dim=8, init="uniform"))
model.add(Dropout(0.5))
model.add(Dense(output_dim=64, init="uniform"))
model.add(Activation("tanh"))
model.add(Dropout(0.5))
model.add(Dense(output_dim=1, init="uniform"))
model.add(Activation("sigmoid"))

model.compile(loss="binary_crossentropy", optimizer="sgd", metrics=["accuracy"])
model.fit(X, Y, nb_epoch=150, batch_size=10)
