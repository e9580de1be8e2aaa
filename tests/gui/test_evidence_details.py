"""The details step after a drop or Add file: one file's dialog or a table for several, titles from
the file names (never an NHS-number-like number), Enter adds them as they are, Cancel adds nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

from qsi_desktop.gui import workers
from qsi_desktop.gui.dialogs import EvidenceDialog
from qsi_desktop.gui.evidence_details import COL_OWNER, COL_REVIEW, COL_TITLE, NAME_WITHHELD, FileDetailsDialog
from qsi_desktop.gui.main_window import MainWindow
from qsi_desktop.services import evidence
from qsi_desktop.services.evidence import title_from_file_name

pytestmark = pytest.mark.gui

NHS_NUMBER = "943 476 5919"


def _files(tmp_path: Path, *names: str) -> list[Path]:
    paths = []
    for name in names:
        path = tmp_path / name
        path.write_bytes(f"content of {name}".encode())
        paths.append(path)
    return paths


def press_enter(dialog) -> None:
    QTest.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)  # the dialog may not be active yet


def _settle(qtbot) -> None:
    qtbot.waitUntil(lambda: not workers.running_workers() and QApplication.activeModalWidget() is None, timeout=10_000)


def test_titles_from_file_names_never_carry_nhs_numbers() -> None:
    assert title_from_file_name("Rota March.pdf") == "Rota March"
    assert title_from_file_name(f"Letter {NHS_NUMBER} clinic.docx") == "Letter clinic"
    assert title_from_file_name("943.476.5919 referral.pdf") == "referral"
    assert title_from_file_name("Order 1234567890.pdf") == "Order 1234567890"  # fails the check: not one


def test_several_dropped_files_get_a_table_and_enter_adds_them_as_they_are(
    window: MainWindow, qtbot, tmp_path: Path, details_step
) -> None:
    paths = _files(tmp_path, "Rota March.pdf", "Rota April.pdf")
    seen = details_step()
    window.add_dropped_files(paths, "XR-601")
    _settle(qtbot)
    assert isinstance(seen[0], FileDetailsDialog)
    titles = {item.title for item in evidence.list_evidence(window.workspace, "XR-601")}
    assert {"Rota March", "Rota April"} <= titles


def test_details_typed_in_the_table_are_stored(window: MainWindow, qtbot, tmp_path: Path, details_step) -> None:
    paths = _files(tmp_path, "Audit 1.xlsx", "Audit 2.xlsx")

    def fill(dialog: FileDetailsDialog) -> None:
        dialog.fields[0][COL_TITLE].setText("Hand hygiene audit Q1")
        dialog.fields[1][COL_OWNER].setText("Infection Control Lead")
        review = dialog.fields[1][COL_REVIEW]
        review.setFocus()
        QTest.keyClicks(dialog.focusWidget(), "15/11/2026")
        press_enter(dialog)

    details_step(fill)
    window.add_dropped_files(paths, None)
    _settle(qtbot)
    stored = {item.title: item for item in evidence.list_evidence(window.workspace, unsorted=True)}
    assert "Hand hygiene audit Q1" in stored
    assert stored["Audit 2"].owner == "Infection Control Lead"
    assert stored["Audit 2"].review_due_on == date(2026, 11, 15)


def test_one_added_file_gets_the_evidence_dialog_prefilled(
    window: MainWindow, qtbot, tmp_path: Path, details_step
) -> None:
    (path,) = _files(tmp_path, "Chaperone_policy v2.docx")
    seen = details_step()
    window.select_ref("XR-104")
    window.view.evidence.add_paths([path])
    _settle(qtbot)
    assert isinstance(seen[0], EvidenceDialog)
    assert "Chaperone_policy v2" in {item.title for item in evidence.list_evidence(window.workspace, "XR-104")}


def test_an_nhs_number_typed_as_a_title_is_said_and_nothing_stored_until_put_right(
    window: MainWindow, qtbot, tmp_path: Path, details_step
) -> None:
    paths = _files(tmp_path, "Scan A.pdf", "Scan B.pdf")
    total = len(evidence.list_evidence(window.workspace))
    messages: list[str] = []

    def fill(dialog: FileDetailsDialog) -> None:
        dialog.fields[1][COL_TITLE].setText(f"Referral {NHS_NUMBER}")
        dialog.accept()
        messages.append(dialog.message.text())
        assert dialog.focusWidget() is dialog.fields[1][COL_TITLE]
        assert len(evidence.list_evidence(window.workspace)) == total
        dialog.fields[1][COL_TITLE].setText("Referral")
        dialog.accept()

    details_step(fill)
    window.add_dropped_files(paths, None)
    _settle(qtbot)
    assert "Row 2, title: looks like it holds an NHS number" in messages[0]
    titles = {item.title for item in evidence.list_evidence(window.workspace, unsorted=True)}
    assert {"Scan A", "Referral"} <= titles


def test_a_file_named_with_an_nhs_number_is_not_shown_or_stored_under_it(
    window: MainWindow, qtbot, tmp_path: Path, details_step, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _files(tmp_path, f"Letter {NHS_NUMBER}.pdf", "Leaflet.pdf")
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a: shown.append(text)))

    def look(dialog: FileDetailsDialog) -> None:
        shown.append(dialog.table.item(0, 0).text())
        shown.append(dialog.fields[0][COL_TITLE].text())
        shown.extend(widget.accessibleName() for widget in dialog.fields[0].values())
        press_enter(dialog)

    details_step(look)
    window.add_dropped_files(paths, None)
    _settle(qtbot)
    assert shown[0] == NAME_WITHHELD and shown[1] == "Letter"
    assert not any(NHS_NUMBER in text for text in shown)
    titles = [item.title for item in evidence.list_evidence(window.workspace)]
    assert "Leaflet" in titles and not any("5919" in title for title in titles)
    assert "1 not added" in window.statusBar().currentMessage() and "1 not added" in shown[-1]
    assert not any(NHS_NUMBER in text or NHS_NUMBER.replace(" ", "") in text for text in shown)


def test_cancel_adds_nothing(window: MainWindow, qtbot, tmp_path: Path, details_step) -> None:
    paths = _files(tmp_path, "One.pdf", "Two.pdf")
    total = len(evidence.list_evidence(window.workspace))
    details_step(lambda dialog: dialog.reject())
    window.add_dropped_files(paths, "XR-601")
    _settle(qtbot)
    assert len(evidence.list_evidence(window.workspace)) == total


def test_the_table_is_keyboard_reachable_row_by_row(qtbot, tmp_path: Path) -> None:
    paths = _files(tmp_path, "A.pdf", "B.pdf")
    dialog = FileDetailsDialog(paths, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    first = dialog.fields[0][COL_TITLE]
    assert dialog.focusWidget() is first
    QTest.keyClick(first, Qt.Key.Key_Tab)
    focused = dialog.focusWidget()
    assert isinstance(focused, QLineEdit) and focused.accessibleName() == "Version of A.pdf"
