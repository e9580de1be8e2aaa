"""The modality checklist panel: answers, notes and evidence links saved as they are edited (offscreen)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QTreeWidget, QWidget
from qsi_plugin_us.checklists import CHECKLISTS, DECONTAMINATION, TRANSDUCER_REGISTER
from sqlalchemy import event, select

from qsi_desktop.gui.checklist_panel import ChecklistPanel, EvidenceChooser, checklist_tree
from qsi_desktop.gui.context import GuiContext
from qsi_desktop.gui.panels import show_page
from qsi_desktop.services import checklists, evidence
from qsi_desktop.services.evidence import EvidenceDetails
from qsi_desktop.services.records import ChecklistAnswer
from qsi_desktop.store.models import AuditEntry
from qsi_desktop.store.workspace import Workspace

pytestmark = pytest.mark.gui

REGISTER = TRANSDUCER_REGISTER.id


def _stored(path: Path, template_id: str = REGISTER) -> dict[str, ChecklistAnswer]:
    """What another process would read: a freshly opened workspace."""
    with Workspace.open(path) as ws:
        return {key: response for (_, key), response in checklists.responses(ws, template_id).items()}


@pytest.fixture
def setup(qtbot, full_app, make_workspace):
    ws = make_workspace()
    changes: list[int] = []
    ctx = GuiContext(full_app, ws, actor="test-user", on_changed=lambda: changes.append(1))
    panel = checklist_tree(None, CHECKLISTS, name="us-checklists", accessible_name="US checklists", context=ctx)
    qtbot.addWidget(panel)
    panel.resize(1200, 700)
    panel.show()
    qtbot.waitExposed(panel)
    return panel, ws, changes


def test_answering_an_item_saves_it_and_updates_progress(setup, qtbot) -> None:
    panel, ws, changes = setup
    assert isinstance(panel, ChecklistPanel)
    assert panel.progress(REGISTER) == "0 of 5 answered, 0 yes"
    answer, _note, _link = panel.row_widgets(REGISTER, "asset-register")
    assert answer.currentText() == "" and [answer.itemText(i) for i in range(answer.count())] == [
        "",
        "Yes",
        "Partial",
        "No",
        "N/A",
    ]
    answer.setFocus()
    qtbot.keyClick(answer, Qt.Key.Key_Down)  # arrow keys choose, and the choice is saved at once
    assert answer.currentText() == "Yes"
    assert _stored(ws.path)["asset-register"].answer == "yes"
    assert panel.progress(REGISTER) == "1 of 5 answered, 1 yes"
    assert "1 of 5 answered, 1 yes" in panel.tree.topLevelItem(0).text(0)
    assert changes == [1]
    assert panel.message.isVisible() and panel.message.kind == "info"
    assert panel.item_row(REGISTER, "asset-register").text(5).startswith("test-user\n")

    assert panel.set_answer(REGISTER, "criticality", "partial")
    assert panel.progress(REGISTER) == "2 of 5 answered, 1 yes"
    assert panel.set_answer(REGISTER, "asset-register", "")  # blank takes the answer back
    assert _stored(ws.path)["asset-register"].answer == ""
    assert panel.progress(REGISTER) == "1 of 5 answered, 0 yes"
    assert panel.progress(DECONTAMINATION.id) == "0 of 6 answered, 0 yes"


def test_a_note_is_saved_when_editing_finishes(setup, qtbot) -> None:
    panel, ws, changes = setup
    _answer, note, _link = panel.row_widgets(REGISTER, "maintenance")
    note.setFocus()
    qtbot.keyClicks(note, "PPM contract with EBME, reviewed yearly")
    qtbot.keyClick(note, Qt.Key.Key_Return)
    stored = _stored(ws.path)["maintenance"]
    assert stored.note == "PPM contract with EBME, reviewed yearly" and stored.answer == ""
    assert panel.progress(REGISTER) == "0 of 5 answered, 0 yes"  # a note alone is not an answer
    assert changes == [1]
    note.editingFinished.emit()  # finishing again without a change saves nothing more
    assert changes == [1]

    assert panel.set_answer(REGISTER, "maintenance", "yes")
    assert _stored(ws.path)["maintenance"].note == "PPM contract with EBME, reviewed yearly"  # kept


def test_a_note_being_typed_survives_a_save_in_another_row(setup, qtbot) -> None:
    panel, ws, _changes = setup
    _answer, note, _link = panel.row_widgets(REGISTER, "maintenance")
    qtbot.keyClicks(note, "Half-typed")  # not finished: a context menu took the focus, say
    assert panel.set_answer(REGISTER, "inspection", "yes")
    assert note.text() == "Half-typed" and "maintenance" not in _stored(ws.path)


def test_a_note_with_an_nhs_number_is_refused_with_a_message(setup, qtbot) -> None:
    panel, ws, changes = setup
    assert panel.set_answer(REGISTER, "inspection", "no")
    changes.clear()
    _answer, note, _link = panel.row_widgets(REGISTER, "inspection")
    qtbot.keyClicks(note, "Probe for 9434765919 cracked")
    qtbot.keyClick(note, Qt.Key.Key_Return)
    assert panel.message.isVisible() and panel.message.kind == "error"
    assert "NHS number" in panel.message.text() and "9434765919" not in panel.message.text()
    assert note.text() == ""  # back to what is stored
    assert _stored(ws.path)["inspection"].note == ""
    assert changes == []


def test_a_read_only_workspace_shows_the_error_and_the_stored_answer(setup) -> None:
    panel, ws, changes = setup
    assert panel.set_answer(REGISTER, "replacement-policy", "yes")
    changes.clear()
    ws.engine.dispose()
    event.listen(ws.engine, "connect", lambda connection, record: connection.execute("PRAGMA query_only=ON"))
    answer, _note, _link = panel.row_widgets(REGISTER, "replacement-policy")
    answer.setCurrentIndex(answer.findData("no"))
    answer.activated.emit(answer.currentIndex())
    assert panel.message.kind == "error" and "read-only" in panel.message.text()
    assert answer.currentData() == "yes"
    assert panel.progress(REGISTER) == "1 of 5 answered, 1 yes"
    assert changes == []


def test_linking_evidence_stores_its_id(setup, full_app, monkeypatch: pytest.MonkeyPatch) -> None:
    panel, ws, changes = setup
    other = evidence.add_link(
        ws,
        full_app,
        "https://intranet.example.nhs.uk/ipc",
        EvidenceDetails(title="IPC policy", targets=["XR-101"]),
        actor="test-user",
    )
    register = evidence.add_link(
        ws,
        full_app,
        "https://intranet.example.nhs.uk/assets",
        EvidenceDetails(title="Asset list", targets=["US-903"]),
        actor="test-user",
    )
    seen: list[list[str]] = []

    def choose_register(dialog: EvidenceChooser) -> int:
        texts = [dialog.list.item(row).text() for row in range(dialog.list.count())]
        seen.append(texts)
        dialog.list.setCurrentRow(0)
        return EvidenceChooser.DialogCode.Accepted

    monkeypatch.setattr(EvidenceChooser, "exec", choose_register)
    _answer, _note, link = panel.row_widgets(REGISTER, "asset-register")
    assert link.text() == "Link evidence…" and link.accessibleName()
    link.click()
    assert seen[0][0].startswith(f"#{register.id} Asset list")  # evidence for the item's statements first
    assert any(text.startswith(f"#{other.id} IPC policy") for text in seen[0])
    assert _stored(ws.path)["asset-register"].evidence_id == register.id
    assert "Asset list" in link.text() and "Asset list" in link.toolTip()
    assert changes == [1]
    assert panel.unlink_evidence(REGISTER, "asset-register")
    assert _stored(ws.path)["asset-register"].evidence_id is None
    assert link.text() == "Link evidence…"


def test_every_change_is_in_the_audit_trail(setup) -> None:
    panel, ws, _changes = setup
    assert panel.set_answer(REGISTER, "criticality", "n/a")
    assert panel.set_note(REGISTER, "criticality", "No intracavity probes")
    with Workspace.open(ws.path) as fresh, fresh.reading() as session:
        trail = list(
            session.scalars(select(AuditEntry).where(AuditEntry.entity == "checklist_response").order_by(AuditEntry.id))
        )
    assert [entry.action for entry in trail] == ["create", "update"]
    assert all(entry.actor == "test-user" for entry in trail)
    assert trail[0].after["answer"] == "n/a"
    assert (trail[1].before, trail[1].after) == ({"note": ""}, {"note": "No intracavity probes"})


def test_the_wheel_scrolls_past_an_answer_it_does_not_change_it(setup) -> None:
    panel, ws, _changes = setup
    answer, note, _link = panel.row_widgets(REGISTER, "maintenance")
    note.setFocus()
    centre = QPointF(answer.rect().center())
    wheel = QWheelEvent(
        centre,
        QPointF(answer.mapToGlobal(answer.rect().center())),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(answer, wheel)
    assert answer.currentIndex() == 0 and "maintenance" not in _stored(ws.path)


def test_the_chooser_filters_and_the_hint_names_a_modality_not_provided(qtbot, full_app, make_workspace) -> None:
    from qsi_plugin_nm.checklists import CHECKLISTS as NM_CHECKLISTS

    ws = make_workspace()  # CT, MR and US
    item = evidence.add_link(
        ws,
        full_app,
        "https://intranet.example.nhs.uk/arsac",
        EvidenceDetails(title="ARSAC licence", targets=["NM-905"]),
        actor="test-user",
    )
    ctx = GuiContext(full_app, ws, actor="test-user")
    panel = checklist_tree(None, NM_CHECKLISTS, name="nm", accessible_name="NM checklists", context=ctx)
    qtbot.addWidget(panel)
    assert "does not include NM" in panel.hint.text()

    chooser = EvidenceChooser(evidence.list_evidence(ws), ["NM-905"], item_text="ARSAC licences")
    qtbot.addWidget(chooser)
    assert chooser.chosen() == item.id
    qtbot.keyClicks(chooser.filter, "intranet.example.nhs.uk/arsac")  # the link itself is searched too
    assert chooser.chosen() == item.id
    chooser.filter.setText("no such document")
    assert chooser.chosen() is None


def test_without_a_workspace_the_tree_is_read_only_as_before(qtbot) -> None:
    tree = checklist_tree(None, CHECKLISTS, name="us-checklists", accessible_name="US checklists")
    qtbot.addWidget(tree)
    assert isinstance(tree, QTreeWidget) and tree.columnCount() == 2
    assert tree.topLevelItemCount() == len(CHECKLISTS)
    first = tree.topLevelItem(0)
    assert first.text(0) == TRANSDUCER_REGISTER.title
    assert [first.child(i).text(0) for i in range(first.childCount())] == [i.text for i in TRANSDUCER_REGISTER.items]
    same = checklist_tree(None, CHECKLISTS, name="x", accessible_name="x", context=None)
    qtbot.addWidget(same)
    assert isinstance(same, QTreeWidget)


def _tab_chain(start: QWidget, count: int) -> list[QWidget]:
    found, widget = [], start
    while len(found) < count:
        widget = widget.nextInFocusChain()
        if widget is start:
            break
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible() and widget.isEnabled():
            found.append(widget)
    return found


def test_keyboard_and_accessible_names(setup, qtbot) -> None:
    panel, _ws, _changes = setup
    answer, note, link = panel.row_widgets(REGISTER, "asset-register")
    next_answer, _, _ = panel.row_widgets(REGISTER, "criticality")
    for widget in (panel, panel.tree, answer, note, link):
        assert widget.accessibleName(), widget
    assert "Transducer register item 1" in answer.accessibleName()
    assert _tab_chain(answer, 3) == [note, link, next_answer]

    panel.activateWindow()
    panel.tree.setFocus()
    panel.tree.setCurrentItem(panel.item_row(REGISTER, "criticality"))
    qtbot.keyClick(panel.tree, Qt.Key.Key_Tab)  # from the list to that item's answer
    assert next_answer.hasFocus()
    note.setFocus()  # reaching a row's field makes it the current row
    assert panel.tree.currentItem() is panel.item_row(REGISTER, "asset-register")


def test_the_main_window_shows_answerable_checklists(window, demo_path: Path) -> None:
    index = window.main_tabs.indexOf(window.modalities)
    window.main_tabs.setCurrentIndex(index)
    panel = show_page(window.modalities, "US / Checklists")
    assert isinstance(panel, ChecklistPanel) and panel.accessibleName() == "Ultrasound checklists and registers"
    assert panel.set_answer(REGISTER, "inspection", "partial")
    assert _stored(demo_path)["inspection"].answer == "partial"
    assert _stored(demo_path)["inspection"].updated_by == "test-user"
