"""Everyday evidence work in the window: many files at once, dropped on a statement or on the window
(Unsorted), the same file offered instead of a second copy, editing, linking, retiring, where used."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton, QWidget

from qsi_desktop.gui import workers
from qsi_desktop.gui.dialogs import EvidenceDialog
from qsi_desktop.gui.evidence_library import UNSORTED, WhereUsedDialog
from qsi_desktop.gui.main_window import MainWindow
from qsi_desktop.services import evidence, readiness
from qsi_desktop.services.evidence import EvidenceDetails

pytestmark = pytest.mark.gui


def _files(tmp_path: Path, *names: str) -> list[Path]:
    paths = []
    for name in names:
        path = tmp_path / name
        path.write_bytes(f"content of {name}".encode())
        paths.append(path)
    return paths


def _drop(target: QWidget, paths: list[Path], pos: QPoint | None = None) -> None:
    """Drag file URLs over ``target`` and drop them, as a file manager would (Qt delivers a drop to the
    widget that accepted the drag's enter event)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    point = pos if pos is not None else target.rect().center()
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted(), "the drag was refused"
    drop = QDropEvent(QPointF(point), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, drop)


def _settle(qtbot) -> None:
    qtbot.waitUntil(lambda: not workers.running_workers(), timeout=10_000)


def _titles(window: MainWindow, ref: str | None = None, **kwargs) -> list[str]:
    return sorted(item.title for item in evidence.list_evidence(window.workspace, ref, **kwargs))


def _click_in_modal(object_name: str, seen: list[str]) -> None:
    """Once a message box is up (it opens after the files were read on a worker), click one of its buttons."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        box.findChild(QPushButton, object_name).click()

    QTimer.singleShot(0, click)


def test_files_dropped_on_a_statement_in_the_tree_are_linked_to_it(
    window: MainWindow, qtbot, tmp_path, details_step
) -> None:
    paths = _files(tmp_path, "Rota March.pdf", "Rota April.pdf")
    before = window.model.index_for_ref("XR-601")
    index = window.proxy.mapFromSource(before)
    window.tree.scrollTo(index)
    details_step()  # Enter: as they are
    _drop(window.tree.viewport(), paths, window.tree.visualRect(index).center())
    _settle(qtbot)
    assert {"Rota March", "Rota April"} <= set(_titles(window, "XR-601"))
    assert "2 files added to XR-601" in window.statusBar().currentMessage()
    counts = {s.ref: s.evidence for s in window.state.statements}
    assert counts["XR-601"] == len(_titles(window, "XR-601"))  # the tree's counts follow


def test_files_dropped_on_the_window_go_to_unsorted(window: MainWindow, qtbot, tmp_path, details_step) -> None:
    paths = _files(tmp_path, "Scan 1.pdf", "Scan 2.pdf", "Scan 3.pdf")
    details_step()
    _drop(window, paths)
    _settle(qtbot)
    assert _titles(window, unsorted=True) == ["Scan 1", "Scan 2", "Scan 3"]
    window.main_tabs.setCurrentWidget(window.library)
    library = window.library
    assert library.filter.currentData() == UNSORTED and library.table.rowCount() == 3
    assert library.table.item(0, 5).text() == "Unsorted"

    # Link one later: it leaves Unsorted and counts for its statement.
    library.select_id(library.items[0].id)
    seen = []

    def link() -> None:
        dialog = QApplication.activeModalWidget()
        seen.append(dialog.windowTitle())
        dialog.refs.setText("XR-602")
        dialog.accept()

    QTimer.singleShot(0, link)
    assert library.link()
    assert seen and seen[0].startswith("Link E-")
    assert _titles(window, unsorted=True) == ["Scan 2", "Scan 3"] and "Scan 1" in _titles(window, "XR-602")
    assert library.table.rowCount() == 2


def test_the_same_file_again_offers_the_stored_item(window: MainWindow, qtbot, tmp_path, details_step) -> None:
    (policy,) = _files(tmp_path, "Chaperone policy.docx")
    stored = evidence.add_file(
        window.workspace, window.app, policy, EvidenceDetails(targets=["XR-103"]), actor="test-user"
    )
    copy = tmp_path / "copy of the policy.docx"
    copy.write_bytes(policy.read_bytes())
    total = len(evidence.list_evidence(window.workspace))
    window.select_ref("XR-104")
    seen: list[str] = []
    _click_in_modal("link-existing", seen)
    window.view.evidence.add_paths([copy])
    _settle(qtbot)
    assert "already stored as E-" in seen[0] and "Chaperone policy" in seen[0]
    assert len(evidence.list_evidence(window.workspace)) == total  # no second copy
    assert {str(t) for t in evidence.get_evidence(window.workspace, stored.id).targets} == {"XR-103", "XR-104"}
    assert "linked instead" in window.statusBar().currentMessage()

    _click_in_modal("add-again", seen)  # the user may still want a second item
    details_step()
    window.view.evidence.add_paths([copy])
    _settle(qtbot)
    assert len(evidence.list_evidence(window.workspace)) == total + 1


def test_add_file_takes_many_files_at_once(window: MainWindow, qtbot, tmp_path, monkeypatch, details_step) -> None:
    paths = _files(tmp_path, "Audit 1.xlsx", "Audit 2.xlsx")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([str(p) for p in paths], "")))
    window.select_ref("XR-701")
    details_step()
    window.view.evidence.add_file()
    _settle(qtbot)
    assert {"Audit 1", "Audit 2"} <= set(_titles(window, "XR-701"))
    assert {"Audit 1", "Audit 2"} <= {item.title for item in window.view.evidence.items}


def test_edit_retire_and_where_used_from_the_library(window: MainWindow, qtbot, monkeypatch) -> None:
    ws = window.workspace
    window.main_tabs.setCurrentWidget(window.library)
    library = window.library
    item = next(i for i in library.items if len(i.refs) >= 1)
    ref = sorted(item.refs)[0]
    before = readiness.readiness(ws, window.app)
    per_ref = {s.ref: s.evidence for s in before.statements}[ref]
    library.select_id(item.id)

    def edit() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, EvidenceDialog)
        dialog.title.setText("Renamed policy")
        dialog.version.setText("9")
        dialog.accept()

    QTimer.singleShot(0, edit)
    assert library.edit()
    edited = evidence.get_evidence(ws, item.id)
    assert (edited.title, edited.version) == ("Renamed policy", "9")

    def go() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, WhereUsedDialog)
        dialog.tree.setCurrentItem(dialog.tree.topLevelItem(0))
        dialog.tree.itemActivated.emit(dialog.tree.topLevelItem(0), 0)

    library.select_id(item.id)
    QTimer.singleShot(0, go)
    assert library.where_used() == ref
    assert window.main_tabs.currentWidget() is window.splitter and window.current_ref() == ref

    window.main_tabs.setCurrentWidget(library)
    library.select_id(item.id)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    assert library.retire()
    after = readiness.readiness(ws, window.app)
    assert after.evidence_total == before.evidence_total - 1
    assert {s.ref: s.evidence for s in after.statements}[ref] == per_ref - 1
    assert {s.ref: s.evidence for s in window.state.statements}[ref] == per_ref - 1  # the window refreshed
    assert not library.select_id(item.id)  # out of "In use"
    library.show_filter("retired")
    assert library.select_id(item.id) and library.retire_button.text() == "&Restore"
    assert library.table.item(library.table.currentRow(), 5).text().startswith("Retired")


def test_a_dropped_document_holding_an_nhs_number_is_flagged_where(
    window: MainWindow, qtbot, tmp_path, details_step, monkeypatch
) -> None:
    import docx

    survey = tmp_path / "Patient survey.docx"
    document = docx.Document()
    document.add_paragraph("Survey results")
    document.add_paragraph("Patient 943 476 5919 said the leaflet was clear")
    document.save(str(survey))
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _parent, _title, text: warnings.append(text)))
    details_step()
    _drop(window, [survey])
    _settle(qtbot)
    qtbot.waitUntil(lambda: bool(warnings), timeout=10_000)
    assert "seem to hold an NHS number" in warnings[0] and "(paragraph 2)" in warnings[0]
    assert "5919" not in warnings[0]
