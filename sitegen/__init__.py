"""sitegen: a static site generator for an annotated news digest."""

__version__ = "0.1.0"
