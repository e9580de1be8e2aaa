"""QSI Desktop: evidence manager for the UK Quality Standard for Imaging.

Plugin authors import :data:`hookimpl` from here to implement the ``qsi_*`` hooks.
"""

from qsi_desktop.plugins.markers import hookimpl

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]
