"""Date fields from the keyboard: Tab never gets stuck in an empty date, typed UK dates are read, a date
that cannot be read says so and keeps the focus. In the assessment form and the evidence and action dialogs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from qsi_desktop.gui.dialogs import ActionDialog, EvidenceDialog
from qsi_desktop.gui.main_window import MainWindow
from qsi_desktop.gui.widgets import OptionalDateEdit
from qsi_desktop.services.app import App

pytestmark = pytest.mark.gui


def _focus(qtbot, widget: QWidget) -> None:
    widget.window().activateWindow()
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)


def _tab(qtbot, backwards: bool = False) -> QWidget:
    focused = QApplication.focusWidget()
    if backwards:
        qtbot.keyClick(focused, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    else:
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    return QApplication.focusWidget()


def _type_into(qtbot, field: OptionalDateEdit, text: str) -> None:
    _focus(qtbot, field)
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, text)


def test_tab_leaves_empty_date_fields_in_the_assessment_form(window: MainWindow, qtbot) -> None:
    window.select_ref("XR-601")  # not assessed in the demo: both dates empty
    form = window.view.form
    assert form.last_reviewed.value() is None and form.next_review.value() is None
    assert form.last_reviewed.edit.placeholderText() == "none"
    _focus(qtbot, form.interval)
    assert _tab(qtbot) is form.last_reviewed.edit
    assert _tab(qtbot) is form.next_review.edit
    assert _tab(qtbot) is form.signed_off_by
    assert _tab(qtbot) is form.save_button  # Revert is disabled: nothing changed
    assert _tab(qtbot, backwards=True) is form.signed_off_by
    assert _tab(qtbot, backwards=True) is form.next_review.edit
    assert _tab(qtbot, backwards=True) is form.last_reviewed.edit


@pytest.mark.parametrize("typed", ["15/11/2026", "15 Nov 2026", "2026-11-15", "15.11.26"])
def test_typed_uk_dates_are_read(qtbot, typed: str) -> None:
    field = OptionalDateEdit(accessible_name="Next review")
    qtbot.addWidget(field)
    seen: list[object] = []
    field.dateChanged.connect(seen.append)
    field.show()
    _type_into(qtbot, field, typed)
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.value() == date(2026, 11, 15) and seen == [date(2026, 11, 15)]
    assert field.text() == "15 Nov 2026"


def test_t_sets_today_and_emptying_the_field_means_none(qtbot) -> None:
    field = OptionalDateEdit(accessible_name="Due")
    qtbot.addWidget(field)
    field.show()
    _focus(qtbot, field)
    qtbot.keyClick(field.edit, Qt.Key.Key_T)
    assert field.value() == date.today()
    field.edit.selectAll()
    qtbot.keyClick(field.edit, Qt.Key.Key_Delete)
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.value() is None and field.text() == ""


def test_an_unreadable_date_says_so_and_keeps_the_focus(window: MainWindow, demo_path: Path, qtbot) -> None:
    window.select_ref("XR-601")
    form = window.view.form
    _type_into(qtbot, form.next_review, "31/02/2026")
    assert _tab(qtbot) is form.next_review.edit  # stays: the user must correct or clear it
    assert form.message.isVisible() and form.message.kind == "error"
    assert "Next review" in form.message.text() and "is not a date" in form.message.text()
    assert "15/11/2026" in form.message.text()
    assert form.next_review.edit.accessibleDescription() == form.message.text()
    assert not form.save()  # Ctrl+S with the bad date: nothing saved, the field has the focus
    assert QApplication.focusWidget() is form.next_review.edit

    _type_into(qtbot, form.next_review, "1 March 2027")
    assert _tab(qtbot) is form.signed_off_by
    assert not form.message.isVisible()
    assert form.next_review.value() == date(2027, 3, 1) and form.is_dirty()
    assert form.save()
    assert form.next_review.value() == date(2027, 3, 1)


def test_date_fields_in_the_evidence_and_action_dialogs(full_app: App, qtbot) -> None:
    evidence = EvidenceDialog(full_app, "XR-101", link=True)
    action = ActionDialog("XR-101")
    for dialog in (evidence, action):
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
    _focus(qtbot, evidence.approved)
    assert _tab(qtbot) is evidence.review_due.edit  # empty: Tab goes on
    assert _tab(qtbot) is evidence.targets
    _type_into(qtbot, evidence.review_due, "next week")
    assert _tab(qtbot) is evidence.review_due.edit
    assert "is not a date" in evidence.message.text()
    evidence.url.setText("https://intranet.example.nhs.uk/policy")
    evidence.accept()
    assert evidence.result() == 0 and QApplication.focusWidget() is evidence.review_due.edit
    _type_into(qtbot, evidence.review_due, "15/11/2026")
    evidence.accept()
    assert evidence.result() == 1 and evidence.details().review_due_on == date(2026, 11, 15)

    _focus(qtbot, action.owner)
    assert _tab(qtbot) is action.due.edit
    assert _tab(qtbot) is action.status
    action.description.setPlainText("Audit the protocols")
    _type_into(qtbot, action.due, "2026-11-15")
    action.accept()
    assert action.result() == 1 and action.due.value() == date(2026, 11, 15)
