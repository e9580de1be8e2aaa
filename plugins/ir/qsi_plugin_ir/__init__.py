"""QSI Desktop plugin: Interventional radiology (IR-9)."""

__version__ = "0.1.0"
