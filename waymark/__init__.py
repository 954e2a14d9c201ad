"""Waymark: a guidance assistant that answers from your own documents, always citing them."""

__version__ = "0.1.0"
