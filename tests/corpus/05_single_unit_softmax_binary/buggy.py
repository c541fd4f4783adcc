# expect: KER204
# "Accuracy is always 0.5 and loss does not change" -- binary classification with Dense(1, softmax)
import pandas as pd
from sklearn.preprocessing import StandardScaler
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense

df = pd.read_csv("diabetes.csv")
X = df.drop("Outcome", axis=1).values
y = df["Outcome"].values
X = StandardScaler().fit_transform(X)

model = Sequential([
    Dense(12, input_dim=8, activation="relu"),
    Dense(8, activation="relu"),
    Dense(1, activation="softmax"),
])
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(X, y, epochs=150, batch_size=10)
