"""Ultrasound GUI panel: the US registers and checklists as a tree.

PySide6 is imported inside the factory only, so importing this module never loads Qt.
"""

from __future__ import annotations

from typing import Any

from qsi_desktop.plugins.markers import hookimpl
from qsi_desktop.plugins.types import Panel
from qsi_plugin_us.checklists import CHECKLISTS

QSI_PLUGIN_API_VERSION = 1


def build_checklists_panel(parent: Any, context: Any) -> Any:
    from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

    tree = QTreeWidget(parent)
    tree.setObjectName("us-checklists")
    tree.setAccessibleName("Ultrasound checklists and registers")
    tree.setHeaderLabels(["Checklist item", "Quality statements"])
    for template in CHECKLISTS:
        top = QTreeWidgetItem(tree, [template.title, ", ".join(template.statement_refs)])
        top.setToolTip(0, template.description)
        for item in template.items:
            child = QTreeWidgetItem(top, [item.text, ", ".join(item.statement_refs)])
            child.setToolTip(0, item.guidance or item.text)
    tree.expandAll()
    tree.resizeColumnToContents(1)
    return tree


@hookimpl
def qsi_register_panels() -> list[Panel]:
    return [
        Panel(id="us.checklists", title="Ultrasound checklists", factory=build_checklists_panel, modality="US"),
    ]
