"""File > Compare with submission: the statements whose status, narrative or evidence changed since a
submitted evidence bundle (its ``snapshot.json``) or since the current cycle began. Read on a worker;
Enter or a double-click on a row goes to the statement."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.export.names import evidence_label
from qsi_desktop.gui import workers
from qsi_desktop.gui.context import GuiContext
from qsi_desktop.services import cycle
from qsi_desktop.services.values import status_label, uk_date

HEADERS = ("Statement", "Title", "What changed", "Status then", "Status now", "Evidence")


class CompareDialog(QDialog):
    def __init__(
        self,
        ctx: GuiContext,
        parent: QWidget | None = None,
        *,
        go_to: Callable[[str], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.go_to = go_to
        self.comparison: cycle.Comparison | None = None
        self.setWindowTitle("Compare with submission")
        self.setObjectName("compare-dialog")
        bundle = QPushButton("&Bundle…", self)
        bundle.setAccessibleName("Compare with a submitted evidence bundle")
        bundle.clicked.connect(self.choose_bundle)
        since_cycle = QPushButton("Start of this &cycle", self)
        since_cycle.setAccessibleName("Compare with the start of this cycle")
        since_cycle.clicked.connect(self.compare_with_cycle)
        self.heading = QLabel("Choose a submitted evidence bundle (.zip), or the start of this cycle.", self)
        self.heading.setWordWrap(True)
        self.heading.setObjectName("compare-heading")
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.setAccessibleName("Statements changed since")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move within it
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.open_row(row))
        self.table.installEventFilter(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(bundle)
        row.addWidget(since_cycle)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(900, 520)

    def eventFilter(self, watched: object, event: object) -> bool:
        from PySide6.QtGui import QKeyEvent

        if (
            watched is self.table
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.table.currentRow() >= 0
        ):
            self.open_row(self.table.currentRow())
            return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]

    def choose_bundle(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Compare with a bundle", "", "Evidence bundles (*.zip)")
        if name:
            self.compare_with_bundle(Path(name))

    def compare_with_bundle(self, path: Path) -> workers.Worker:
        ws, app = self.ctx.workspace, self.ctx.app

        def work(_progress: workers.Progress, _cancel: workers.CancelRequested) -> cycle.Comparison:
            return cycle.compare(ws, app, cycle.read_bundle_snapshot(path), source=path.name)

        return self._run(work)

    def compare_with_cycle(self) -> workers.Worker:
        ws, app = self.ctx.workspace, self.ctx.app

        def work(_progress: workers.Progress, _cancel: workers.CancelRequested) -> cycle.Comparison:
            snapshot = cycle.cycle_snapshot(ws)
            return cycle.compare(ws, app, snapshot, source=f"the end of cycle {snapshot.get('cycle', '?')}")

        return self._run(work)

    def _run(self, work: workers.Work) -> workers.Worker:
        self.heading.setText("Comparing…")
        return workers.run_with_progress(
            self,
            "Compare with submission",
            "Comparing",
            work,
            on_finished=self.show_comparison,
            on_failed=lambda exc: self.heading.setText(workers.error_message(exc)),
            cancellable=False,
        )

    def show_comparison(self, result: cycle.Comparison) -> None:
        self.comparison = result
        when = f" ({uk_date(result.as_of)})" if result.as_of else ""
        self.heading.setText(
            f"Since {result.source}{when}: {len(result.changes)} of {result.compared} statements changed."
            + (f" {len(result.not_in_snapshot)} statements were not in it." if result.not_in_snapshot else "")
        )
        self.table.setRowCount(len(result.changes))
        for number, change in enumerate(result.changes):
            evidence = [f"added {evidence_label(i)}" for i in change.evidence_added]
            evidence += [f"removed {evidence_label(i)}" for i in change.evidence_removed]
            evidence += [f"changed {evidence_label(i)}" for i in change.evidence_changed]
            cells = (
                change.ref,
                change.title,
                ", ".join(change.what()),
                status_label(change.status_then or ""),
                status_label(change.status_now),
                ", ".join(evidence),
            )
            for column, text in enumerate(cells):
                self.table.setItem(number, column, QTableWidgetItem(text))
        for column in (0, 2, 3, 4):
            self.table.resizeColumnToContents(column)
        if result.changes:
            self.table.setCurrentCell(0, 0)

    def open_row(self, row: int) -> None:
        if self.comparison is None or not 0 <= row < len(self.comparison.changes) or self.go_to is None:
            return
        self.go_to(self.comparison.changes[row].ref)
        self.accept()
