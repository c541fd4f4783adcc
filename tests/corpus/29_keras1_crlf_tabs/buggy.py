# expect: KER204
# Keras 1 script saved on Windows (CRLF line endings), indented with tabs
import numpy as np
from keras.models import Sequential
from keras.layers.core import Dense, Activation, Dropout
from keras.optimizers import SGD

data = np.loadtxt("churn.csv", delimiter=",", skiprows=1)
X = (data[:, :-1] - data[:, :-1].mean(axis=0)) / data[:, :-1].std(axis=0)
y = data[:, -1]


def build_model(input_dim):
	model = Sequential()
	model.add(Dense(output_dim=32, input_dim=input_dim, init="uniform"))
	model.add(Activation("relu"))
	model.add(Dropout(0.3))
	model.add(Dense(output_dim=1, init="uniform"))
	model.add(Activation("softmax"))
	return model


model = build_model(X.shape[1])
model.compile(loss="binary_crossentropy", optimizer=SGD(lr=0.01))
model.fit(X, y, nb_epoch=50, batch_size=32)
