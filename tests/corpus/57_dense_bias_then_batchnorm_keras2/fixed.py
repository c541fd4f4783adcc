# Keras 2 tabular regression (house prices): Dense -> BatchNormalization -> Activation, the "BN before ReLU" way
import pandas as pd
from keras.models import Sequential
from keras.layers import Dense, BatchNormalization, Activation, Dropout
from keras.callbacks import EarlyStopping
from sklearn.preprocessing import StandardScaler

df = pd.read_csv("train.csv")
y = df["SalePrice"].values
X = df.drop(columns=["SalePrice"]).values
X = StandardScaler().fit_transform(X)

model = Sequential()
model.add(Dense(256, input_dim=X.shape[1], kernel_initializer="he_normal", use_bias=False))
model.add(BatchNormalization())
model.add(Activation("relu"))
model.add(Dropout(0.2))
model.add(Dense(128, kernel_initializer="he_normal", use_bias=False))
model.add(BatchNormalization())
model.add(Activation("relu"))
model.add(Dense(1))

model.compile(loss="mean_squared_error", optimizer="adam")
model.fit(X, y, epochs=200, batch_size=32, validation_split=0.2, callbacks=[EarlyStopping(patience=10)])
