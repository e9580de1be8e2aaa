"""QSI Desktop plugin: Ultrasound (US-9)."""

__version__ = "0.1.0"
