"""The selected statement's evidence and actions: tables and the buttons that add to them."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QBrush, QColor, QDesktopServices, QDragEnterEvent, QDropEvent, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.gui import workers
from qsi_desktop.gui.context import GuiContext
from qsi_desktop.gui.dialogs import ActionDialog, EvidenceDialog
from qsi_desktop.gui.style import TEXT_MUTED, TEXT_OVERDUE
from qsi_desktop.services import actions, evidence
from qsi_desktop.services.errors import ACTIONABLE_ERRORS, ChangedElsewhere
from qsi_desktop.services.records import ActionRecord, EvidenceRecord
from qsi_desktop.services.values import uk_date


def _cell(text: str, *, tooltip: str = "", overdue: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if tooltip:
        item.setToolTip(tooltip)
    if overdue:  # red and bold, and in words for screen readers
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{text}, overdue")
        item.setForeground(QBrush(QColor(TEXT_OVERDUE)))
        font = QFont()
        font.setBold(True)
        item.setFont(font)
    return item


def _table(columns: list[str], accessible_name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setAccessibleName(accessible_name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, len(columns)):
        table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    table.setTabKeyNavigation(False)  # Tab leaves the table (keyboard users), arrows move inside
    return table


def open_folder() -> Path:
    """A new temporary folder for copies of evidence files being opened (one per open: no clashes)."""
    base = Path(tempfile.gettempdir()) / "qsi-desktop-open"
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=base))


def link_url(link: str) -> QUrl:
    """A stored link as a URL: ``\\\\server\\share\\doc.docx`` is a (Windows) file path."""
    if link.startswith("\\\\"):
        return QUrl.fromLocalFile(link)
    return QUrl(link)


class _Pane(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx: GuiContext | None = None
        self.ref = ""
        self.empty = QLabel()
        self.empty.setStyleSheet(f"color: {TEXT_MUTED}; padding: 8px;")
        self.empty.setWordWrap(True)

    def set_context(self, ctx: GuiContext) -> None:
        self.ctx = ctx

    def _fail(self, title: str, exc: BaseException) -> None:
        QMessageBox.warning(self, title, workers.error_message(exc))


class EvidencePane(_Pane):
    """Evidence items supporting the statement; items past their review date are shown in red.
    Files dropped here are added to the statement; the context menu edits, links, retires an item."""

    COLUMNS = ("Title", "Version", "Owner", "Review due", "Type", "Supports")
    go_to_statement = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        self.table = _table(list(self.COLUMNS), "Evidence for this statement")
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.empty.setText("No evidence yet. Add the policies, audits and records that show the statement is met.")
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.add_file_button = QPushButton("A&dd file…")
        self.add_file_button.setAccessibleName("Add evidence files")
        self.add_file_button.setToolTip("Add one file or many (or drop files here); right-click an item to edit it")
        self.add_file_button.clicked.connect(self.add_file)
        self.add_link_button = QPushButton("Add &link…")
        self.add_link_button.setAccessibleName("Add an evidence link")
        self.add_link_button.clicked.connect(self.add_link)
        self.open_button = QPushButton("&Open")
        self.open_button.setAccessibleName("Open the selected evidence")
        self.open_button.setToolTip("Open a copy of the file (the stored evidence is never changed), or the link")
        self.open_button.clicked.connect(self.open_selected)
        self.new_version_button = QPushButton("&New version…")
        self.new_version_button.setAccessibleName("Add a new version of the selected evidence file")
        self.new_version_button.setToolTip("Replace the selected document with its new version (keeps its links)")
        self.new_version_button.clicked.connect(self.new_version)
        row.addWidget(self.add_file_button)
        row.addWidget(self.add_link_button)
        row.addStretch(1)
        row.addWidget(self.open_button)
        row.addWidget(self.new_version_button)
        layout.addLayout(row)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.items: tuple[EvidenceRecord, ...] = ()
        self._selection_changed()

    def show_items(self, ref: str, items: tuple[EvidenceRecord, ...]) -> None:
        self.ref = ref
        self.items = items
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            kind = "File" if item.is_file else "Link"
            where = item.file_name if item.is_file else item.link_url
            tip = f"{item.title}\n{kind}: {where}"
            if item.document_ref:
                tip += f"\nDocument ref: {item.document_ref}"
            if item.approved_on:
                tip += f"\nApproved: {uk_date(item.approved_on)}"
            tip += f"\nAdded {uk_date(item.added_at.date())} by {item.added_by}"
            due = uk_date(item.review_due_on)
            overdue = item.review_overdue()
            self.table.setItem(row, 0, _cell(item.title, tooltip=tip))
            self.table.setItem(row, 1, _cell(item.version))
            self.table.setItem(row, 2, _cell(item.owner))
            self.table.setItem(
                row, 3, _cell(due, overdue=overdue, tooltip=f"Review overdue since {due}" if overdue else "")
            )
            self.table.setItem(row, 4, _cell(kind, tooltip=where or ""))
            self.table.setItem(row, 5, _cell(", ".join(str(target) for target in item.targets)))
        self.empty.setVisible(not items)
        self.table.setVisible(bool(items))
        self._selection_changed()

    def _selected(self) -> EvidenceRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.items[rows[0].row()] if rows and rows[0].row() < len(self.items) else None

    def _selection_changed(self) -> None:
        item = self._selected()
        self.open_button.setEnabled(item is not None)
        self.new_version_button.setEnabled(item is not None and item.is_file)

    def open_selected(self) -> workers.Worker | None:
        """Open the selected link, or a copy of the selected file (copied on a worker: it is checked first)."""
        item = self._selected()
        if self.ctx is None or item is None:
            return None
        if item.link_url is not None:
            self._open_url(link_url(item.link_url), item.link_url)
            return None
        ws, item_id, file_name = self.ctx.workspace, item.id, item.file_name or ""

        def work(progress: workers.Progress, cancel: workers.CancelRequested) -> Path:
            progress(0, 0, file_name)
            return evidence.export_copy(ws, item_id, open_folder())

        return workers.run_with_progress(
            self.window(),
            "Open evidence",
            f"Checking and copying {file_name}…",
            work,
            on_finished=lambda path: self._open_url(QUrl.fromLocalFile(str(path)), path.name),
            on_failed=lambda exc: self._fail("Open evidence", exc),
            cancellable=False,
        )

    def _open_url(self, url: QUrl, what: str) -> None:
        if not QDesktopServices.openUrl(url):
            QMessageBox.warning(self, "Open evidence", f"No application on this computer could open {what}.")

    def new_version(self) -> workers.Worker | None:
        """Choose the new version of the selected file item; it replaces the old one (and takes its links)."""
        item = self._selected()
        if self.ctx is None or item is None or not item.is_file:
            return None
        name, _ = QFileDialog.getOpenFileName(self, f"Choose the new version of {item.title}")
        if not name:
            return None
        source = Path(name)
        dialog = EvidenceDialog(self.ctx.app, self.ref, self, file=source, previous=item)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return self.store_file(source, dialog.details())

    def add_file(self) -> workers.Worker | None:
        """Choose one file or many (one: its details are asked; many: named after their files)."""
        if self.ctx is None or not self.ref:
            return None
        names, _ = QFileDialog.getOpenFileNames(self, f"Choose evidence files for {self.ref}")
        return self.add_paths([Path(name) for name in names])

    def add_paths(self, paths: list[Path], *, ask_details: bool = True) -> workers.Worker | None:
        """Add files to this statement; the same file already stored is offered instead."""
        from qsi_desktop.gui import evidence_intake

        if self.ctx is None or not self.ref or not paths:
            return None
        return evidence_intake.add_files(
            self, self.ctx, paths, self.ref, ask_details=ask_details, on_done=lambda _r: self.changed.emit()
        )

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        from qsi_desktop.gui.evidence_intake import dropped_files

        if self.ref and dropped_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        from qsi_desktop.gui.evidence_intake import dropped_files

        paths = dropped_files(event.mimeData())
        if paths and self.ref:
            event.acceptProposedAction()
            self.add_paths(paths)

    def _context_menu(self, pos: QPoint) -> None:
        """Edit, link, retire and where used for the item under the pointer (the library has them too)."""
        from qsi_desktop.gui import evidence_library as library

        item = self._selected()
        if item is None or self.ctx is None:
            return
        ctx = self.ctx
        menu = QMenu(self)
        menu.addAction("Edit &details…", lambda: self._after(library.edit_item(self, ctx, item)))
        menu.addAction("&Link to more statements…", lambda: self._after(library.link_item(self, ctx, item)))
        menu.addAction("&Where used…", lambda: self._go(library.show_where_used(self, ctx, item)))
        menu.addSeparator()
        menu.addAction("&Retire…", lambda: self._after(library.retire_item(self, ctx, item)))
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def _after(self, changed: bool) -> None:
        if changed:
            self.changed.emit()

    def _go(self, ref: str) -> None:
        if ref:
            self.go_to_statement.emit(ref)

    def store_file(self, source: Path, details: evidence.EvidenceDetails) -> workers.Worker | None:
        """Copy the file into the evidence store on a worker (it may be large), then refresh."""
        if self.ctx is None:
            return None
        ws, app, actor = self.ctx.workspace, self.ctx.app, self.ctx.actor
        title = "Add evidence" if details.supersedes is None else "New version"

        def work(progress: workers.Progress, cancel: workers.CancelRequested) -> int:
            progress(0, 0, source.name)
            return evidence.add_file(ws, app, source, details, actor=actor).id

        return workers.run_with_progress(
            self.window(),
            title,
            f"Storing {source.name}…",
            work,
            on_finished=lambda _id: self.changed.emit(),
            on_failed=lambda exc: self._fail(title, exc),
            cancellable=False,
        )

    def add_link(self) -> None:
        if self.ctx is None or not self.ref:
            return
        dialog = EvidenceDialog(self.ctx.app, self.ref, self, link=True)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                evidence.add_link(
                    self.ctx.workspace, self.ctx.app, dialog.link_url(), dialog.details(), actor=self.ctx.actor
                )
            except ACTIONABLE_ERRORS as exc:
                dialog.message.show_message(workers.error_message(exc))
                continue
            self.changed.emit()
            return


class ActionsPane(_Pane):
    """The action plan for the statement: what, who, by when; overdue open actions in red."""

    COLUMNS = ("Action", "Owner", "Due", "Status")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.table = _table(list(self.COLUMNS), "Actions for this statement")
        self.empty.setText("No actions. Anything partially met or not met needs an action with an owner and a date.")
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton("A&dd action…")
        self.add_button.setAccessibleName("Add an action")
        self.add_button.clicked.connect(self.add_action)
        self.done_button = QPushButton("Mar&k done")
        self.done_button.setAccessibleName("Mark the selected action done")
        self.done_button.clicked.connect(self.mark_done)
        self.done_button.setEnabled(False)
        row.addWidget(self.add_button)
        row.addWidget(self.done_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.items: tuple[ActionRecord, ...] = ()

    def show_items(self, ref: str, items: tuple[ActionRecord, ...]) -> None:
        self.ref = ref
        self.items = items
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            overdue = item.overdue()
            status = item.status.replace("_", " ").capitalize() + (" (overdue)" if overdue else "")
            self.table.setItem(row, 0, _cell(item.description, tooltip=item.description))
            self.table.setItem(row, 1, _cell(item.owner))
            self.table.setItem(row, 2, _cell(uk_date(item.due_on), overdue=overdue))
            self.table.setItem(row, 3, _cell(status, overdue=overdue))
        self.empty.setVisible(not items)
        self.table.setVisible(bool(items))
        self._selection_changed()

    def _selected(self) -> ActionRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.items[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        item = self._selected()
        self.done_button.setEnabled(item is not None and item.is_open)

    def add_action(self) -> None:
        if self.ctx is None or not self.ref:
            return
        dialog = ActionDialog(self.ref, self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                actions.add_action(
                    self.ctx.workspace,
                    self.ctx.app,
                    self.ref,
                    dialog.description.toPlainText(),
                    owner=dialog.owner.text(),
                    due_on=dialog.due.value(),
                    status=dialog.status.currentData(),
                    actor=self.ctx.actor,
                )
            except ACTIONABLE_ERRORS as exc:
                dialog.message.show_message(workers.error_message(exc))
                continue
            self.changed.emit()
            return

    def mark_done(self) -> None:
        item = self._selected()
        if self.ctx is None or item is None:
            return
        try:
            actions.update_action(
                self.ctx.workspace, item.id, status="done", actor=self.ctx.actor, expected_version=item.row_version
            )
        except ACTIONABLE_ERRORS as exc:
            self._fail("Mark done", exc)
            if isinstance(exc, ChangedElsewhere):
                self.changed.emit()  # show it as it is now
            return
        self.changed.emit()
