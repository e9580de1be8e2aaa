"""A read-only tree of a plugin's checklist templates, the panel most modality plugins show.

Plugins call :func:`checklist_tree` from inside their panel factory, so their ``gui`` module stays
importable without Qt.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from qsi_desktop.plugins.types import ChecklistTemplate


def checklist_tree(
    parent: QWidget | None, templates: Iterable[ChecklistTemplate], *, name: str, accessible_name: str
) -> QTreeWidget:
    tree = QTreeWidget(parent)
    tree.setObjectName(name)
    tree.setAccessibleName(accessible_name)
    tree.setHeaderLabels(["Checklist item", "Quality statements"])
    tree.setWordWrap(True)
    for template in templates:
        top = QTreeWidgetItem(tree, [template.title, ", ".join(template.statement_refs)])
        top.setToolTip(0, template.description or template.title)
        for item in template.items:
            child = QTreeWidgetItem(top, [item.text, ", ".join(item.statement_refs)])
            child.setToolTip(0, item.guidance or item.text)
    tree.expandAll()
    header = tree.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the item text gets the room
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
    return tree
