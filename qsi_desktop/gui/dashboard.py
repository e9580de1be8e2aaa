"""The Dashboard area: readiness by section (the pack's own chart, its alt text read by screen readers),
what falls due in the next 30/60/90 days and what is overdue, and what changed recently. Enter or a
double-click on an entry goes to its statement.

It is read on a worker when the area is shown after a change (the chart is drawn there, with Pillow,
by code the first paint of the window does not load).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.gui import workers
from qsi_desktop.gui.context import GuiContext
from qsi_desktop.gui.shown_reader import ShownReader
from qsi_desktop.gui.style import TEXT_MUTED, TEXT_OVERDUE
from qsi_desktop.services.dashboard import HORIZONS, Dashboard, RecentChange, dashboard
from qsi_desktop.services.reminders import Reminder

REF_ROLE = Qt.ItemDataRole.UserRole + 1


def _tree(headers: list[str], name: str) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setHeaderLabels(headers)
    tree.setAccessibleName(name)
    tree.setAlternatingRowColors(True)
    tree.setUniformRowHeights(True)
    tree.setToolTip("Enter or double-click: go to the statement")
    return tree


class DashboardView(ShownReader):
    go_to_statement = Signal(str)
    loaded = Signal()  # the data shown was read again (for tests)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard")
        self.ctx: GuiContext | None = None
        self.data: Dashboard | None = None
        layout = QVBoxLayout(self)
        self.heading = QLabel("Dashboard")
        self.heading.setObjectName("service-name")
        layout.addWidget(self.heading)
        row = QHBoxLayout()
        self.chart = QLabel("Reading the workspace…")
        self.chart.setObjectName("readiness-chart")
        self.chart.setAccessibleName("Readiness by section")
        self.chart.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.chart.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # screen readers reach its description
        self.chart.setMinimumWidth(360)
        # The picture (drawn 1260 px wide for print) is scaled to the room there is, never cropped.
        self.chart.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._pixmap = QPixmap()
        row.addWidget(self.chart, 3)
        lists = QSplitter(Qt.Orientation.Vertical)
        self.due = _tree(["Due", "Statement", "What"], "Reviews and actions due and overdue")
        self.recent = _tree(["When", "Who", "What changed"], "Recently changed")
        for tree in (self.due, self.recent):
            tree.itemActivated.connect(self._activated)
            lists.addWidget(tree)
        row.addWidget(lists, 4)
        layout.addLayout(row, 1)

    def set_context(self, ctx: GuiContext) -> None:
        self.ctx = ctx
        self.mark_stale()

    def can_read(self) -> bool:
        return self.ctx is not None

    def read(self) -> Dashboard:
        assert self.ctx is not None
        return dashboard(self.ctx.workspace, self.ctx.app)

    def show_result(self, result: Dashboard) -> None:
        self.show_data(result)

    def show_error(self, exc: BaseException) -> None:
        self.chart.setText(workers.error_message(exc))

    def show_data(self, data: Dashboard) -> None:
        self.data = data
        state = data.readiness
        self.heading.setText(f"{state.service}: readiness {state.readiness_percent:.1f}%")
        self._pixmap = QPixmap()
        self._pixmap.loadFromData(data.chart.png, "PNG")
        self._fit_chart()
        self.chart.setToolTip(data.chart.caption)
        self.chart.setAccessibleDescription(data.chart.alt_text)
        self._fill_due(data)
        self._fill_recent(data.recent)
        self.loaded.emit()

    def _fit_chart(self) -> None:
        if self._pixmap.isNull():
            return
        room = self.chart.contentsRect().size().boundedTo(self._pixmap.size())
        if room.width() < 50 or room.height() < 50:
            return
        self.chart.setPixmap(
            self._pixmap.scaled(room, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_chart()

    def _fill_due(self, data: Dashboard) -> None:
        self.due.clear()
        groups = [("Overdue", data.overdue, True)]
        start = 0
        for horizon in HORIZONS:
            label = f"Next {horizon} days" if start == 0 else f"In {start}–{horizon} days"
            groups.append((label, data.due[horizon], False))
            start = horizon + 1
        for label, items, overdue in groups:
            top = QTreeWidgetItem([f"{label} ({len(items)})", "", ""])
            font = QFont()
            font.setBold(True)
            top.setFont(0, font)
            top.setFirstColumnSpanned(True)
            self.due.addTopLevelItem(top)
            for reminder in items:
                top.addChild(self._reminder_row(reminder, overdue))
            top.setExpanded(bool(items))
        for column in (0, 1):
            self.due.resizeColumnToContents(column)

    @staticmethod
    def _reminder_row(reminder: Reminder, overdue: bool) -> QTreeWidgetItem:
        when = f"{reminder.due_on.day} {reminder.due_on:%b %Y}"
        row = QTreeWidgetItem([when, reminder.ref, f"{reminder.kind.capitalize()}: {reminder.title}"])
        row.setData(0, REF_ROLE, reminder.ref)
        row.setToolTip(2, reminder.title)
        if overdue:  # in words too, not colour alone
            row.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"{when}, overdue")
            for column in range(3):
                row.setForeground(column, QBrush(QColor(TEXT_OVERDUE)))
        return row

    def _fill_recent(self, changes: tuple[RecentChange, ...]) -> None:
        self.recent.clear()
        for change in changes:
            row = QTreeWidgetItem([f"{change.at.astimezone():%d %b %H:%M}", change.actor, change.text])
            row.setToolTip(2, change.text)
            if change.ref:
                row.setData(0, REF_ROLE, change.ref)
            else:
                for column in range(3):
                    row.setForeground(column, QBrush(QColor(TEXT_MUTED)))
            self.recent.addTopLevelItem(row)
        for column in (0, 1):
            self.recent.resizeColumnToContents(column)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        ref = item.data(0, REF_ROLE)
        if ref:
            self.go_to_statement.emit(str(ref))
