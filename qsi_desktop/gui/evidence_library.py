"""The Evidence library: every evidence item, the unsorted inbox and retired items, with what can be
done to one after it was added: link it to statements, edit its details, retire (or restore) it,
and see where it is used. Files dropped here, or added with Add files, go to Unsorted.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.export.names import evidence_label
from qsi_desktop.gui import evidence_intake, workers
from qsi_desktop.gui.context import GuiContext
from qsi_desktop.gui.dialogs import EvidenceDialog
from qsi_desktop.gui.evidence_view import _cell, _table
from qsi_desktop.gui.suggestions_panel import SuggestionsPanel
from qsi_desktop.gui.widgets import MessageLabel
from qsi_desktop.services import evidence
from qsi_desktop.services.errors import ACTIONABLE_ERRORS, ChangedElsewhere
from qsi_desktop.services.records import EvidenceRecord
from qsi_desktop.services.values import uk_date

CURRENT, UNSORTED, RETIRED, ALL = "current", "unsorted", "retired", "all"
REF_ROLE = Qt.ItemDataRole.UserRole + 1


# -- one item: link, edit, retire, where used ----------------------------------------------------------


class LinkDialog(QDialog):
    """The statements (or suggestions) to link an item to: ``XR-101, XR-501:4.b``."""

    def __init__(self, ctx: GuiContext, item: EvidenceRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setWindowTitle(f"Link {evidence_label(item.id)} {item.title}")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        now = ", ".join(str(t) for t in item.targets) or "nothing yet (Unsorted)"
        current = QLabel(f"Supports now: {now}")
        current.setWordWrap(True)
        current.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(current)
        label = QLabel("Also &supports:")
        self.refs = QLineEdit()
        self.refs.setPlaceholderText("XR-101, XR-501:4.b")
        self.refs.setAccessibleName("Quality statements to link the evidence to")
        label.setBuddy(self.refs)
        layout.addWidget(label)
        layout.addWidget(self.refs)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.button(QDialogButtonBox.StandardButton.Ok).setText("Link")
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def accept(self) -> None:
        try:
            evidence.parse_targets(self._ctx.app, [self.refs.text()])
        except ACTIONABLE_ERRORS as exc:
            self.message.show_message(workers.error_message(exc))
            self.refs.setFocus()
            return
        super().accept()


class WhereUsedDialog(QDialog):
    """The statements and checklist items an item supports; Enter or a double-click on a statement
    goes to it (:attr:`chosen_ref`)."""

    def __init__(self, used: evidence.WhereUsed, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        item = used.item
        self.chosen_ref = ""
        self.setWindowTitle(f"Where {evidence_label(item.id)} is used")
        self.setMinimumSize(560, 320)
        layout = QVBoxLayout(self)
        state = f" (retired {item.retired_at:%d %b %Y} by {item.retired_by})" if item.retired_at else ""
        head = QLabel(f"{evidence_label(item.id)} {item.title}{state}")
        head.setTextFormat(Qt.TextFormat.PlainText)
        head.setWordWrap(True)
        layout.addWidget(head)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Supports", "Detail"])
        self.tree.setAccessibleName("Statements and checklist items the evidence supports")
        self.tree.setRootIsDecorated(False)
        for target in used.statements:
            name = ctx.app.statement(target.ref).name
            row = QTreeWidgetItem([f"Statement {target}", name])
            row.setData(0, REF_ROLE, target.ref)
            row.setToolTip(0, "Enter or double-click: go to the statement")
            self.tree.addTopLevelItem(row)
        for use in used.checklist_items:
            row = QTreeWidgetItem([f"Checklist {use.template_title}", f"{use.item_text} ({use.answer or 'no answer'})"])
            self.tree.addTopLevelItem(row)
        if used.unused:
            self.tree.addTopLevelItem(QTreeWidgetItem(["Not used", "no statement or checklist item names it"]))
        self.tree.resizeColumnToContents(0)
        self.tree.itemActivated.connect(self._activated)
        layout.addWidget(self.tree, 1)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        if self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))

    def _activated(self, row: QTreeWidgetItem, _column: int) -> None:
        ref = row.data(0, REF_ROLE)
        if ref:
            self.chosen_ref = str(ref)
            self.accept()


EDIT_FIELDS = (
    ("title", "Title"),
    ("version", "Version"),
    ("owner", "Owner"),
    ("document_ref", "Document reference"),
    ("approved_on", "Approved"),
    ("review_due_on", "Review due"),
)


def conflict_text(exc: ChangedElsewhere, mine: evidence.EvidenceEdit) -> str:
    """The refusal, then each field where the user's unsaved value differs from the one stored now."""
    lines = [workers.error_message(exc) + "."]
    for name, label in EDIT_FIELDS:
        yours, stored = getattr(mine, name, None), getattr(exc.theirs, name, None)
        if yours is not None and yours != stored:
            lines.append(f"{label}: yours “{yours}”, now “{stored or ''}”")
    return "\n".join(lines)


