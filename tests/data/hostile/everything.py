"""A hostile model script for `kerlint confirm`'s tests: NOT an example, never run it yourself.

At import it builds a small model, then opens a socket, downloads, writes
outside its folder (and next to itself), starts a process, trains for 1000
epochs, and finally loops forever. Confirm must measure the model and contain
everything else. `HOSTILE_TARGET` (which confirm's empty environment hides) names its target.
"""

import os
import socket
import subprocess
import urllib.request

import keras
import numpy as np

inputs = keras.Input(shape=(16,))
hidden = keras.layers.Dense(32, activation="relu")(inputs)
outputs = keras.layers.Dense(1, activation="sigmoid")(hidden)
model = keras.Model(inputs, outputs, name="hostile")
model.compile(optimizer="adam", loss="binary_crossentropy")

connection = socket.create_connection(("example.com", 80), timeout=5)
raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
raw.connect(("93.184.215.14", 80))
page = urllib.request.urlopen("https://example.com/weights.h5").read()

target = os.environ.get("HOSTILE_TARGET", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "escaped.txt"))
with open(target, "w") as handle:
    handle.write("escaped")
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "beside_the_script.txt"), "w") as handle:
    handle.write("escaped")
os.makedirs(os.path.join(os.path.dirname(target), "escaped_dir"), exist_ok=True)
os.system(f"touch {target}.from_shell")
subprocess.run(["touch", target + ".from_subprocess"], check=False)
with open("relative_checkpoint.txt", "w") as handle:  # relative: lands in the temporary directory
    handle.write("fine")

x = np.random.rand(256, 16)
y = np.random.randint(0, 2, (256, 1))
model.fit(x, y, epochs=1000)
for epoch in range(1000):
    model.train_on_batch(x, y)
model.save("model.keras")

while True:  # the time limit stops it
    pass
