"""IR GUI panel: the IR registers and checklists, answered in place when a workspace is open.

PySide6 is imported inside the factory only, so importing this module never loads Qt.
"""

from __future__ import annotations

from typing import Any

from qsi_desktop.plugins.markers import hookimpl
from qsi_desktop.plugins.types import Panel
from qsi_plugin_ir.checklists import CHECKLISTS

QSI_PLUGIN_API_VERSION = 1


def build_checklists_panel(parent: Any, context: Any) -> Any:
    from qsi_desktop.gui.checklist_panel import checklist_tree

    return checklist_tree(
        parent, CHECKLISTS, name="ir-checklists", accessible_name="IR checklists and registers", context=context
    )


@hookimpl
def qsi_register_panels() -> list[Panel]:
    return [
        Panel(id="ir.checklists", title="IR checklists", factory=build_checklists_panel, modality="IR"),
    ]
