"""Activation functions and their exact derivatives, over HTTP."""

__version__ = "0.1.0"
