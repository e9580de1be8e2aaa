"""The dashboard: the pack's readiness chart with its alt text, what is due in 30/60/90 days and overdue,
what changed recently; Enter or a double-click on an entry goes to its statement."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from qsi_desktop.gui.dashboard import REF_ROLE
from qsi_desktop.gui.main_window import MainWindow
from qsi_desktop.services import actions
from qsi_desktop.services.assessments import AssessmentChange, assess
from qsi_desktop.services.dashboard import dashboard

pytestmark = pytest.mark.gui


def _rows(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    rows = []
    for top in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(top)
        rows += [item] + [item.child(i) for i in range(item.childCount())]
    return rows


def _show(window: MainWindow, qtbot) -> None:
    with qtbot.waitSignal(window.dashboard.loaded, timeout=20_000):
        window.main_tabs.setCurrentWidget(window.dashboard)


def test_the_dashboard_shows_the_packs_chart_due_overdue_and_recent(window: MainWindow, qtbot) -> None:
    ws, app = window.workspace, window.app
    today = date.today()
    actions.add_action(ws, app, "XR-301", "Overdue audit", due_on=today - timedelta(days=3), actor="test-user")
    assess(ws, app, "XR-402", AssessmentChange(next_review_on=today + timedelta(days=45)), actor="ann")
    _show(window, qtbot)
    view = window.dashboard
    data = view.data
    assert data is not None and data.chart.png.startswith(b"\x89PNG")
    assert view.chart.pixmap() is not None and not view.chart.pixmap().isNull()
    assert view.chart.accessibleDescription() == data.chart.alt_text
    assert "Overall readiness" in view.chart.accessibleDescription()
    shown = view.chart.pixmap().size()
    assert shown.width() <= view.chart.width() and shown.height() <= view.chart.height()  # scaled, not cropped

    tops = [view.due.topLevelItem(i).text(0) for i in range(view.due.topLevelItemCount())]
    assert [t.split(" (")[0] for t in tops] == ["Overdue", "Next 30 days", "In 31–60 days", "In 61–90 days"]
    overdue = [r for r in _rows(view.due) if r.data(0, REF_ROLE) == "XR-301"]
    assert overdue and "Overdue audit" in overdue[0].text(2) and overdue[0].text(1) == "XR-301"
    assert overdue[0].data(0, Qt.ItemDataRole.AccessibleTextRole).endswith("overdue")
    in_60 = view.due.topLevelItem(2)
    assert any(in_60.child(i).data(0, REF_ROLE) == "XR-402" for i in range(in_60.childCount()))
    assert view.recent.topLevelItem(0).text(1) == "ann"  # the newest change first

    # Enter on an entry goes to its statement in the Self-assessment area.
    view.due.setFocus()
    view.due.setCurrentItem(overdue[0])
    qtbot.keyClick(view.due, Qt.Key.Key_Return)
    assert window.main_tabs.currentWidget() is window.splitter and window.current_ref() == "XR-301"

    window.main_tabs.setCurrentWidget(view)
    view.recent.itemActivated.emit(view.recent.topLevelItem(0), 0)  # a double-click
    assert window.current_ref() == "XR-402"


def test_the_dashboard_follows_changes(window: MainWindow, qtbot) -> None:
    _show(window, qtbot)
    before = window.dashboard.recent.topLevelItemCount()
    window.select_ref("XR-101")
    window.main_tabs.setCurrentWidget(window.dashboard)
    with qtbot.waitSignal(window.dashboard.loaded, timeout=20_000):
        assess(window.workspace, window.app, "XR-101", AssessmentChange(owner="Lead"), actor="test-user")
        window.refresh()
    first = window.dashboard.recent.topLevelItem(0)
    assert first.data(0, REF_ROLE) == "XR-101" and "owner" in first.text(2)
    assert window.dashboard.recent.topLevelItemCount() >= min(before, 1)


def test_due_bins_in_the_service(make_workspace, full_app) -> None:
    ws = make_workspace()
    today = date(2026, 6, 1)
    for ref, days in (("XR-101", -1), ("XR-102", 0), ("XR-103", 30), ("XR-104", 31), ("XR-105", 90), ("XR-106", 91)):
        assess(ws, full_app, ref, AssessmentChange(next_review_on=today + timedelta(days=days)), actor="u")
    data = dashboard(ws, full_app, today=today)
    refs = {key: [r.ref for r in items] for key, items in data.due.items()}
    assert [r.ref for r in data.overdue] == ["XR-101"]
    assert refs == {30: ["XR-102", "XR-103"], 60: ["XR-104"], 90: ["XR-105"]}
    assert data.recent[0].ref == "XR-106" and data.recent[0].text.startswith("Assessment added")
