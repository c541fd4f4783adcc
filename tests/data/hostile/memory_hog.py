"""A hostile model script for `kerlint confirm`'s tests: it allocates far more memory than it may."""

import keras
import numpy as np

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)], name="hog")
hog = np.ones((64, 1024, 1024, 1024), dtype=np.uint8)  # 64 GiB
