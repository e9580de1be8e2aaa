"""The register editor: add, edit, retire and history through the model, sort, filter, import with the
mapping preview, export, a 10,000-row register opened in under half a second, and the register tabs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QMessageBox, QTabWidget
from sqlalchemy import insert

from qsi_desktop.gui.context import GuiContext
from qsi_desktop.gui.register_editor import ImportDialog, RegisterEditor, RowDialog
from qsi_desktop.services import registers
from qsi_desktop.services.app import App
from qsi_desktop.store.models import RegisterRow
from qsi_desktop.store.workspace import NewProfile, Workspace
from tests.conftest import ALL_PLUGINS
from tests.test_registers import KIT, NHS_NUMBER, SAMPLE


@pytest.fixture(scope="module")
def app() -> App:
    return App.load(plugins=[*ALL_PLUGINS, SAMPLE])


@pytest.fixture
def ctx(tmp_path: Path, app: App) -> GuiContext:
    ws = Workspace.create(
        tmp_path / "ws",
        NewProfile("Riverside", "", ("Main",), ("MR", "NM", "US"), {"paediatric": True}),
        framework_id=app.framework_id,
        actor="test-user",
    )
    changes: list[int] = []
    context = GuiContext(app, ws, actor="lead", on_changed=lambda: changes.append(1))
    context.changes = changes  # type: ignore[attr-defined]
    yield context
    ws.close()


@pytest.fixture
def editor(qtbot, ctx: GuiContext, monkeypatch: pytest.MonkeyPatch) -> RegisterEditor:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, _t, text: warnings.append(text)))
    widget = RegisterEditor(KIT, ctx)
    widget.warnings = warnings  # type: ignore[attr-defined]
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _cells(editor: RegisterEditor, column: int = 1) -> list[str]:
    proxy = editor.proxy
    return [proxy.index(r, column).data() for r in range(proxy.rowCount())]


def test_add_edit_retire_and_history_through_the_editor(editor: RegisterEditor, ctx: GuiContext) -> None:
    row = editor.add_row({"site": "Main", "item": "Coil", "kind": "coil", "field_strength": "1.5"})
    assert row is not None and _cells(editor) == ["Coil"] and ctx.changes  # type: ignore[attr-defined]
    assert editor.proxy.index(0, 3).data() == "1.5"
    assert editor.add_row({"site": "Main", "item": "coil", "kind": "Coil"}) is None
    assert "already has Main | Coil" in editor.warnings[-1]  # type: ignore[attr-defined]
    assert editor.select_row(row.id)
    edited = editor.edit_selected({"site": "Main", "item": "Coil", "kind": "Coil", "field_strength": "3"})
    assert edited is not None and editor.proxy.index(0, 3).data() == "3"
    assert editor.retire_selected(confirm=False)
    assert _cells(editor) == [] and editor.summary.text() == "0 rows"
    editor.show_retired.setChecked(True)
    assert _cells(editor, 0) == ["Main (retired)"] and "1 retired" in editor.summary.text()
    editor.select_row(row.id)
    lines = editor.history_lines(editor.selected_row())
    assert [line.split(": ", 1)[1] for line in lines] == [
        "added Main | Coil",
        "changed Field strength 1.5 → 3",
        "retired",
    ]
    assert all(" lead: " in line for line in lines)
    dialog = editor.show_history()
    assert dialog is not None and dialog.findChild(QListWidget).count() == 3
    dialog.close()


def test_an_edit_on_a_stale_row_is_refused_with_the_services_message(editor: RegisterEditor, ctx: GuiContext) -> None:
    row = editor.add_row({"site": "Main", "item": "Coil", "kind": "Coil"})
    registers.edit_row(
        ctx.workspace,
        KIT,
        row.id,
        {"site": "Main", "item": "Coil", "kind": "Scanner"},
        expected_version=None,
        actor="other",
    )
    editor.select_row(row.id)  # the editor still holds the first version
    assert editor.edit_selected({"site": "Main", "item": "Coil", "kind": "Monitor"}) is None
    assert "changed by other meanwhile" in editor.warnings[-1]  # type: ignore[attr-defined]


def test_the_row_form_is_built_from_the_fields_and_keeps_bad_input_for_correction(
    qtbot, editor: RegisterEditor, ctx: GuiContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = RowDialog(KIT, ctx, None, editor)
    qtbot.addWidget(dialog)
    assert set(dialog.inputs) == {f.key for f in KIT.fields}
    dialog.set_value("site", "Main")
    dialog.set_value("item", "Monitor 1")
    dialog.set_value("kind", "Monitor")
    dialog.set_value("notes", f"for {NHS_NUMBER}")
    assert dialog.values()["kind"] == "Monitor" and dialog.values()["in_use"] == ""
    answers = iter([dialog, None])

    def run_once(self: RowDialog) -> int:
        if self is dialog and next(answers) is dialog:
            return RowDialog.DialogCode.Accepted
        return RowDialog.DialogCode.Rejected

    monkeypatch.setattr(RowDialog, "exec", run_once)
    monkeypatch.setattr("qsi_desktop.gui.register_editor.RowDialog", lambda *a, **k: dialog)
    assert editor.add_row() is None  # refused, then cancelled
    assert "NHS number" in dialog.message.text() and "943" not in dialog.message.text()
    assert registers.list_rows(ctx.workspace, KIT) == []


def test_sort_and_filter_run_on_the_model(editor: RegisterEditor) -> None:
    for item, strength in (("B", "3"), ("A", "1.5"), ("C", ""), ("D", "10")):
        editor.add_row({"site": "Main", "item": item, "kind": "Scanner", "field_strength": strength})
    editor.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    assert _cells(editor) == ["A", "B", "D", "C"]  # numbers as numbers, empty last
    editor.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    assert _cells(editor) == ["D", "B", "A", "C"]
    editor.filter.setText("1.5")
    assert _cells(editor) == ["A"]
    editor.filter.clear()
    assert len(_cells(editor)) == 4


def test_import_through_the_mapping_preview_and_export(
    qtbot, editor: RegisterEditor, ctx: GuiContext, tmp_path: Path
) -> None:
    source = tmp_path / "vendor.csv"
    source.write_text(
        "Site,Asset description,Kind,NHS Number\nMain,Coil,Coil,x\nMain,Odd,Gadget,x\n\nNorth,Monitor,Monitor,x\n"
    )
    dialog = editor.import_dialog(source)
    assert isinstance(dialog, ImportDialog)
    qtbot.addWidget(dialog)
    assert not dialog.import_button.isEnabled() and "No column fills Item" in dialog.counts.text()
    assert "Item: Item, item, equipment, device" in dialog.spellings.text()
    hows = [dialog.columns.item(r, 2).text() for r in range(dialog.columns.rowCount())]
    assert hows[3] == "patient data: never read" and dialog.columns.cellWidget(3, 1) is None
    combo = dialog.columns.cellWidget(1, 1)
    combo.setCurrentIndex(combo.findData("item"))  # map "Asset description" to Item
    assert dialog.import_button.isEnabled()
    assert "2 new" in dialog.counts.text()
    assert [dialog.issues.item(i).text() for i in range(dialog.issues.count())] == [
        "Row 3: Kind: not one of Scanner, Coil, Monitor"
    ]
    assert registers.list_rows(ctx.workspace, KIT) == []  # nothing stored before Import
    done = dialog.confirm()
    assert done is not None and done.added == 2 and sorted(_cells(editor)) == ["Coil", "Monitor"]
    again = editor.import_dialog(source)  # the mapping was remembered for this shape
    qtbot.addWidget(again)
    assert again.result.remembered and "2 unchanged" in again.counts.text()
    out = tmp_path / "kit"
    assert editor.export_to(out) == 2
    assert load_workbook(tmp_path / "kit.xlsx").active.max_row == 3
    assert editor.import_dialog(tmp_path / "missing.csv") is None
    assert "file not found" in editor.warnings[-1]  # type: ignore[attr-defined]


def test_a_10000_row_register_opens_in_under_half_a_second(qtbot, ctx: GuiContext) -> None:
    rows = []
    for number in range(10_000):
        values = {"site": f"Site {number % 7}", "item": f"Item {number}", "kind": "Coil", "field_strength": 1.5}
        values["installed"] = f"20{10 + number % 15}-03-05"
        rows.append(
            {
                "register_id": KIT.id,
                "row_key": registers.row_key(KIT, values),
                "values": values,
                "retired": False,
                "retired_by": "",
                "updated_by": "bulk",
                "version_id": 1,
            }
        )
    with ctx.workspace.transaction("bulk") as session:
        session.execute(insert(RegisterRow), rows)
    started = time.perf_counter()
    widget = RegisterEditor(KIT, ctx)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.table.viewport().repaint()
    elapsed = time.perf_counter() - started
    print(f"10,000-row register opened in {elapsed:.3f} s")
    assert widget.proxy.rowCount() == 10_000
    assert elapsed < 0.5, f"opening took {elapsed:.2f} s"
    started = time.perf_counter()
    widget.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    widget.filter.setText("Item 99")
    assert widget.proxy.rowCount() == 111  # 99, 990-999, 9900-9999
    elapsed = time.perf_counter() - started
    print(f"sorted and filtered in {elapsed:.3f} s")
    assert elapsed < 0.5


def test_register_tabs_sit_beside_their_modalitys_checklists(qtbot, ctx: GuiContext) -> None:
    from qsi_desktop.gui.panels import fill_tabs, pages

    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    fill_tabs(tabs, ctx)
    found = pages(tabs)
    editor = next(page for place, page in found.items() if place.endswith(" / Sample kit register"))
    assert isinstance(editor, RegisterEditor) and editor.model.rowCount() == 0  # loaded when first shown
