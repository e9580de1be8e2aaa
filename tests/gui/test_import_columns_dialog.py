"""The column step of a log import in the window: a hand-kept sheet's headers mapped by the user, the
choices carried into the import and remembered; patient columns cannot be chosen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox

from qsi_desktop.gui.dialogs import ImportDialog, ImportSummaryDialog
from qsi_desktop.gui.import_columns_dialog import ColumnChoiceDialog
from qsi_desktop.gui.main_window import MainWindow
from qsi_desktop.services import import_columns, importing
from qsi_desktop.services.applies import applicable_importers

SHEET = (
    "Scope / probe,Day,Exam,How cleaned,OK?,Patient name\nHAND-KEPT-1,05/03/2026,Transvaginal,Tristel Duo,Yes,Ada X\n"
)


def _pick(dialog: ColumnChoiceDialog, header: str, column: str) -> None:
    combo = dialog.combos[list(dialog.preview.header).index(header)]
    combo.setCurrentIndex(combo.findData(column))


def test_a_hand_kept_sheet_is_mapped_in_the_window_and_imported(window: MainWindow, tmp_path: Path, qtbot) -> None:
    log = tmp_path / "march.csv"
    log.write_text(SHEET, encoding="utf-8")
    ws, app = window.workspace, window.app
    dialog = ImportDialog(
        applicable_importers(ws, app), window, lambda i, path, given: import_columns.preview(ws, i, path, given)
    )
    qtbot.addWidget(dialog)
    dialog.importer.setCurrentIndex(dialog.importer.findData("us-decontamination"))
    assert not dialog.columns_button.isEnabled()  # no file yet
    dialog.add_paths([log])
    assert dialog.columns_button.isEnabled()

    dialog.columns_button.click()
    columns = dialog.last_dialog
    assert isinstance(columns, ColumnChoiceDialog)
    ok = columns.box.button(QDialogButtonBox.StandardButton.Ok)
    assert not columns.preview.recognised and not ok.isEnabled()
    assert "Still to choose" in columns.status.text()
    patient = columns.combos[5]
    assert not patient.isEnabled() and patient.currentText() == "Patient data: never read"
    for header, column in [("Scope / probe", "probe"), ("Day", "date"), ("Exam", "category")]:
        _pick(columns, header, column)
    _pick(columns, "How cleaned", "probe")
    assert "Two headers give the probe column" in columns.status.text() and not ok.isEnabled()
    _pick(columns, "How cleaned", "method")
    _pick(columns, "OK?", "result")
    assert ok.isEnabled()
    ok.click()
    assert dialog.columns == {
        "Scope / probe": "probe",
        "Day": "date",
        "Exam": "category",
        "How cleaned": "method",
        "OK?": "result",
    }

    worker = window.run_import("us-decontamination", [log], columns=dialog.columns)
    with qtbot.waitSignal(worker.signals.done, timeout=20_000):
        pass
    assert "Imported" in window.last_dialog.browser.toPlainText()
    window.last_dialog.close()
    assert [r["method"] for r in importing.list_records(ws, "us-decontamination") if r["probe"] == "HAND-KEPT-1"] == [
        "Tristel Duo"
    ]
    again = import_columns.preview(ws, importing.find_importer(app, "us-decontamination"), log)
    assert again.missing == () and again.mapped[3] == "method"  # remembered for the next sheet


def test_the_summary_says_how_to_map_a_file_the_importer_could_not_read(
    window: MainWindow, tmp_path: Path, qtbot
) -> None:
    log = tmp_path / "march.csv"
    log.write_text(SHEET, encoding="utf-8")
    worker = window.run_import("us-decontamination", [log])
    with qtbot.waitSignal(worker.signals.done, timeout=20_000):
        pass
    dialog = window.last_dialog
    assert isinstance(dialog, ImportSummaryDialog)
    assert "Choose columns" in dialog.browser.toPlainText()
    dialog.close()
