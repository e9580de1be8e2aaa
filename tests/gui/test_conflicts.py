"""Nothing lost between colleagues beyond assessments: actions, evidence details and checklist answers
and notes are saved only over the version the window read (else a plain message, and what is stored
now is shown); a checklist note being typed survives Refresh and the change bar's Reload. Two
workspace handles on one folder stand for two colleagues."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox
from qsi_plugin_us.checklists import TRANSDUCER_REGISTER

from qsi_desktop.gui import evidence_library
from qsi_desktop.gui.checklist_panel import ChecklistPanel
from qsi_desktop.gui.main_window import MainWindow
from qsi_desktop.gui.panels import show_page
from qsi_desktop.services import actions, checklists, evidence
from qsi_desktop.services.errors import ChangedElsewhere
from qsi_desktop.services.evidence import EvidenceEdit
from qsi_desktop.store.workspace import Workspace

pytestmark = pytest.mark.gui

REGISTER = TRANSDUCER_REGISTER.id


@pytest.fixture
def colleague(demo_path: Path) -> Iterator[Workspace]:
    ws = Workspace.open(demo_path)
    yield ws
    ws.close()


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a: shown.append(text)))
    return shown


def test_the_services_refuse_a_stale_version(colleague: Workspace, full_app) -> None:
    action = next(a for a in actions.list_actions(colleague) if a.is_open)
    actions.update_action(colleague, action.id, owner="Ann", actor="ann")
    with pytest.raises(ChangedElsewhere) as refused:
        actions.update_action(colleague, action.id, status="done", actor="me", expected_version=action.row_version)
    assert refused.value.theirs.owner == "Ann" and refused.value.theirs.status != "done"
    checklists.answer_item(colleague, full_app, REGISTER, "maintenance", "yes", note="Theirs", actor="ann")
    with pytest.raises(ChangedElsewhere, match="changed by ann after you opened it; nothing was saved"):
        checklists.answer_item(colleague, full_app, REGISTER, "maintenance", "no", actor="me", expected_version=0)
    assert checklists.responses(colleague, REGISTER)[(REGISTER, "maintenance")].answer == "yes"


def test_marking_an_action_done_over_a_colleagues_change_is_refused_and_reloaded(
    window: MainWindow, colleague: Workspace, warnings: list[str]
) -> None:
    action = next(a for a in actions.list_actions(colleague) if a.is_open)
    assert window.select_ref(action.statement_ref)
    pane = window.view.actions
    pane.table.selectRow(next(i for i, item in enumerate(pane.items) if item.id == action.id))
    actions.update_action(colleague, action.id, owner="Ann", actor="ann")  # after the window read it
    pane.mark_done()
    assert len(warnings) == 1 and "changed by someone else after you opened it" in warnings[0]
    stored = next(a for a in actions.list_actions(colleague) if a.id == action.id)
    assert stored.status == action.status and stored.owner == "Ann"  # theirs kept, mine not saved
    shown = next(item for item in pane.items if item.id == action.id)
    assert shown.owner == "Ann"  # reloaded: the window shows it as it is now
    pane.table.selectRow(pane.items.index(shown))
    pane.mark_done()  # now over the version shown
    assert next(a for a in actions.list_actions(colleague) if a.id == action.id).status == "done"


def test_an_evidence_edit_over_a_colleagues_shows_both_and_saves_nothing(
    window: MainWindow, colleague: Workspace, warnings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    item = evidence.list_evidence(colleague)[0]

    class Dialog:  # the edit dialog, filled in and accepted once
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.runs = 0

        def exec(self) -> QDialog.DialogCode:
            self.runs += 1
            return QDialog.DialogCode.Accepted if self.runs == 1 else QDialog.DialogCode.Rejected

        def edit(self) -> EvidenceEdit:
            return EvidenceEdit(title="My title")

    monkeypatch.setattr(evidence_library, "EvidenceDialog", Dialog)
    evidence.edit_evidence(colleague, item.id, EvidenceEdit(title="Ann's title"), actor="ann")
    assert evidence_library.edit_item(window, window.ctx, item)  # True: the caller reloads
    assert "changed by someone else" in warnings[0]
    assert "Title: yours “My title”, now “Ann's title”" in warnings[0]
    assert evidence.get_evidence(colleague, item.id).title == "Ann's title"


def _us_panel(window: MainWindow) -> ChecklistPanel:
    window.main_tabs.setCurrentWidget(window.modalities)
    panel = show_page(window.modalities, "US / Checklists")
    assert isinstance(panel, ChecklistPanel)
    return panel


def test_a_checklist_answer_over_a_colleagues_is_refused_and_theirs_shown(
    window: MainWindow, colleague: Workspace
) -> None:
    panel = _us_panel(window)
    checklists.answer_item(colleague, window.app, REGISTER, "inspection", "no", actor="ann")
    assert not panel.set_answer(REGISTER, "inspection", "yes")
    assert checklists.responses(colleague, REGISTER)[(REGISTER, "inspection")].answer == "no"
    answer, _note, _link = panel.row_widgets(REGISTER, "inspection")
    assert answer.currentText() == "No"
    assert "changed by ann after you opened it" in panel.message.text()


def test_a_checklist_note_over_a_colleagues_is_kept_to_save_again(
    window: MainWindow, colleague: Workspace, qtbot
) -> None:
    panel = _us_panel(window)
    checklists.answer_item(colleague, window.app, REGISTER, "maintenance", "yes", note="Ann's note", actor="ann")
    _answer, note, _link = panel.row_widgets(REGISTER, "maintenance")
    assert not panel.set_note(REGISTER, "maintenance", "My note")
    assert checklists.responses(colleague, REGISTER)[(REGISTER, "maintenance")].note == "Ann's note"
    assert note.text() == "My note" and note.isModified()  # not lost
    assert "Their note: “Ann's note”" in panel.message.text()
    note.setFocus()
    qtbot.keyClick(note, Qt.Key.Key_Return)  # Enter again: saved over theirs, on purpose
    stored = checklists.responses(colleague, REGISTER)[(REGISTER, "maintenance")]
    assert stored.note == "My note" and stored.answer == "yes"


@pytest.mark.parametrize("how", ["refresh", "change bar"])
def test_a_checklist_note_being_typed_survives_a_reload(
    window: MainWindow, colleague: Workspace, qtbot, how: str
) -> None:
    panel = _us_panel(window)
    _answer, note, _link = panel.row_widgets(REGISTER, "maintenance")
    note.setFocus()
    qtbot.keyClicks(note, "Half a sentence")
    checklists.answer_item(colleague, window.app, REGISTER, "maintenance", "partial", actor="ann")
    if how == "refresh":
        window.findChild(type(window.save_action), "refresh").trigger()
    else:
        assert window.poll_changes()
        window.change_bar.reload_requested.emit()
    answer, note, _link = panel.row_widgets(REGISTER, "maintenance")
    assert note.text() == "Half a sentence"
    assert answer.currentText() == "Partial"  # the colleague's answer is shown
