"""File > Import tracker (preview, change a mapping, confirm), Export tracker and Compare with submission."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QWizard

from qsi_desktop.services import cycle
from qsi_desktop.services.assessments import statement_details

pytestmark = pytest.mark.gui


def _accessibility_checks():
    """The checks every dialog passes (tests/gui/test_accessibility.py), for the wizard's second page."""
    spec = importlib.util.spec_from_file_location(
        "accessibility_checks", Path(__file__).with_name("test_accessibility.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._assert_no_clash, module._check_chain


FIRST, SECOND = "XR-206", "XR-207"  # not started in the demo


def _tracker(path: Path) -> Path:
    path.write_text(
        "Riverside QSI tracker\n\nQS ref,Compliance,Lead,Notes\n"
        "XR 206,Compliant,J Bloggs,Rota reviewed\n"
        "xr-207,Sort of,A Khan,\n"
        "Section 2,,,\n",
        encoding="utf-8",
    )
    return path


def _combo(wizard, name: str) -> QComboBox:
    return next(c for c in wizard.findChildren(QComboBox) if c.accessibleName() == name)


def test_preview_change_a_mapping_and_import(window, qtbot, tmp_path: Path) -> None:
    path = _tracker(tmp_path / "tracker.csv")
    assert {statement_details(window.workspace, window.app, r).status for r in (FIRST, SECOND)} == {"not_started"}
    before = statement_details(window.workspace, window.app, SECOND).assessment.owner
    wizard = window.import_tracker(path)
    qtbot.waitExposed(wizard)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.result is not None and not wizard.busy, timeout=10_000)
    page = wizard.preview_page
    _assert_no_clash, _check_chain = _accessibility_checks()
    _assert_no_clash(wizard, "tracker preview")
    _check_chain(qtbot, wizard, _combo(wizard, "Field for column QS ref"), "tracker preview")
    assert "2 will change" not in page.counts.text()  # "Sort of" is not a known word yet
    assert any("Row 5" in page.issues.item(i).text() for i in range(page.issues.count()))
    assert not any("Sort of" in page.issues.item(i).text() for i in range(page.issues.count()))
    # Change a word's meaning and a column's field: the file is read again.
    _combo(wizard, "Meaning of the status Sort of").setCurrentIndex(
        _combo(wizard, "Meaning of the status Sort of").findData("partially_met")
    )
    qtbot.waitUntil(lambda: not wizard.busy and wizard.words == {"sortof": "partially_met"}, timeout=10_000)
    lead = _combo(wizard, "Field for column Lead")
    lead.setCurrentIndex(lead.findData(""))
    qtbot.waitUntil(lambda: not wizard.busy and wizard.mapping.get("Lead") == "", timeout=10_000)
    assert {p.ref: p.change.status for p in wizard.result.planned} == {FIRST: "met", SECOND: "partially_met"}
    assert all(p.change.owner is None for p in wizard.result.planned)
    assert statement_details(window.workspace, window.app, FIRST).status == "not_started"  # nothing stored yet
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.isEnabled() and finish.text() == "&Import"
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.imported is not None, timeout=10_000)
    assert not wizard.isVisible()
    assert statement_details(window.workspace, window.app, FIRST).status == "met"
    assert statement_details(window.workspace, window.app, SECOND).status == "partially_met"
    assert statement_details(window.workspace, window.app, SECOND).assessment.owner == before  # column unmapped
    assert "2 statements updated" in window.statusBar().currentMessage()


def test_a_file_that_cannot_be_read_says_so(window, qtbot, tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    wizard = window.import_tracker(path)
    wizard.next()
    qtbot.waitUntil(lambda: not wizard.busy and "broken.xlsx" in wizard.preview_page.counts.text(), timeout=10_000)
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    wizard.reject()


def test_export_tracker_from_the_menu(window, qtbot, tmp_path: Path) -> None:
    out = tmp_path / "tracker.xlsx"
    window.export_tracker(out)
    qtbot.waitUntil(
        lambda: out.exists() and "statements written" in window.statusBar().currentMessage(), timeout=10_000
    )


def test_compare_with_the_start_of_the_cycle(window, qtbot) -> None:
    cycle.new_cycle(window.workspace, window.app, reset_statuses=True, actor="t")
    dialog = window.compare_with_submission()
    qtbot.waitExposed(dialog)
    dialog.compare_with_cycle()
    qtbot.waitUntil(lambda: dialog.comparison is not None, timeout=10_000)
    assert dialog.table.rowCount() == len(dialog.comparison.changes) > 0
    first = dialog.comparison.changes[0].ref
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert window.view.ref == first


def test_compare_with_a_damaged_bundle(window, qtbot, tmp_path: Path) -> None:
    bad = tmp_path / "bundle.zip"
    bad.write_bytes(b"nope")
    dialog = window.compare_with_submission()
    dialog.compare_with_bundle(bad)
    qtbot.waitUntil(lambda: "bundle.zip" in dialog.heading.text(), timeout=10_000)
    dialog.reject()
