"""A hostile model script for `kerlint confirm`'s tests: it ignores every attempt to stop it.

`except BaseException` swallows the soft time limit, so only killing the
worker at --timeout ends the run.
"""

import time

import keras

model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)], name="stubborn")

while True:
    try:
        time.sleep(0.05)
    except BaseException:
        pass
