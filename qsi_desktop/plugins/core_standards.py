"""The core's own plugin: the XR sections of the standard and the paediatric scope, registered
like any other plugin's."""

from __future__ import annotations

from qsi_desktop import __version__
from qsi_desktop.catalogue.loader import core_framework_ids, core_framework_path, load_framework_file
from qsi_desktop.catalogue.model import Section
from qsi_desktop.plugins.markers import PLUGIN_API_VERSION, hookimpl
from qsi_desktop.plugins.types import Scope

QSI_PLUGIN_API_VERSION = PLUGIN_API_VERSION
PLUGIN_NAME = "core"

PAEDIATRIC = Scope(
    id="paediatric",
    label="paediatric imaging",
    question="The service images children and young people",
)


@hookimpl
def qsi_register_standards_sections(framework_id: str) -> list[Section]:
    if framework_id not in core_framework_ids():
        return []
    return list(load_framework_file(core_framework_path(framework_id)).sections)


@hookimpl
def qsi_register_scopes() -> list[Scope]:
    return [PAEDIATRIC]


__all__ = ["__version__", "qsi_register_scopes", "qsi_register_standards_sections"]
