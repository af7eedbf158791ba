"""Errors raised by the text models; messages are Chinese because users see them."""

from __future__ import annotations


class MLError(Exception):
    """Base class of every error raised by :mod:`xinfang.ml`."""


class ModelError(MLError):
    """A model cannot be trained, saved or loaded (bad file, bad training data)."""


class DataError(MLError, ValueError):
    """Input data (a CSV file, a text) is unusable; the message names the problem."""
