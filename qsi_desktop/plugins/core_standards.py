"""The core's own plugin: the XR sections of the standard, registered like any other plugin."""

from __future__ import annotations

from qsi_desktop import __version__
from qsi_desktop.catalogue.loader import core_framework_path, load_framework_file
from qsi_desktop.catalogue.model import Section
from qsi_desktop.plugins.markers import PLUGIN_API_VERSION, hookimpl

QSI_PLUGIN_API_VERSION = PLUGIN_API_VERSION
PLUGIN_NAME = "core"


@hookimpl
def qsi_register_standards_sections() -> list[Section]:
    return list(load_framework_file(core_framework_path()).sections)


__all__ = ["__version__", "qsi_register_standards_sections"]