def edit_item(parent: QWidget, ctx: GuiContext, item: EvidenceRecord) -> bool:
    dialog = EvidenceDialog(ctx.app, "", parent, editing=item)
    while dialog.exec() == QDialog.DialogCode.Accepted:
        try:
            evidence.edit_evidence(
                ctx.workspace, item.id, dialog.edit(), actor=ctx.actor, expected_version=item.row_version
            )
        except ChangedElsewhere as exc:  # never over a colleague's change: say what each had, then reload
            QMessageBox.warning(parent, "Edit evidence", conflict_text(exc, dialog.edit()))
            return True
        except ACTIONABLE_ERRORS as exc:
            dialog.message.show_message(workers.error_message(exc))
            continue
        return True
    return False


def link_item(parent: QWidget, ctx: GuiContext, item: EvidenceRecord) -> bool:
    dialog = LinkDialog(ctx, item, parent)
    while dialog.exec() == QDialog.DialogCode.Accepted:
        try:
            evidence.add_targets(ctx.workspace, ctx.app, item.id, [dialog.refs.text()], actor=ctx.actor)
        except ACTIONABLE_ERRORS as exc:
            dialog.message.show_message(workers.error_message(exc))
            continue
        return True
    return False


def retire_item(parent: QWidget, ctx: GuiContext, item: EvidenceRecord) -> bool:
    """Retire (after asking) or, for a retired item, bring it back."""
    try:
        if item.is_retired:
            evidence.restore(ctx.workspace, item.id, actor=ctx.actor)
            return True
        used = evidence.where_used(ctx.workspace, ctx.app, item.id)
        supports = ", ".join(str(t) for t in used.statements) or "no statement"
        answer = QMessageBox.question(
            parent,
            "Retire evidence",
            f"Retire {evidence_label(item.id)} “{item.title}”?\n\nIt supports {supports}"
            + (f" and {len(used.checklist_items)} checklist item(s)" if used.checklist_items else "")
            + ". It is kept with its history, but no longer counted, reminded or put in the pack. "
            "Retired items can be restored from the Evidence library.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        evidence.retire(ctx.workspace, item.id, actor=ctx.actor)
        return True
    except ACTIONABLE_ERRORS as exc:
        QMessageBox.warning(parent, "Retire evidence", workers.error_message(exc))
        return False


def show_where_used(parent: QWidget, ctx: GuiContext, item: EvidenceRecord) -> str:
    """Show where ``item`` is used; the statement the user chose to go to, or ""."""
    try:
        used = evidence.where_used(ctx.workspace, ctx.app, item.id)
    except ACTIONABLE_ERRORS as exc:
        QMessageBox.warning(parent, "Where used", workers.error_message(exc))
        return ""
    dialog = WhereUsedDialog(used, ctx, parent)
    dialog.exec()
    return dialog.chosen_ref


# -- the library ---------------------------------------------------------------------------------------


class EvidenceLibrary(QWidget):
    """Every evidence item with a filter (in use, unsorted, retired, all) and the actions on one."""

    changed = Signal()  # an item was added, linked, edited or retired
    go_to_statement = Signal(str)

    COLUMNS = ("Id", "Title", "Version", "Owner", "Review due", "Supports")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx: GuiContext | None = None
        self.items: list[EvidenceRecord] = []
        self._stale = True
        self.setObjectName("evidence-library")
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        show = QLabel("Sh&ow:")
        self.filter = QComboBox()
        self.filter.setAccessibleName("Show evidence")
        for text, key in (
            ("In use", CURRENT),
            ("Unsorted: not linked to a statement yet", UNSORTED),
            ("Retired", RETIRED),
            ("All, retired and replaced versions too", ALL),
        ):
            self.filter.addItem(text, key)
        show.setBuddy(self.filter)
        self.filter.currentIndexChanged.connect(self.reload)
        top.addWidget(show)
        top.addWidget(self.filter)
        top.addStretch(1)
        self.count = QLabel()
        top.addWidget(self.count)
        layout.addLayout(top)
        hint = QLabel("Drop files here to add them to Unsorted; drop them on a statement to link them to it.")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.table = _table(list(self.COLUMNS), "Evidence items")
        self.table.horizontalHeader().setSectionResizeMode(0, self.table.horizontalHeader().ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, self.table.horizontalHeader().ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.where_used())
        layout.addWidget(self.table, 1)
        # Unsorted view only: what the selected document most likely supports (services/suggest.py).
        self.suggestions = SuggestionsPanel()
        self.suggestions.accepted.connect(lambda _item_id: self._done(True))
        self.suggestions.hide()
        layout.addWidget(self.suggestions, 1)
        row = QHBoxLayout()
        self.add_button = self._button(row, "&Add files…", "Add evidence files to Unsorted", self.add_files)
        row.addStretch(1)
        self.link_button = self._button(
            row, "&Link to statements…", "Link the selected evidence to statements", self.link
        )
        self.edit_button = self._button(row, "Ed&it details…", "Edit the selected evidence's details", self.edit)
        self.retire_button = self._button(row, "&Retire", "Retire the selected evidence", self.retire)
        self.where_button = self._button(row, "&Where used…", "Where the selected evidence is used", self.where_used)
        layout.addLayout(row)
        self._selection_changed()

    @staticmethod
    def _button(row: QHBoxLayout, text: str, name: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.clicked.connect(slot)
        row.addWidget(button)
        return button

    def set_context(self, ctx: GuiContext) -> None:
        self.ctx = ctx
        self.suggestions.set_context(ctx)
        self.reload()

    def show_filter(self, key: str) -> None:
        self.filter.setCurrentIndex(max(self.filter.findData(key), 0))

    def reload(self) -> None:
        """Read the items again; while the library is hidden, when it is next shown (not for first paint)."""
        if self.ctx is None:
            return
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        key = self.filter.currentData()
        try:
            self.items = evidence.list_evidence(
                self.ctx.workspace,
                include_superseded=key == ALL,
                include_retired=key in (RETIRED, ALL),
                unsorted=key == UNSORTED,
            )
        except ACTIONABLE_ERRORS as exc:
            QMessageBox.warning(self, "Evidence", workers.error_message(exc))
            return
        if key == RETIRED:
            self.items = [item for item in self.items if item.is_retired]
        self.table.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            if item.is_retired:
                supports = f"Retired {item.retired_at:%d %b %Y} by {item.retired_by}"
            elif item.superseded_by_id is not None:
                supports = f"Replaced by {evidence_label(item.superseded_by_id)}"
            else:
                supports = ", ".join(str(t) for t in item.targets) or "Unsorted"
            due = uk_date(item.review_due_on)
            overdue = item.review_overdue()
            self.table.setItem(row, 0, _cell(evidence_label(item.id)))
            self.table.setItem(row, 1, _cell(item.title, tooltip=item.file_name or item.link_url or ""))
            self.table.setItem(row, 2, _cell(item.version))
            self.table.setItem(row, 3, _cell(item.owner))
            self.table.setItem(row, 4, _cell(due, overdue=overdue))
            self.table.setItem(row, 5, _cell(supports))
        unsorted = sum(1 for item in self.items if item.is_unsorted and not item.is_retired)
        self.count.setText(f"{len(self.items)} item(s)" + (f", {unsorted} unsorted" if unsorted else ""))
        self._selection_changed()

    def selected(self) -> EvidenceRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.items[rows[0].row()] if rows and rows[0].row() < len(self.items) else None

    def select_id(self, item_id: int) -> bool:
        for row, item in enumerate(self.items):
            if item.id == item_id:
                self.table.selectRow(row)
                return True
        return False

    def _selection_changed(self) -> None:
        item = self.selected()
        usable = item is not None and item.superseded_by_id is None
        for button in (self.link_button, self.edit_button):
            button.setEnabled(usable and not item.is_retired)
        self.retire_button.setEnabled(usable)
        self.retire_button.setText("&Restore" if item is not None and item.is_retired else "&Retire")
        self.where_button.setEnabled(item is not None)
        self._suggest_for(item)

    def _suggest_for(self, item: EvidenceRecord | None) -> None:
        unsorted_view = self.filter.currentData() == UNSORTED
        self.suggestions.setVisible(unsorted_view)
        if not unsorted_view:
            return
        wanted = item.id if item is not None and item.is_file and item.is_unsorted else None
        if wanted != self.suggestions.item_id or wanted is None:
            self.suggestions.show_item(wanted, item.title if item is not None else "")

    def _done(self, changed: bool) -> None:
        if changed:
            self.reload()
            self.changed.emit()

    def add_files(self) -> workers.Worker | None:
        if self.ctx is None:
            return None
        names, _ = QFileDialog.getOpenFileNames(self, "Choose evidence files to add to Unsorted")
        return self.add_paths([Path(name) for name in names])

    def add_paths(self, paths: list[Path]) -> workers.Worker | None:
        if self.ctx is None or not paths:
            return None
        self.show_filter(UNSORTED)
        return evidence_intake.add_files(self, self.ctx, paths, None, on_done=lambda _r: self.reload())

    def link(self) -> bool:
        item = self.selected()
        return item is not None and self.ctx is not None and self._result(link_item(self, self.ctx, item))

    def edit(self) -> bool:
        item = self.selected()
        return item is not None and self.ctx is not None and self._result(edit_item(self, self.ctx, item))

    def retire(self) -> bool:
        item = self.selected()
        return item is not None and self.ctx is not None and self._result(retire_item(self, self.ctx, item))

    def where_used(self) -> str:
        item = self.selected()
        if item is None or self.ctx is None:
            return ""
        ref = show_where_used(self, self.ctx, item)
        if ref:
            self.go_to_statement.emit(ref)
        return ref

    def _result(self, changed: bool) -> bool:
        self._done(changed)
        return changed

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if evidence_intake.dropped_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = evidence_intake.dropped_files(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)
