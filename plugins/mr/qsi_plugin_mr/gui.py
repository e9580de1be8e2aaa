"""MR GUI panel: the MR registers and checklists, answered in place when a workspace is open.

PySide6 is imported inside the factory only, so importing this module never loads Qt.
"""

from __future__ import annotations

from typing import Any

from qsi_desktop.plugins.markers import hookimpl
from qsi_desktop.plugins.types import Panel
from qsi_plugin_mr.checklists import CHECKLISTS

QSI_PLUGIN_API_VERSION = 1


def build_checklists_panel(parent: Any, context: Any) -> Any:
    from qsi_desktop.gui.checklist_panel import checklist_tree

    return checklist_tree(
        parent, CHECKLISTS, name="mr-checklists", accessible_name="MR checklists and registers", context=context
    )


@hookimpl
def qsi_register_panels() -> list[Panel]:
    return [
        Panel(id="mr.checklists", title="MR checklists", factory=build_checklists_panel, modality="MR"),
    ]
