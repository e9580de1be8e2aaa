"""Nothing lost between colleagues: Refresh reloads the open statement, a save over a newer version
shows both texts and lets the user choose, and the window notices changes saved elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from qsi_desktop.gui.dialogs import ConflictDialog
from qsi_desktop.gui.main_window import MainWindow
from qsi_desktop.services.assessments import AssessmentChange, assess, statement_details
from qsi_desktop.services.audit import list_audit
from qsi_desktop.store.workspace import Workspace

pytestmark = pytest.mark.gui

REF = "XR-101"


@pytest.fixture
def colleague(demo_path: Path) -> Iterator[Workspace]:
    """A second handle on the same folder: a colleague's window, or a qsi command."""
    ws = Workspace.open(demo_path)
    yield ws
    ws.close()


def _colleague_saves(ws: Workspace, window: MainWindow, narrative: str) -> None:
    assess(ws, window.app, REF, AssessmentChange(narrative=narrative), actor="ann")


def _answer_conflict(button: str, seen: list[ConflictDialog]) -> None:
    """When the conflict dialog opens, remember it and click one of its buttons."""

    def click() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ConflictDialog), dialog
        seen.append(dialog)
        getattr(dialog, button).click()

    QTimer.singleShot(0, click)


def _type_narrative(window: MainWindow, text: str) -> None:
    assert window.select_ref(REF)
    window.view.form.narrative.setPlainText(text)
    assert window.view.has_unsaved_changes()


def test_refresh_reloads_the_open_statement(window: MainWindow, colleague: Workspace) -> None:
    assert window.select_ref(REF)
    _colleague_saves(colleague, window, "Ann's new narrative")
    window.findChild(type(window.save_action), "refresh").trigger()
    assert window.view.form.narrative.toPlainText() == "Ann's new narrative"
    assert "by ann" in window.view.form.updated.text()


def test_keep_mine_saves_over_theirs_and_the_audit_says_so(window: MainWindow, colleague: Workspace) -> None:
    _type_narrative(window, "My narrative")
    _colleague_saves(colleague, window, "Ann's narrative")
    seen: list[ConflictDialog] = []
    _answer_conflict("mine_button", seen)
    assert window.view.form.save()
    dialog = seen[0]
    assert dialog.theirs_text.toPlainText() == "Ann's narrative"
    assert dialog.mine_text.toPlainText() == "My narrative"
    assert "ann saved XR-101" in dialog.findChildren(type(window.workspace_label))[0].text()
    assert statement_details(colleague, window.app, REF).assessment.narrative == "My narrative"
    latest = list_audit(colleague, limit=1)[0]
    assert latest.actor == "test-user" and "saved over ann's version" in latest.summary
    assert latest.before == {"narrative": "Ann's narrative"}


def test_keep_theirs_drops_mine(window: MainWindow, colleague: Workspace) -> None:
    _type_narrative(window, "My narrative")
    _colleague_saves(colleague, window, "Ann's narrative")
    _answer_conflict("theirs_button", [])
    assert window.view.form.save()
    assert window.view.form.narrative.toPlainText() == "Ann's narrative"
    assert not window.view.has_unsaved_changes()
    assert statement_details(colleague, window.app, REF).assessment.narrative == "Ann's narrative"


def test_copy_both_puts_both_texts_in_the_narrative_then_saves_cleanly(
    window: MainWindow, colleague: Workspace
) -> None:
    _type_narrative(window, "My narrative")
    window.view.form.owner.setText("Imaging quality lead")
    _colleague_saves(colleague, window, "Ann's narrative")
    _answer_conflict("merge_button", [])
    assert not window.view.form.save()  # nothing saved yet: the user edits the merged text
    text = window.view.form.narrative.toPlainText()
    assert text.startswith("Ann's narrative") and text.endswith("My narrative")
    assert window.view.form.owner.text() == "Imaging quality lead"  # the rest of the typing kept
    window.view.form.narrative.setPlainText("Ann's narrative, and mine")
    assert window.view.form.save()  # based on Ann's version now: no conflict
    stored = statement_details(colleague, window.app, REF).assessment
    assert (stored.narrative, stored.owner) == ("Ann's narrative, and mine", "Imaging quality lead")


def test_back_to_editing_saves_nothing(window: MainWindow, colleague: Workspace) -> None:
    _type_narrative(window, "My narrative")
    _colleague_saves(colleague, window, "Ann's narrative")
    dialogs: list[ConflictDialog] = []

    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        dialogs.append(dialog)
        dialog.reject()

    QTimer.singleShot(0, cancel)
    assert not window.view.form.save()
    assert isinstance(dialogs[0], ConflictDialog)
    assert window.view.form.narrative.toPlainText() == "My narrative"
    assert "changed by ann" in window.view.form.message.text()
    window.view.form.revert()  # qtbot closes the window before the fixtures' teardown


def test_the_window_notices_a_commit_elsewhere_and_reloads_keeping_typing(
    window: MainWindow, colleague: Workspace, qtbot
) -> None:
    _type_narrative(window, "Typed, not saved")
    window.poll_changes()
    assert not window.change_bar.isVisible()
    window.view.form.save()  # my own save is not news
    window.poll_changes()
    assert not window.change_bar.isVisible()
    window.view.form.narrative.setPlainText("Typed again, not saved")

    window.poll_timer.setInterval(50)
    _colleague_saves(colleague, window, "Ann's narrative")
    assess(colleague, window.app, "XR-102", AssessmentChange(owner="RPS"), actor="ann")
    qtbot.waitUntil(window.change_bar.isVisible, timeout=3000)
    text = window.change_bar.text.text()
    assert "2 changes saved elsewhere by ann" in text and "XR-101, open here, is among them" in text
    assert window.view.form.narrative.toPlainText() == "Typed again, not saved"  # nothing popped up or reloaded

    window.change_bar.reload_button.click()
    assert not window.change_bar.isVisible()
    assert window.view.form.narrative.toPlainText() == "Typed again, not saved"  # kept through the reload
    assert "changed by ann meanwhile" in window.view.form.message.text()
    assert window.model.index_for_ref("XR-102").isValid()
    owners = {s.ref: s.owner for s in window.state.statements}
    assert owners["XR-102"] == "RPS"  # readiness and the tree reloaded
    window.view.form.revert()
