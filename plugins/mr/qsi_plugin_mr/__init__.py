"""QSI Desktop plugin: Magnetic resonance imaging (MR-9)."""

__version__ = "0.1.0"
