"""Example QSI Desktop plugin: mammography (MG-9), written for docs/PLUGINS.md.

The MG-9 section in ``data/`` is an example written for the plugin guide; it is NOT part of the
published Quality Standard for Imaging.
"""

__version__ = "0.1.0"
