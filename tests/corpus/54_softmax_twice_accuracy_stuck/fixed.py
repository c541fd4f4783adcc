# "Keras loss stuck around 1.2 on 4 classes and predictions are all close to 0.25"
import numpy as np
from keras.models import Sequential
from keras.layers import Dense, Activation, Dropout
from keras.utils import np_utils
from sklearn.preprocessing import StandardScaler

data = np.loadtxt("sensor_features.csv", delimiter=",", skiprows=1)
X, labels = data[:, :-1], data[:, -1]
X = StandardScaler().fit_transform(X)
y = np_utils.to_categorical(labels, 4)

model = Sequential()
model.add(Dense(128, input_dim=40))
model.add(Activation("relu"))
model.add(Dropout(0.3))
model.add(Dense(64))
model.add(Activation("relu"))
model.add(Dense(4))
model.add(Activation("softmax"))

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(X, y, epochs=50, batch_size=32, validation_split=0.2)
