"""The register editor's Snapshot as evidence button: the register's rows stored as dated evidence."""

from __future__ import annotations

from pathlib import Path

from qsi_desktop.gui.context import GuiContext
from qsi_desktop.gui.register_editor import RegisterEditor
from qsi_desktop.services import evidence, registers
from qsi_desktop.services.app import App
from qsi_desktop.store.workspace import NewProfile, Workspace


def test_snapshot_button_stores_dated_evidence(qtbot, tmp_path: Path, full_app: App) -> None:
    ws = Workspace.create(
        tmp_path / "ws",
        NewProfile("Riverside", "", ("Main",), ("MR",), {}),
        framework_id=full_app.framework_id,
        actor="t",
    )
    register = full_app.plugins.register("mr.equipment")
    registers.add_row(ws, register, {"item": "Wheelchair", "location": "MR1", "label": "MR Safe"}, actor="t")
    changes: list[int] = []
    editor = RegisterEditor(register, GuiContext(full_app, ws, actor="lead", on_changed=lambda: changes.append(1)))
    qtbot.addWidget(editor)
    editor.buttons["Snapshot as evidence"].click()
    (item,) = [e for e in evidence.list_evidence(ws, "MR-903") if e.document_ref == "register:mr.equipment"]
    assert item.added_by == "lead" and item.file_name.endswith(".xlsx")
    assert editor.summary.text().startswith("Stored as E-") and changes
    ws.close()
