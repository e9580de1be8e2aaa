"""The main window: readiness across the top, the statements on the left, the selected one on the right.

Reads and writes go through the Qt-free services. Quick ones (one statement's assessment, one
action) run on the GUI thread; anything that reads or copies files or may take a second (opening
or creating a workspace, importing, verifying, storing an evidence file) runs on a worker with a
progress dialog and, where it can stop cleanly, Cancel.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QItemSelectionModel, QModelIndex, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop import __version__
from qsi_desktop.catalogue.loader import core_framework_path, load_framework_file
from qsi_desktop.gui import evidence_intake, settings, workers
from qsi_desktop.gui.context import GuiContext, current_actor
from qsi_desktop.gui.dashboard import DashboardView
from qsi_desktop.gui.dialogs import ImportDialog, ImportSummaryDialog, NewWorkspaceDialog, ProfileDialog
from qsi_desktop.gui.evidence_library import EvidenceLibrary
from qsi_desktop.gui.panels import fill_tabs, has_tabs
from qsi_desktop.gui.panels import pages as modality_pages
from qsi_desktop.gui.readiness_bar import ReadinessSummary
from qsi_desktop.gui.statement_model import (
    COL_EVIDENCE,
    COL_NAME,
    COL_REVIEW,
    COL_STATUS,
    KIND_ROLE,
    OVERDUE_FILTER,
    REF_ROLE,
    STATEMENT,
    StatementFilter,
    StatementModel,
)
from qsi_desktop.gui.statement_view import StatementView
from qsi_desktop.gui.style import APP_STYLESHEET, status_icon
from qsi_desktop.gui.widgets import ChangeBar
from qsi_desktop.services.app import App
from qsi_desktop.services.audit import changes_elsewhere, latest_audit_id
from qsi_desktop.services.errors import ACTIONABLE_ERRORS
from qsi_desktop.services.profile import profile_dict, update_profile
from qsi_desktop.services.readiness import Readiness, readiness
from qsi_desktop.services.values import STATUS_LABELS
from qsi_desktop.store.models import STATUSES
from qsi_desktop.store.workspace import Workspace, is_network_path

if TYPE_CHECKING:
    from qsi_desktop.gui.export_dialog import PackExport
    from qsi_desktop.services import importing
    from qsi_desktop.services.verify import VerifyReport

log = logging.getLogger(__name__)

POLL_MS = 3000  # how often the window looks for changes saved elsewhere (one indexed read)

NETWORK_WARNING = (
    "{path} is on a network drive.\n\nThe workspace database is not safe on a network share: two people "
    "saving at once, or a dropped connection, can damage it. Keep workspaces on this computer's local disk "
    "and share the evidence pack instead."
)


def network_warning(path: Path) -> str:
    return NETWORK_WARNING.format(path=path)


class MainWindow(QMainWindow):
    def __init__(
        self,
        app: App,
        workspace: Workspace,
        *,
        actor: str | None = None,
        status_message: str = "",
        remember: bool = True,
    ) -> None:
        """``remember``: record the workspace shown as the last and recent one (not for screenshots)."""
        super().__init__()
        self.app = app
        self.ctx = GuiContext(app, workspace, actor or current_actor(), on_changed=self.refresh)
        self._named_actor = self.ctx.actor
        self.state: Readiness | None = None
        self.last_dialog: QWidget | None = None  # the latest result dialog (verify, import), for tests
        self.setObjectName("main-window")
        self.setAcceptDrops(True)  # files dropped on the window go to Unsorted
        self.setStyleSheet(APP_STYLESHEET)
        self.remember = remember
        self.on_closing: Callable[[], None] | None = None  # called before the workspace is closed

        self.summary = ReadinessSummary()
        self.model = StatementModel(self)
        self.proxy = StatementFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = StatementView()
        self.view.saved.connect(self._statement_changed)
        self.view.changed.connect(self._statement_changed)
        self.view.go_to_statement.connect(self.go_to)

        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.change_bar = ChangeBar()
        self.change_bar.reload_requested.connect(self.reload_all)
        self._seen_audit_id = 0
        self._changes_elsewhere: list = []  # AuditRecords saved elsewhere, not reloaded yet
        outer.addWidget(self.change_bar)
        outer.addWidget(self.summary)
        self.main_tabs = QTabWidget()
        self.main_tabs.setAccessibleName("Main areas")
        self.main_tabs.setDocumentMode(True)
        outer.addWidget(self.main_tabs, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self._build_navigator())
        self.splitter.addWidget(self.view)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([590, 690])
        self.splitter.setChildrenCollapsible(False)
        self.main_tabs.addTab(self.splitter, "&Self-assessment")
        self.dashboard = DashboardView()
        self.dashboard.go_to_statement.connect(self.go_to)
        self.main_tabs.addTab(self.dashboard, "Dash&board")
        self.library = EvidenceLibrary()
        self.library.changed.connect(self._evidence_changed)
        self.library.go_to_statement.connect(self.go_to)
        self.main_tabs.addTab(self.library, "Evidence librar&y")
        self.modalities = QTabWidget()
        self.modalities.setAccessibleName("Modality panels")
        self._panels_stale = True  # the Modalities tab's pages are built when it is first shown
        self.main_tabs.currentChanged.connect(self._main_tab_changed)
        self.setCentralWidget(central)

        self.workspace_label = QLabel()
        self.workspace_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addPermanentWidget(self.workspace_label)
        self._build_menus()
        QWidget.setTabOrder(self.filter_text, self.status_filter)
        QWidget.setTabOrder(self.status_filter, self.tree)
        QWidget.setTabOrder(self.tree, self.view.tabs)

        self._restore_layout()
        self._show_workspace(workspace)
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self.poll_changes)
        self.poll_timer.start()
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)  # where keyboard work starts
        if status_message:
            self.statusBar().showMessage(status_message)
        elif app.plugins.failures:
            names = ", ".join(f.name for f in app.plugins.failures)
            self.statusBar().showMessage(f"Some plugins were not loaded ({names}): see Help > About.")

    # -- building ---------------------------------------------------------------------------------

    def _build_navigator(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(6, 6, 0, 4)
        row = QHBoxLayout()
        self.filter_text = QLineEdit()
        self.filter_text.setObjectName("filter-text")
        self.filter_text.setPlaceholderText("Find a statement: reference, name or words (Ctrl+F)")
        self.filter_text.setClearButtonEnabled(True)
        self.filter_text.setAccessibleName("Find a quality statement")
        self.filter_text.textChanged.connect(self._filter_changed)
        self.filter_text.returnPressed.connect(self._focus_first_match)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("status-filter")
        self.status_filter.setAccessibleName("Show statements with status")
        self.status_filter.addItem("All statuses", "")
        for status in STATUSES:
            self.status_filter.addItem(status_icon(status), STATUS_LABELS[status], status)
        self.status_filter.addItem("Review overdue", OVERDUE_FILTER)
        self.status_filter.currentIndexChanged.connect(self._filter_changed)
        row.addWidget(self.filter_text, 1)
        row.addWidget(self.status_filter)
        layout.addLayout(row)

        self.tree = QTreeView()
        self.tree.setObjectName("statement-tree")
        self.tree.setAccessibleName("Quality statements by section")
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        for column in (COL_STATUS, COL_EVIDENCE, COL_REVIEW):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.selectionModel().currentChanged.connect(self._current_changed)
        self.tree.setAcceptDrops(True)
        self.tree.viewport().setAcceptDrops(True)
        self.tree.viewport().installEventFilter(self)
        layout.addWidget(self.tree, 1)
        self.filter_info = QLabel()
        self.filter_info.setObjectName("filter-info")
        layout.addWidget(self.filter_info)
        return panel

    def _action(self, menu, text: str, slot, shortcut=None, name: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        if name:
            action.setObjectName(name)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&New workspace…", self.new_workspace, QKeySequence.StandardKey.New, "new-workspace")
        self._action(
            file_menu, "&Open workspace…", self.open_workspace_dialog, QKeySequence.StandardKey.Open, "open-workspace"
        )
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.setObjectName("recent-workspaces")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        # What comes in (logs, a service's tracker, its evidence folders), then what goes out.
        self.import_action = self._action(file_menu, "&Import…", self.import_dialog, "Ctrl+I", "import")
        self._action(file_menu, "Import evidence &folder…", self.import_evidence_folder, None, "import-evidence-folder")
        self._action(file_menu, "Import &tracker…", self.import_tracker, None, "import-tracker")
        file_menu.addSeparator()
        self.export_action = self._action(
            file_menu, "&Export submission pack…", self.export_pack, "Ctrl+E", "export-pack"
        )
        self._action(file_menu, "Export trac&ker…", self.export_tracker, None, "export-tracker")
        self._action(file_menu, "Compare with &submission…", self.compare_with_submission, None, "compare")
        file_menu.addSeparator()
        self._action(file_menu, "&Verify workspace", self.verify_workspace, None, "verify")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit, "quit")

        edit_menu = bar.addMenu("&Edit")
        self.find_action = self._action(
            edit_menu, "&Find statement", self.focus_find, QKeySequence.StandardKey.Find, "find"
        )
        self.save_action = self._action(
            edit_menu, "&Save assessment", self.view.form.save, QKeySequence.StandardKey.Save, "save"
        )
        self._action(edit_menu, "&Revert assessment", self.view.form.revert, None, "revert")
        edit_menu.addSeparator()
        self._action(edit_menu, "Service &profile…", self.edit_profile, None, "service-profile")
        self._action(edit_menu, "Audit &trail…", self.show_audit_trail, None, "audit-trail")

        view_menu = bar.addMenu("&View")
        self._action(view_menu, "&Expand all sections", self.tree.expandAll, None, "expand")
        self._action(view_menu, "&Collapse all sections", self.tree.collapseAll, None, "collapse")
        self._action(view_menu, "&Refresh", self.reload_all, QKeySequence.StandardKey.Refresh, "refresh")

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About QSI Desktop", self.show_about, None, "about")

    # -- workspace ----------------------------------------------------------------------------------

    @property
    def workspace(self) -> Workspace:
        return self.ctx.workspace

    def _show_workspace(self, workspace: Workspace) -> None:
        self.ctx.workspace = workspace
        # With users, the window works as the login (what the audit trail records); without, as before.
        self.ctx.actor = workspace.access.login if workspace.access.restricted else self._named_actor
        self._seen_audit_id = latest_audit_id(workspace)
        self._changes_elsewhere = []
        self.change_bar.hide()
        self.view.statement = None
        self.view.set_context(self.ctx)
        self.library.set_context(self.ctx)
        self.dashboard.set_context(self.ctx)
        self.state = readiness(workspace, self.app)
        self.model.populate(self.app.catalogue, self.state.statements)
        self.summary.show_readiness(self.state)
        self.view.form.set_owner_suggestions(s.owner for s in self.state.statements)
        self.setWindowTitle(f"QSI Desktop — {self.state.service}")
        # A team workspace says where its database is and the user's role (the services enforce it).
        where = f"{workspace.path} (database on {workspace.location})" if workspace.is_team else str(workspace.path)
        who = workspace.access.describe() if workspace.access.restricted else self.ctx.actor
        self.workspace_label.setText(f"Workspace: {where}   User: {who}")
        self.tree.expandAll()
        self._filter_changed()
        self._build_panels()
        first = next(iter(self.app.catalogue.statements()), None)
        if first is not None:
            self.select_ref(first.ref)
        if self.remember:
            settings.remember_workspace(workspace.path)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        shown = [p for p in settings.recent_workspaces() if p != self.workspace.path]
        for number, path in enumerate(shown, start=1):
            action = self.recent_menu.addAction(f"&{number} {path}" if number < 10 else str(path))
            action.setData(str(path))
            exists = (path / "qsi-workspace.json").is_file()
            action.setEnabled(exists)
            action.setToolTip(str(path) if exists else f"{path} (not found)")
            action.triggered.connect(lambda _checked=False, p=path: self.open_recent(p))
        if not shown:
            self.recent_menu.addAction("No other recent workspaces").setEnabled(False)

    def open_recent(self, path: Path) -> workers.Worker | None:
        if not self._settle_unsaved_changes():
            return None
        return self.open_workspace(path)

    # -- size and layout ------------------------------------------------------------------------------

    def _available(self) -> QRect:
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry()

    def fit_to(self, available: QRect) -> None:
        """The preferred size, shrunk to fit ``available`` (a screen's area without task bars)."""
        self.setMinimumSize(settings.minimum_size(available))
        self.setGeometry(settings.fitted_geometry(available))

    def _restore_layout(self) -> None:
        """The geometry and splitters of the last session, else a size that fits the screen."""
        stored = settings.app_settings()
        available = self._available()
        geometry = stored.value(settings.GEOMETRY)
        if not isinstance(geometry, QByteArray) or not self.restoreGeometry(geometry):
            self.fit_to(available)
        else:
            self.setMinimumSize(settings.minimum_size(available))
        splitters = stored.value(settings.SPLITTERS)
        if isinstance(splitters, list) and len(splitters) == 2:
            for splitter, state in zip((self.splitter, self.view.splitter), splitters, strict=True):
                if isinstance(state, QByteArray):
                    splitter.restoreState(state)

    def _save_layout(self) -> None:
        if not self.remember:
            return
        stored = settings.app_settings()
        stored.setValue(settings.GEOMETRY, self.saveGeometry())
        stored.setValue(settings.SPLITTERS, [self.splitter.saveState(), self.view.splitter.saveState()])
        stored.sync()

    def set_workspace(self, workspace: Workspace, message: str = "") -> None:
        """Show another workspace; the one shown before is closed."""
        old = self.ctx.workspace
        self.view.form.details = None  # its unsaved changes were settled before switching
        self._show_workspace(workspace)
        if old is not workspace:
            old.close()
        if message:
            self.statusBar().showMessage(message)

    def _build_panels(self) -> None:
        """The Modalities area follows the profile: rebuilt on open and when the profile changes.

        Its pages are built when the tab is shown (not for the window's first paint)."""
        index = self.main_tabs.indexOf(self.modalities)
        self._panels_stale = True
        wanted = has_tabs(self.ctx)
        if wanted and index < 0:
            self.main_tabs.addTab(self.modalities, "&Modalities")
        elif not wanted and index >= 0:
            self.main_tabs.removeTab(index)
        if self.main_tabs.currentWidget() is self.modalities:
            self.ensure_panels()

    def ensure_panels(self) -> None:
        """Build the Modalities tab's pages if the profile changed since they were built."""
        if self._panels_stale:
            self._panels_stale = False
            fill_tabs(self.modalities, self.ctx)

    def _main_tab_changed(self, index: int) -> None:
        if self.main_tabs.widget(index) is self.modalities:
            self.ensure_panels()

    def refresh(self, state: Readiness | None = None) -> None:
        """Recompute readiness (or show ``state``, computed on a worker) and update the tree and summary."""
        self.state = state or readiness(self.workspace, self.app)
        self.model.update_states(self.state.statements)
        self.summary.show_readiness(self.state)
        self.view.form.set_owner_suggestions(s.owner for s in self.state.statements)
        self._update_filter_info()
        self.library.reload()
        self.dashboard.mark_stale()
        for page in modality_pages(self.modalities).values():  # the summaries follow imports and edits
            if hasattr(page, "mark_stale"):
                page.mark_stale()

    def reload_all(self) -> None:
        """Read everything shown again (View > Refresh, the change bar's Reload): readiness, the tree,
        the open statement and the other areas. Unsaved changes in the form are kept as typed."""
        self._seen_audit_id = max(self._seen_audit_id, latest_audit_id(self.workspace))
        self._changes_elsewhere = []
        self.change_bar.hide()
        self.refresh()
        self.view.reload(keep_edits=True)
        if not self._panels_stale:  # built: each page that can reads the workspace again
            for page in modality_pages(self.modalities).values():
                reload = getattr(page, "reload", None)
                if callable(reload):
                    reload()
        self.statusBar().showMessage("Reloaded from the workspace.", 5000)

    def poll_changes(self) -> bool:
        """Look for changes saved elsewhere (another window or process, a colleague) and offer to reload
        them in the bar at the top. True when there are some not reloaded yet."""
        try:
            latest, found = changes_elsewhere(self.workspace, self._seen_audit_id)
        except ACTIONABLE_ERRORS as exc:  # busy or unreachable for a moment: try again next time
            log.info("could not look for changes: %s", exc)
            return bool(self._changes_elsewhere)
        self._seen_audit_id = latest
        if found:
            self._changes_elsewhere += found
            self.change_bar.show_text(self._describe_changes())
        return bool(self._changes_elsewhere)

    def _describe_changes(self) -> str:
        changes = self._changes_elsewhere
        who = ", ".join(sorted({c.actor for c in changes}))
        text = f"{len(changes)} change{'s' if len(changes) != 1 else ''} saved elsewhere by {who}."
        ref = self.current_ref()
        if ref and any(ref in c.summary.split() for c in changes):
            text += f" {ref}, open here, is among them."
            if self.view.has_unsaved_changes():
                text += " Your unsaved changes are kept when you reload; Save shows both versions."
        return text + " Reload to see them."

    def edit_profile(self) -> bool:
        """Edit the service profile; what applies follows it, so the tree and readiness are refreshed."""
        if not self._settle_unsaved_changes():  # the statement shown is read again afterwards
            return False
        try:
            current = profile_dict(self.workspace)
        except ACTIONABLE_ERRORS as exc:
            QMessageBox.warning(self, "Service profile", workers.error_message(exc))
            return False
        dialog = ProfileDialog(self.app, current, self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                update_profile(self.workspace, dialog.change(), actor=self.ctx.actor)
            except ACTIONABLE_ERRORS as exc:
                dialog.message.show_message(workers.error_message(exc))
                continue
            self.refresh()
            self._build_panels()  # checklists follow the modalities and scopes provided
            self.view.reload()  # the statement shown may have become (not) applicable
            self.setWindowTitle(f"QSI Desktop — {self.state.service}")
            self.statusBar().showMessage("Service profile saved: what applies follows it.", 8000)
            return True
        return False

    def _statement_changed(self, ref: str) -> None:
        self.refresh()

    def _evidence_changed(self) -> None:
        self.refresh()
        self.view.reload(keep_edits=True)

    def go_to(self, ref: str) -> bool:
        """Show statement ``ref`` in the Self-assessment area (from the dashboard, the library...)."""
        self.main_tabs.setCurrentWidget(self.splitter)
        shown = self.select_ref(ref)
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)
        return shown

    # -- dropped files --------------------------------------------------------------------------------

    def add_dropped_files(self, paths: list[Path], ref: str | None) -> workers.Worker | None:
        """Files dropped on a statement (``ref``) or elsewhere on the window (None: Unsorted)."""
        if ref is None:
            self.library.show_filter("unsorted")
        return evidence_intake.add_files(self, self.ctx, paths, ref, on_done=lambda _r: self._evidence_changed())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if evidence_intake.dropped_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = evidence_intake.dropped_files(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.add_dropped_files(paths, None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Files dragged over the statement tree: a statement row takes them, elsewhere Unsorted does."""
        if watched is self.tree.viewport() and isinstance(event, QDropEvent):
            if not evidence_intake.dropped_files(event.mimeData()):
                return False
            event.acceptProposedAction()
            if event.type() == QEvent.Type.Drop:
                index = self.tree.indexAt(event.position().toPoint()).siblingAtColumn(COL_NAME)
                ref = index.data(REF_ROLE) if index.isValid() and index.data(KIND_ROLE) == STATEMENT else None
                self.add_dropped_files(evidence_intake.dropped_files(event.mimeData()), ref)
            return True
        return super().eventFilter(watched, event)

    # -- navigation ---------------------------------------------------------------------------------

    def current_ref(self) -> str:
        return self.view.ref

    def select_ref(self, ref: str) -> bool:
        source = self.model.index_for_ref(ref)
        if not source.isValid():
            return False
        index = self.proxy.mapFromSource(source)
        if not index.isValid():  # hidden by the filter: clear it
            self.filter_text.clear()
            self.status_filter.setCurrentIndex(0)
            index = self.proxy.mapFromSource(source)
        self.tree.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.tree.scrollTo(index)
        return self.current_ref() == ref

    def _current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not current.isValid() or current.siblingAtColumn(COL_NAME).data(KIND_ROLE) != STATEMENT:
            return
        ref = current.siblingAtColumn(COL_NAME).data(REF_ROLE)
        if ref == self.current_ref():
            return
        if not self._settle_unsaved_changes():
            back = self.model.index_for_ref(self.current_ref())
            if back.isValid():
                self.tree.selectionModel().blockSignals(True)
                self.tree.selectionModel().setCurrentIndex(
                    self.proxy.mapFromSource(back),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.tree.selectionModel().blockSignals(False)
            return
        self.view.show_statement(ref)

    def _settle_unsaved_changes(self) -> bool:
        """Ask what to do with unsaved changes; True to go on (saved or discarded), False to stay."""
        if not self.view.has_unsaved_changes():
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Save the changes to {self.current_ref()}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.view.form.save()
        return answer == QMessageBox.StandardButton.Discard

    def _filter_changed(self) -> None:
        # Filtering never changes the statement shown: it stays selected if visible, else unselected.
        selection = self.tree.selectionModel()
        selection.blockSignals(True)
        try:
            self.proxy.set_text(self.filter_text.text())
            self.proxy.set_status(self.status_filter.currentData())
            index = self.proxy.mapFromSource(self.model.index_for_ref(self.current_ref()))
            if index.isValid():
                selection.setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
                )
            else:
                selection.clear()
        finally:
            selection.blockSignals(False)
        self.tree.expandAll()
        self.tree.viewport().update()
        self._update_filter_info()

    def _update_filter_info(self) -> None:
        shown = sum(self.proxy.rowCount(self.proxy.index(row, 0)) for row in range(self.proxy.rowCount()))
        total = self.model.statement_count()
        text = f"{shown} of {total} statements shown" if self.proxy.is_filtering() else f"{total} statements"
        self.filter_info.setText(text)

    def _focus_first_match(self) -> None:
        if self.proxy.rowCount() and self.proxy.rowCount(self.proxy.index(0, 0)):
            self.tree.setFocus()
            self.tree.setCurrentIndex(self.proxy.index(0, 0, self.proxy.index(0, 0)))

    def focus_find(self) -> None:
        self.main_tabs.setCurrentIndex(0)
        self.filter_text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_text.selectAll()

    # -- file menu ---------------------------------------------------------------------------------

    def open_workspace_dialog(self) -> None:
        if not self._settle_unsaved_changes():
            return
        folder = QFileDialog.getExistingDirectory(self, "Open a QSI workspace folder", str(self.workspace.path.parent))
        if folder:
            self.open_workspace(Path(folder))

    def open_workspace(self, path: Path) -> workers.Worker:
        """Open (and if needed migrate, after a backup) on a worker, then show it."""

        def work(progress: workers.Progress, cancel: workers.CancelRequested) -> Workspace:
            return self.app.open_workspace(path)

        return workers.run_with_progress(
            self,
            "Open workspace",
            f"Opening {path}…",
            work,
            on_finished=self._opened,
            on_failed=lambda exc: QMessageBox.critical(self, "Open workspace", workers.error_message(exc)),
            cancellable=False,
        )

    def _opened(self, workspace: Workspace, message: str = "") -> None:
        if not workspace.is_team and is_network_path(workspace.path):
            QMessageBox.warning(self, "Workspace on a network drive", network_warning(workspace.path))
        self.set_workspace(workspace, message or f"Opened {workspace.path}")

    def new_workspace(self) -> workers.Worker | None:
        if not self._settle_unsaved_changes():
            return None
        dialog = NewWorkspaceDialog(self.app, self, default_folder=self.workspace.path.parent / "New workspace")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        request = dialog.request()
        app, actor = self.app, self.ctx.actor

        def work(progress: workers.Progress, cancel: workers.CancelRequested) -> Workspace:
            return Workspace.create(request.path, request.profile, framework_id=app.framework_id, actor=actor)

        return workers.run_with_progress(
            self,
            "New workspace",
            f"Creating {request.path}…",
            work,
            on_finished=lambda ws: self._opened(ws, f"Created workspace {ws.path} for {request.profile.name}"),
            on_failed=lambda exc: QMessageBox.critical(self, "New workspace", workers.error_message(exc)),
            cancellable=False,
        )

    def show_audit_trail(self) -> QDialog:
        """Every saved change, with Redact text (quality lead only) for text that held personal data."""
        from qsi_desktop.gui.audit_dialog import AuditTrailDialog

        dialog = AuditTrailDialog(self.workspace, self.ctx.actor, self)
        self.last_dialog = dialog
        dialog.open()
        return dialog

    def verify_workspace(self) -> workers.Worker:
        """Check the database and every evidence file's hash on a worker; Cancel stops between files."""
        from qsi_desktop.services.verify import verify

        ws = self.workspace

        def work(progress: workers.Progress, cancel: workers.CancelRequested) -> VerifyReport:
            def step(done: int, total: int, message: str) -> None:
                if cancel():
                    raise workers.Cancelled()
                progress(done, total, f"{message} ({done} of {total})")

            progress(0, 0, "checking the database")
            return verify(ws, step)

        return workers.run_with_progress(
            self,
            "Verify workspace",
            "Checking the workspace…",
            work,
            on_finished=self._show_verify_report,
            on_cancelled=lambda: self.statusBar().showMessage("Verification cancelled.", 8000),
        )

    def _show_verify_report(self, report: VerifyReport) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("Verify workspace")
        summary = f"Database checked and {report.files_checked} evidence file(s) checked: " + (
            "no problems found." if report.ok else f"{len(report.problems)} problem(s) found."
        )
        box.setIcon(QMessageBox.Icon.Information if report.ok else QMessageBox.Icon.Warning)
        box.setText(summary)
        details = [f"PROBLEM: {p}" for p in report.problems] + [f"Note: {n}" for n in report.notes]
        if details:
            box.setDetailedText("\n".join(details))
        if not report.ok:
            box.setInformativeText("Restore damaged files or the database from a backup; details below.")
        self.statusBar().showMessage(summary, 15000)
        self.last_dialog = box
        box.open()

    def import_tracker(self, path: Path | None = None) -> QDialog:
        """File > Import tracker: the wizard (preview, mappings, import on workers); the window reloads after."""
        from qsi_desktop.gui.tracker_wizard import TrackerWizard

        wizard = TrackerWizard(self.ctx, self, path)
        wizard.accepted.connect(self.reload_all)
        wizard.accepted.connect(lambda: self.statusBar().showMessage(wizard.summary_text(), 10_000))
        wizard.open()
        return wizard

    def export_tracker(self, path: Path | None = None) -> workers.Worker | None:
        """File > Export tracker: one row per statement, as the tracker import reads it back."""
        from qsi_desktop.services import tracker_export

        if path is None:
            default = str(self.workspace.path.parent / "QSI tracker.xlsx")
            name, _ = QFileDialog.getSaveFileName(self, "Export tracker", default, "Excel workbook (*.xlsx)")
            if not name:
                return None
            path = Path(name) if name.lower().endswith(".xlsx") else Path(name + ".xlsx")
        ws, app, out = self.workspace, self.app, path
        return workers.run_with_progress(
            self,
            "Export tracker",
            f"Writing {out.name}",
            lambda _progress, _cancel: tracker_export.export_xlsx(ws, app, out),
            on_finished=lambda count: self.statusBar().showMessage(f"{count} statements written to {out.name}", 10_000),
            cancellable=False,
        )

    def compare_with_submission(self) -> QDialog:
        """File > Compare with submission: what changed since a submitted bundle or the start of this cycle."""
        from qsi_desktop.gui.compare_view import CompareDialog

        dialog = CompareDialog(self.ctx, self, go_to=self.select_ref)
        dialog.open()
        return dialog

    def import_evidence_folder(self) -> QDialog:
        """File > Import evidence folder: the wizard (``gui/tree_wizard.py``); after an import the
        window refreshes and the library shows Unsorted when something landed there."""
        from qsi_desktop.gui.tree_wizard import TreeImportWizard

        wizard = TreeImportWizard(self.ctx, self)
        wizard.imported.connect(self._evidence_folder_imported)
        self.last_dialog = wizard
        wizard.open()
        return wizard

    def _evidence_folder_imported(self, summary: object) -> None:
        self._evidence_changed()
        self.library.reload()
        if getattr(summary, "unmapped", 0):
            self.library.show_filter("unsorted")

    def import_dialog(self) -> None:
        from qsi_desktop.services.applies import applicable_importers

        importers = applicable_importers(self.workspace, self.app)
        if not importers:
            QMessageBox.information(
                self,
                "Import",
                "No importer applies to this service: importers come with the modality plugins, and show "
                "here for the modalities the service profile provides.",
            )
            return
        from qsi_desktop.services import import_columns

        ws = self.workspace
        dialog = ImportDialog(importers, self, lambda i, path, given: import_columns.preview(ws, i, path, given))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.run_import(
            dialog.importer_name(),
            dialog.paths(),
            dry_run=dialog.dry_run.isChecked(),
            identifiers=dialog.identifier_choice(),
            columns=dialog.columns,
        )

    def run_import(
        self,
        importer_name: str,
        paths: list[Path],
        *,
        dry_run: bool = False,
        identifiers: str = "hold",
        columns: dict[str, str] | None = None,
    ) -> workers.Worker:
        from qsi_desktop.services import importing

        ws, app, actor = self.workspace, self.app, self.ctx.actor
        importer = importing.find_importer(app, importer_name)

        def work(
            progress: workers.Progress, cancel: workers.CancelRequested
        ) -> tuple[importing.ImportSummary, Readiness]:
            summary = importing.run_import(
                ws,
                app,
                importer_name,
                paths,
                actor=actor,
                dry_run=dry_run,
                on_progress=progress,
                cancel=cancel,
                identifiers=identifiers,
                columns=columns,
            )
            return summary, readiness(ws, app)  # here, not on the GUI thread: it keeps painting

        def finished(result: tuple[importing.ImportSummary, Readiness]) -> None:
            summary, state = result
            self.refresh(state)
            dialog = ImportSummaryDialog(summary, importer.title, self)
            self.last_dialog = dialog
            dialog.open()

        return workers.run_with_progress(
            self, f"Import: {importer.title}", f"Reading {len(paths)} file(s) or folder(s)…", work, on_finished=finished
        )

    def export_pack(self) -> PackExport | None:
        """The export's choices, then (on workers) read and check, the findings, and write."""
        if not self._settle_unsaved_changes():  # the pack shows what is saved
            return None
        from qsi_desktop.gui.export_dialog import ExportDialog, PackExport, default_pack_path, pack_sections

        dialog = ExportDialog(
            pack_sections(self.workspace, self.app),
            pack_path=default_pack_path(self.workspace.path, self.state.service if self.state else "QSI"),
            author=self.ctx.actor,
            parent=self,
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        export = PackExport(self, dialog.request())
        export.start()
        return export

    # -- help --------------------------------------------------------------------------------------

    def about_html(self) -> str:
        esc = html.escape
        try:
            framework = load_framework_file(core_framework_path(self.app.framework_id))
            standard = f"<p><b>{esc(framework.title)}</b> ({esc(framework.version)})<br>{esc(framework.owners)}</p>" + (
                f"<p><small>{esc(framework.notice)}</small></p>" if framework.notice else ""
            )
        except Exception as exc:  # the catalogue loaded, so this is unexpected; keep About working
            standard = f"<p>Standard: {esc(self.app.framework_id)} ({esc(str(exc))})</p>"
        plugins = "".join(f"<li>{esc(info.name)} {esc(info.version)}</li>" for info in self.app.plugins.plugins())
        failed = "".join(f"<li>{esc(f.name)}: {esc(f.error)}</li>" for f in self.app.plugins.failures)
        return (
            f"<h3>QSI Desktop {esc(__version__)}</h3>"
            "<p>Evidence manager for the Quality Standard for Imaging.</p>"
            f"{standard}"
            f"<p>{len(self.app.catalogue)} quality statements in {len(self.app.catalogue.sections)} sections.</p>"
            f"<p>Plugins:</p><ul>{plugins}</ul>"
            + (f"<p>Not loaded:</p><ul>{failed}</ul>" if failed else "")
            + f"<p>Workspace: {esc(str(self.workspace.path))}</p>"
        )

    def show_about(self) -> None:
        QMessageBox.about(self, "About QSI Desktop", self.about_html())

    # -- closing -------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._settle_unsaved_changes():
            event.ignore()
            return
        self._save_layout()
        self.poll_timer.stop()
        if not workers.cancel_all(wait_ms=30_000):
            log.warning("background work did not stop within 30 s")
        if self.on_closing is not None:
            self.on_closing()
        self.workspace.close()
        event.accept()
