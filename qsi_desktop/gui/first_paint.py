"""The window's first paint from a snapshot, while the real workspace opens (read-only until then).

:class:`OpeningWindow` looks like the main window (the readiness summary, the statement tree with
statuses, the same tabs and menus) but is built from a :class:`~qsi_desktop.services.snapshot.Snapshot`
with PySide6 alone: no SQLAlchemy, models, plugins or catalogue. Nothing in it can be edited: the
menus and the find field are disabled and the right-hand side only says "Opening…". The tree can be
browsed; the statement selected there is the one the real window opens at.

:class:`SnapshotStart` paints it, then opens the workspace on a worker thread (the app, its plugins
and catalogue, the database) and swaps in the real :class:`~qsi_desktop.gui.main_window.MainWindow`
at the same place and size. This module must not import the database layer at import time
(``tests/gui/test_first_paint.py`` checks it in a fresh interpreter).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QItemSelectionModel, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.gui import settings, workers
from qsi_desktop.gui.readiness_bar import ReadinessSummary
from qsi_desktop.gui.statement_model import COL_NAME, COL_STATUS, KIND_ROLE, REF_ROLE, STATEMENT, StatementModel
from qsi_desktop.gui.style import APP_STYLESHEET
from qsi_desktop.services.snapshot import Snapshot

log = logging.getLogger(__name__)

OPENING_TEXT = "Opening the workspace…"


class OpeningWindow(QMainWindow):
    """The snapshot, shown read-only; :attr:`closed` when the user closes it before the swap."""

    closed = Signal()
    painted = Signal()  # once, just after the first paint

    def __init__(self, snapshot: Snapshot, *, remember: bool = True) -> None:
        super().__init__()
        self.snapshot = snapshot
        self._painted = False
        self.swapped = False  # set when the real window takes over: closing then is not the user's
        self.setObjectName("opening-window")
        self.setStyleSheet(APP_STYLESHEET)
        self.setWindowTitle(f"QSI Desktop — {snapshot.state.service}")

        self.summary = ReadinessSummary()
        self.summary.show_readiness(snapshot.state)
        self.model = StatementModel(self)
        self.model.populate_sections(snapshot.sections, snapshot.state.statements)

        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.summary)
        tabs = QTabWidget()
        tabs.setAccessibleName("Main areas")
        tabs.setDocumentMode(True)
        outer.addWidget(tabs, 1)

        navigator = QWidget()
        layout = QVBoxLayout(navigator)
        layout.setContentsMargins(6, 6, 0, 4)
        find = QLineEdit()
        find.setPlaceholderText("Find a statement: reference, name or words (Ctrl+F)")
        find.setAccessibleName("Find a quality statement (available once the workspace is open)")
        find.setEnabled(False)
        layout.addWidget(find)
        self.tree = QTreeView()
        self.tree.setObjectName("statement-tree")
        self.tree.setAccessibleName("Quality statements by section (opening)")
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        for column in range(COL_STATUS, self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.expandAll()
        layout.addWidget(self.tree, 1)
        layout.addWidget(QLabel(f"{self.model.statement_count()} statements"))

        self.opening = QLabel(OPENING_TEXT)
        self.opening.setObjectName("opening-label")
        self.opening.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.opening.setAccessibleName(OPENING_TEXT)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(navigator)
        self.splitter.addWidget(self.opening)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([590, 690])
        self.splitter.setChildrenCollapsible(False)
        tabs.addTab(self.splitter, "&Self-assessment")
        for title in ("Dash&board", "Evidence librar&y"):
            tabs.setTabEnabled(tabs.addTab(QWidget(), title), False)
        self.setCentralWidget(central)

        for title in ("&File", "&Edit", "&View", "&Help"):  # as the real window's, not usable yet
            self.menuBar().addMenu(title).setEnabled(False)
        self.statusBar().showMessage(f"Opening {snapshot.workspace}…")
        self._restore_layout(remember)
        first = snapshot.sections[0][2][0][0] if snapshot.sections and snapshot.sections[0][2] else ""
        if first:
            self.select_ref(first)
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)

    def _restore_layout(self, remember: bool) -> None:
        """Where the main window was last (the same settings it restores from)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        available = screen.availableGeometry()
        self.setMinimumSize(settings.minimum_size(available))
        stored = settings.app_settings() if remember else None
        geometry = stored.value(settings.GEOMETRY) if stored is not None else None
        if not isinstance(geometry, QByteArray) or not self.restoreGeometry(geometry):
            self.setGeometry(settings.fitted_geometry(available))
        splitters = stored.value(settings.SPLITTERS) if stored is not None else None
        if isinstance(splitters, list) and splitters and isinstance(splitters[0], QByteArray):
            self.splitter.restoreState(splitters[0])

    def select_ref(self, ref: str) -> None:
        index = self.model.index_for_ref(ref)
        if index.isValid():
            self.tree.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            )

    def selected_ref(self) -> str:
        index = self.tree.currentIndex().siblingAtColumn(COL_NAME)
        return index.data(REF_ROLE) if index.isValid() and index.data(KIND_ROLE) == STATEMENT else ""

    def show_failure(self, message: str) -> None:
        self.opening.setText(message)
        self.statusBar().showMessage(message)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            QTimer.singleShot(0, self.painted.emit)  # once this paint is done
        return super().event(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        event.accept()
        if not self.swapped:
            self.closed.emit()


class SnapshotStart(QObject):
    """Paint ``snapshot`` now; open the workspace on a worker; then swap in the main window.

    ``open_workspace()`` runs on the worker and returns what ``build_window(result)`` (GUI thread)
    turns into the main window; ``failed(message)`` is called when opening fails."""

    def __init__(
        self,
        snapshot: Snapshot,
        open_workspace: Callable[[], Any],
        build_window: Callable[[Any], QMainWindow],
        failed: Callable[[BaseException], None],
        *,
        remember: bool = True,
    ) -> None:
        super().__init__()
        self.opening = OpeningWindow(snapshot, remember=remember)
        self.opening.closed.connect(self._abandon)
        self._open, self._build, self._failed = open_workspace, build_window, failed
        self.window: QMainWindow | None = None
        self.abandoned = False
        self.result: Any = None  # what the worker opened, also when the window was closed meanwhile

    def load(self) -> workers.Worker:
        """Open the real workspace on a worker (call once the snapshot has painted)."""

        def work(_progress: workers.Progress, _cancel: workers.CancelRequested) -> Any:
            self.result = self._open()  # kept here too: the window may be closed before it is delivered
            return self.result

        worker = workers.Worker(work, name="open workspace")
        worker.signals.finished.connect(self._loaded)
        worker.signals.failed.connect(self._load_failed)
        return worker.start()

    def _abandon(self) -> None:
        self.abandoned = True

    def _loaded(self, result: Any) -> None:
        self.result = result
        if self.abandoned:
            return
        try:
            window = self._build(result)
        except Exception as exc:  # a workspace that opened but cannot be shown (its framework, say)
            self._load_failed(exc)
            return
        self.window = window
        ref = self.opening.selected_ref()
        select = getattr(window, "select_ref", None)
        if ref and callable(select):
            select(ref)
        window.restoreGeometry(self.opening.saveGeometry())  # where the user has it now
        window.show()
        self.opening.swapped = True
        self.opening.close()
        self.opening.deleteLater()

    def _load_failed(self, exc: BaseException) -> None:
        log.info("opening after the snapshot failed: %s", exc)
        self.opening.show_failure(workers.error_message(exc))
        if not self.abandoned:
            self._failed(exc)
