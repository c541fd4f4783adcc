"""A hostile model script for `kerlint confirm`'s sandbox tests: NOT an example, never run it yourself.

It prints 100 MiB, then writes a made-up measurement on the worker's result
pipe (the descriptor is on the worker's command line). The runner must keep
only the end of the output and report the run as untrusted.
"""

import os
import sys

import keras

model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)], name="forged")
for _ in range(100):
    sys.stdout.write("x" * (1 << 20) + "\n")
sys.stdout.flush()
with open("/proc/self/cmdline", "rb") as command:
    result_fd = int(command.read().split(b"\0")[3])
os.write(result_fd, b'{"event": "model", "order": 0, "measured": {"params": 1}}\n')
