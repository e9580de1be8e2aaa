"""QSI Desktop plugin: Computerised tomography (CT-9)."""

__version__ = "0.1.0"
