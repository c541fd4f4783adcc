"""A hostile model script for `kerlint confirm`'s sandbox tests: NOT an example, never run it yourself.

It builds a small model, then tries what Python-level guards cannot stop:
writing next to itself through io.FileIO, posix.open, h5py, TensorFlow's file
system and a checkpoint; the network through _socket (TCP and UDP); processes
through posix.system, posix.fork and ctypes; killing and stopping its parent;
raising its memory limit; reading the caller's environment and that of the
sandbox's init. Every attempt is a statement of its own that raises (or, for
the signals, that the run must outlive), so that the run reports each one.
"""

import _socket
import ctypes
import io
import json
import os
import posix
import resource
import signal

import h5py
import keras
import tensorflow as tf

json.dumps = lambda *args, **kwargs: "forged"  # the worker's own messages must not change
HERE = os.path.dirname(os.path.abspath(__file__))
LIMITS = (resource.RLIMIT_DATA, resource.RLIMIT_AS, resource.RLIMIT_FSIZE, resource.RLIMIT_CORE)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)], name="escapes")

io.FileIO(os.path.join(HERE, "escaped_fileio.txt"), "w")
posix.open(os.path.join(HERE, "escaped_posix.txt"), posix.O_WRONLY | posix.O_CREAT)
h5py.File(os.path.join(HERE, "escaped.h5"), "w")
tf.io.write_file(os.path.join(HERE, "escaped_tf.txt"), "escaped")
tf.train.Checkpoint(model=model).save(os.path.join(HERE, "escaped_checkpoint"))
_socket.socket().connect(("1.1.1.1", 80))
_socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM).sendto(b"escaped", ("1.1.1.1", 53))
raise RuntimeError(f"posix.system: {posix.system('touch ' + os.path.join(HERE, 'escaped_shell.txt'))}")
for _ in range(5):
    posix.fork()
raise RuntimeError(f"ctypes fork: {ctypes.CDLL(None).fork()}")
os.kill(os.getppid(), signal.SIGSTOP)
os.kill(os.getppid(), signal.SIGKILL)
resource.setrlimit(resource.RLIMIT_DATA, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
raise RuntimeError(f"hard limits: {[resource.getrlimit(kind)[1] for kind in LIMITS]}")
with open("/proc/1/environ", "rb") as init:
    raise RuntimeError(f"environment: {os.environ.get('FAKE_SECRET')}, init: {b'FAKE_SECRET' in init.read()}")
