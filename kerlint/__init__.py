"""kerlint: a static analyzer and linter for Keras model code."""

__version__ = "0.1.0"
