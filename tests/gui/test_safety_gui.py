"""The GUI side of issue 19 part B: the identifier question in the import dialog, the audit trail
with Redact text, and an import that holds a row back."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from qsi_desktop.gui.audit_dialog import AuditTrailDialog
from qsi_desktop.gui.dialogs import ImportDialog, ImportSummaryDialog
from qsi_desktop.services.applies import applicable_importers

SECRET = "Phoned Mrs Ivy Quenneville about the leaflet"


def test_the_import_dialog_asks_about_identifiers_and_holds_back_by_default(window, qtbot) -> None:
    dialog = ImportDialog(applicable_importers(window.workspace, window.app), window)
    qtbot.addWidget(dialog)
    assert dialog.identifier_choice() == "hold"
    assert dialog.identifiers.accessibleName() == "Patient identifiers"
    dialog.identifiers.setCurrentIndex(1)
    assert dialog.identifier_choice() == "blank"


def test_an_import_with_a_name_in_a_note_holds_the_row_back(window, tmp_path: Path, qtbot) -> None:
    log = tmp_path / "decontamination.csv"
    with log.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Probe ID", "Date", "Time", "Examination category", "Method", "Result"])
        writer.writerow(["TV-09", date.today().isoformat(), "09:00", "intracavity", "Trophon EPR", "Pass"])
        writer.writerow(["TV-09", date.today().isoformat(), "10:00", "intracavity Mrs Quenneville", "Trophon", "Pass"])
    worker = window.run_import("us-decontamination", [log])
    with qtbot.waitSignal(worker.signals.done, timeout=20_000):
        pass
    dialog = window.last_dialog
    assert isinstance(dialog, ImportSummaryDialog)
    text = dialog.browser.toPlainText()
    assert "held back" in text and "Quenneville" not in text
    dialog.close()


def test_the_audit_trail_redacts_text_on_a_worker(window, qtbot, monkeypatch) -> None:
    ws = window.workspace
    from qsi_desktop.cli import main

    path = str(ws.path)
    assert main(["assess", path, "XR-101", "--narrative", SECRET]) == 0
    assert main(["assess", path, "XR-101", "--narrative", "Leaflet reviewed"]) == 0
    trail = window.show_audit_trail()
    assert isinstance(trail, AuditTrailDialog)
    row = next(i for i, e in enumerate(trail.entries) if e.after and e.after.get("narrative") == SECRET)
    trail.table.selectRow(row)
    worker = trail.redact_selected(field="narrative", confirm=False)
    with qtbot.waitSignal(worker.signals.done, timeout=20_000):
        pass
    assert trail.last_result is not None and trail.last_result.field == "narrative"
    assert trail.entries[0].action == "redact"
    data = b"".join(p.read_bytes() for p in ws.path.rglob("*") if p.is_file())
    assert b"Quenneville" not in data
    trail.close()
