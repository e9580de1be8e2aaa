"""QSI Desktop plugin: Nuclear medicine and molecular imaging (NM-9)."""

__version__ = "0.1.0"
