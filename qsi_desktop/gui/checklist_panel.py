"""A plugin's checklist templates as a tree: read-only, or answered in place when there is a workspace.

Plugins call :func:`checklist_tree` from inside their panel factory, so their ``gui`` module stays
importable without Qt. Without a context (or one without a workspace) the tree only lists the
templates and their items. With one, each item row carries an answer, a note and an evidence link;
every change is saved at once through :func:`qsi_desktop.services.checklists.answer_item` (one small
transaction, so on the GUI thread), and a refused change is shown in the panel while the row goes
back to what is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QShowEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.gui.style import NHS_DARK_BLUE, NHS_PALE_GREY, TEXT_MUTED, status_icon
from qsi_desktop.gui.widgets import MessageLabel
from qsi_desktop.plugins.types import ChecklistItem, ChecklistTemplate
from qsi_desktop.services import checklists, evidence
from qsi_desktop.services.errors import ACTIONABLE_ERRORS, ChangedElsewhere
from qsi_desktop.services.profile import profile_dict
from qsi_desktop.services.records import ChecklistAnswer, EvidenceRecord

# -- read-only ----------------------------------------------------------------------------------------


def checklist_tree(
    parent: QWidget | None,
    templates: Iterable[ChecklistTemplate],
    *,
    name: str,
    accessible_name: str,
    context: Any = None,
) -> QWidget:
    """The panel for ``templates``: a :class:`ChecklistPanel` when ``context`` has a workspace, else
    a read-only :class:`QTreeWidget` (template rows, their items as children, statements beside)."""
    if context is not None and getattr(context, "workspace", None) is not None:
        return ChecklistPanel(parent, templates, context, name=name, accessible_name=accessible_name)
    return _read_only_tree(parent, templates, name=name, accessible_name=accessible_name)


def _read_only_tree(
    parent: QWidget | None, templates: Iterable[ChecklistTemplate], *, name: str, accessible_name: str
) -> QTreeWidget:
    tree = QTreeWidget(parent)
    tree.setObjectName(name)
    tree.setAccessibleName(accessible_name)
    tree.setHeaderLabels(["Checklist item", "Quality statements"])
    tree.setWordWrap(True)
    for template in templates:
        top = QTreeWidgetItem(tree, [template.title, ", ".join(template.statement_refs)])
        top.setToolTip(0, template.description or template.title)
        for item in template.items:
            child = QTreeWidgetItem(top, [item.text, ", ".join(item.statement_refs)])
            child.setToolTip(0, item.guidance or item.text)
    tree.expandAll()
    header = tree.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the item text gets the room
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
    return tree


# -- answered in place --------------------------------------------------------------------------------

HINT = (
    "Choose an answer for each item: answers and notes are saved as soon as you change them. "
    "Use Link evidence (or right-click an item) to point to the document that shows it."
)
COL_TEXT, COL_ANSWER, COL_NOTE, COL_EVIDENCE, COL_REFS, COL_BY = range(6)
COLUMNS = ("Checklist item", "Answer", "Note", "Evidence", "Statements", "Last answered")
ANSWER_LABELS = {"yes": "Yes", "partial": "Partial", "no": "No", "n/a": "N/A"}
# the status whose colour an answer's icon takes; the label beside it carries the meaning
_ANSWER_ICON = {"yes": "met", "partial": "partially_met", "no": "not_met", "n/a": "not_applicable"}
TEMPLATE_ROLE = Qt.ItemDataRole.UserRole + 1  # template id, on template and item rows
ITEM_ROLE = Qt.ItemDataRole.UserRole + 2  # item key, on item rows only


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def progress_text(summary: dict[str, Any]) -> str:
    """``"3 of 8 answered, 2 yes"`` from :func:`checklists.checklist_dict`."""
    return f"{summary['answered']} of {summary['total']} answered, {summary['yes']} yes"


def evidence_label(item: EvidenceRecord) -> str:
    source = item.file_name or item.link_url or ""
    return f"#{item.id} {item.title}" + (f" ({source})" if source and source != item.title else "")


class AnswerCombo(QComboBox):
    """Blank / Yes / Partial / No / N/A. The mouse wheel scrolls the list past it unless it has focus,
    so scrolling never changes an answer by accident."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.addItem("", "")
        for answer in checklists.ANSWERS:
            self.addItem(status_icon(_ANSWER_ICON[answer]), ANSWER_LABELS[answer], answer)
        self.setItemData(0, "No answer", Qt.ItemDataRole.AccessibleTextRole)

    def answer(self) -> str:
        return str(self.currentData() or "")

    def set_answer(self, answer: str) -> None:
        self.blockSignals(True)
        self.setCurrentIndex(max(0, self.findData(answer or "")))
        self.blockSignals(False)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class _WrappingDelegate(QStyledItemDelegate):
    """Measures wrapped item text at the width it is painted in. The tree asks for row heights without a
    width (so the text was measured on one line and cut off at paint), and the text starts after the
    indentation."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self._tree = tree

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        if index.column() != COL_TEXT:
            return super().sizeHint(option, index)
        measured = QStyleOptionViewItem(option)
        if index.parent().isValid():  # an item: its text column, after two indentations
            width = self._tree.columnWidth(COL_TEXT) - 2 * self._tree.indentation()
        else:  # a template: spans the row
            width = self._tree.viewport().width() - self._tree.indentation()
        measured.rect = QRect(0, 0, max(80, width), 1000)
        size = super().sizeHint(measured, index)
        return QSize(size.width(), size.height() + (6 if index.parent().isValid() else 10))  # room between rows


@dataclass
class _Row:
    template: ChecklistTemplate
    item: ChecklistItem
    tree_item: QTreeWidgetItem
    answer: AnswerCombo
    note: QLineEdit
    evidence: QPushButton
    stored: ChecklistAnswer | None = None


class EvidenceChooser(QDialog):
    """Pick one evidence item for a checklist item; those linked to the item's statements come first."""

    def __init__(
        self,
        items: list[EvidenceRecord],
        refs: Iterable[str],
        *,
        item_text: str,
        current: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Link evidence")
        self.setMinimumSize(600, 380)
        refs = set(refs)
        layout = QVBoxLayout(self)
        intro = QLabel(f"Evidence that shows: {item_text}")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Type to filter by title, file or statement")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName("Filter evidence")
        self.filter.textChanged.connect(self._filter)
        layout.addWidget(self.filter)
        self.list = QListWidget()
        self.list.setAccessibleName("Evidence items")
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        current_items = [e for e in items if e.superseded_by_id is None or e.id == current]

        for e in sorted(current_items, key=lambda e: (not e.refs & refs, e.title.lower(), e.id)):
            statements = ", ".join(sorted(e.refs))
            entry = QListWidgetItem(f"#{e.id} {e.title}" + (f" — {statements}" if statements else ""))
            entry.setData(Qt.ItemDataRole.UserRole, e.id)
            entry.setToolTip(evidence_label(e))
            self.list.addItem(entry)
            if e.id == current:
                self.list.setCurrentItem(entry)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        layout.addWidget(self.list, 1)
        if not self.list.count():
            empty = QLabel("The workspace has no evidence yet: add it from a statement's Evidence tab first.")
            empty.setWordWrap(True)
            layout.addWidget(empty)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.button(QDialogButtonBox.StandardButton.Ok).setText("Link")
        box.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.list.count()))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self.list.setFocus()

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for row in range(self.list.count()):
            entry = self.list.item(row)
            searched = f"{entry.text()} {entry.toolTip()}".lower()  # the tooltip names the file or link
            entry.setHidden(not all(word in searched for word in words))

    def chosen(self) -> int | None:
        row = self.list.currentRow()
        if row < 0 or self.list.item(row).isHidden():
            return None
        return int(self.list.item(row).data(Qt.ItemDataRole.UserRole))


class ChecklistPanel(QWidget):
    """The templates with an answer, a note and an evidence link on every item, saved as they change."""

    def __init__(
        self,
        parent: QWidget | None,
        templates: Iterable[ChecklistTemplate],
        context: Any,
        *,
        name: str,
        accessible_name: str,
    ) -> None:
        super().__init__(parent)
        self.ctx = context
        self.templates = {t.id: t for t in templates}
        self.setObjectName(name)
        self.setAccessibleName(accessible_name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {TEXT_MUTED};")
        layout.addWidget(self.hint)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)

        self.tree = QTreeWidget(self)
        self.tree.setObjectName(f"{name}-tree")
        self.tree.setAccessibleName(accessible_name)
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setItemDelegateForColumn(COL_TEXT, _WrappingDelegate(self.tree))
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.tree.setTabKeyNavigation(False)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.installEventFilter(self)
        layout.addWidget(self.tree, 1)

        self._tops: dict[str, QTreeWidgetItem] = {}
        self._rows: dict[tuple[str, str], _Row] = {}
        self._evidence: dict[int, EvidenceRecord] = {}
        self._focus_owner: dict[QObject, _Row] = {}
        self._saving: _Row | None = None  # the row being saved: shown as stored even while edited
        self._build()

        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_TEXT, QHeaderView.ResizeMode.Stretch)
        for column, width in ((COL_ANSWER, 112), (COL_NOTE, 260), (COL_EVIDENCE, 180)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        header.setSectionResizeMode(COL_REFS, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_BY, QHeaderView.ResizeMode.ResizeToContents)
        # Wrapped item text needs its rows measured again when the text column changes width.
        self._relayout = QTimer(self)
        self._relayout.setSingleShot(True)
        self._relayout.setInterval(0)
        self._relayout.timeout.connect(self.tree.doItemsLayout)
        header.sectionResized.connect(lambda *_: self._relayout.start())
        self.tree.viewport().installEventFilter(self)
        self.reload()

    # -- building ---------------------------------------------------------------------------------

    def _build(self) -> None:
        bold = QFont()
        bold.setBold(True)
        heading_background = QBrush(QColor(NHS_PALE_GREY))
        previous: QWidget = self.tree
        for template in self.templates.values():
            top = QTreeWidgetItem(self.tree, [template.title])
            top.setData(0, TEMPLATE_ROLE, template.id)
            top.setData(0, ITEM_ROLE, "")  # never None: see _row_for
            top.setFirstColumnSpanned(True)
            top.setFont(0, bold)
            top.setForeground(0, QBrush(QColor(NHS_DARK_BLUE)))
            top.setBackground(0, heading_background)
            top.setToolTip(0, template.description or template.title)
            self._tops[template.id] = top
            for number, item in enumerate(template.items, 1):
                row = self._build_row(template, item, top, number)
                for widget in (row.answer, row.note, row.evidence):
                    QWidget.setTabOrder(previous, widget)
                    previous = widget
        self.tree.expandAll()

    def _build_row(self, template: ChecklistTemplate, item: ChecklistItem, top: QTreeWidgetItem, number: int) -> _Row:
        child = QTreeWidgetItem(top, [item.text, "", "", "", ", ".join(item.statement_refs), ""])
        child.setData(0, TEMPLATE_ROLE, template.id)
        child.setData(0, ITEM_ROLE, item.key)
        child.setToolTip(0, item.guidance or item.text)
        if item.guidance:
            child.setData(0, Qt.ItemDataRole.AccessibleDescriptionRole, item.guidance)
        for column in (COL_REFS, COL_BY):  # level with the answer, however tall the row
            child.setTextAlignment(column, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        where = f"{template.title} item {number}: {_short(item.text)}"

        answer = AnswerCombo()
        answer.setObjectName(f"answer-{template.id}-{item.key}")
        answer.setAccessibleName(f"Answer for {where}")
        answer.setToolTip("Yes, Partial, No or N/A (not applicable); blank for not answered yet")
        answer.activated.connect(lambda _index, t=template.id, k=item.key: self._answer_chosen(t, k))

        note = QLineEdit()
        note.setObjectName(f"note-{template.id}-{item.key}")
        note.setAccessibleName(f"Note for {where}")
        note.setPlaceholderText("Add a note")
        note.setToolTip("A short note (no patient details); saved when you press Enter or leave the field")
        note.editingFinished.connect(lambda t=template.id, k=item.key: self._note_finished(t, k))

        link = QPushButton("Link evidence…")
        link.setObjectName(f"evidence-{template.id}-{item.key}")
        link.setAccessibleName(f"Link evidence for {where}")
        link.clicked.connect(lambda _checked=False, t=template.id, k=item.key: self.choose_evidence(t, k))

        for column, widget in ((COL_ANSWER, answer), (COL_NOTE, note), (COL_EVIDENCE, link)):
            container = QWidget()
            box = QVBoxLayout(container)
            box.setContentsMargins(2, 2, 4, 2)
            box.addWidget(widget, 0, Qt.AlignmentFlag.AlignVCenter)
            self.tree.setItemWidget(child, column, container)
        row = _Row(template, item, child, answer, note, link)
        self._rows[(template.id, item.key)] = row
        for widget in (answer, note, link):
            widget.installEventFilter(self)
            self._focus_owner[widget] = row
        return row

    # -- reading ----------------------------------------------------------------------------------

    def reload(self) -> bool:
        """Show what the workspace holds; False (with the message shown) if it could not be read."""
        try:
            answers = checklists.responses(self.ctx.workspace)
            self._evidence = {e.id: e for e in evidence.list_evidence(self.ctx.workspace)}
            provided = set(profile_dict(self.ctx.workspace)["modalities"])
        except ACTIONABLE_ERRORS as exc:
            self.message.show_message(f"Could not read the checklists: {exc}", "error")
            return False
        missing = sorted({t.modality for t in self.templates.values() if t.modality} - provided)
        if missing:
            self.hint.setText(
                f"The service profile does not include {', '.join(missing)}, so these statements are not "
                f"applicable: answering is optional. {HINT}"
            )
        else:
            self.hint.setText(HINT)
        for template in self.templates.values():
            self._show_template(template, answers)
        return True

    def _reload_template(self, template_id: str) -> None:
        template = self.templates[template_id]
        try:
            answers = checklists.responses(self.ctx.workspace, template_id)
        except ACTIONABLE_ERRORS:  # show what was last read instead
            answers = {
                (template_id, row.item.key): row.stored
                for row in self._rows.values()
                if row.template.id == template_id and row.stored is not None
            }
        self._show_template(template, answers)

    def _show_template(self, template: ChecklistTemplate, answers: dict[tuple[str, str], ChecklistAnswer]) -> None:
        for item in template.items:
            self._show_row(self._rows[(template.id, item.key)], answers.get((template.id, item.key)))
        top = self._tops[template.id]
        summary = progress_text(checklists.checklist_dict(template, answers))
        refs = ", ".join(template.statement_refs)
        top.setText(0, f"{template.title}   —   {summary}" + (f"   ({refs})" if refs else ""))
        top.setData(0, Qt.ItemDataRole.UserRole, summary)
        top.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"{template.title}: {summary}")

    def _show_row(self, row: _Row, response: ChecklistAnswer | None) -> None:
        row.stored = response
        row.answer.set_answer(response.answer if response else "")
        note = response.note if response else ""
        # A note being typed in another row (a menu took the focus, so it is not saved yet) is kept.
        if row.note.text() != note and (row is self._saving or not row.note.isModified()):
            row.note.setText(note)
            row.note.setCursorPosition(0)
        if row is self._saving:
            row.note.setModified(False)
        row.note.setToolTip(note or "A short note (no patient details); saved when you press Enter or leave the field")
        evidence_id = response.evidence_id if response else None
        if evidence_id is None:
            row.evidence.setText("Link evidence…")
            row.evidence.setToolTip("Choose the evidence item that shows this")
            row.evidence.setAccessibleDescription("No evidence linked")
        else:
            linked = self._evidence.get(evidence_id)
            label = evidence_label(linked) if linked else f"#{evidence_id}"
            metrics = row.evidence.fontMetrics()
            title = linked.title if linked else label
            row.evidence.setText(metrics.elidedText(title, Qt.TextElideMode.ElideRight, 145))
            row.evidence.setToolTip(f"Evidence: {label}. Click to link another item.")
            row.evidence.setAccessibleDescription(f"Linked evidence: {label}")
        by = ""
        if response is not None and response.updated_by:
            when = response.updated_at
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            local = when.astimezone()  # %-d is not portable (Windows)
            by = f"{response.updated_by}\n{local.day} {local:%b %Y}"
            row.tree_item.setToolTip(COL_BY, f"{response.updated_by} at {local:%H:%M} on {local.day} {local:%B %Y}")
        row.tree_item.setText(COL_BY, by)
        row.tree_item.setForeground(COL_BY, QBrush(QColor(TEXT_MUTED)))

    # -- saving -----------------------------------------------------------------------------------

    def _save(
        self,
        template_id: str,
        item_key: str,
        *,
        answer: str | None = None,
        note: str | None = None,
        evidence_id: int | None = None,
        unlink: bool = False,
    ) -> bool:
        row = self._rows[(template_id, item_key)]
        self._saving = row
        try:
            return self._save_row(row, answer=answer, note=note, evidence_id=evidence_id, unlink=unlink)
        finally:
            self._saving = None

    def _save_row(
        self, row: _Row, *, answer: str | None, note: str | None, evidence_id: int | None, unlink: bool = False
    ) -> bool:
        template_id, item_key = row.template.id, row.item.key
        stored_answer = row.stored.answer if row.stored else ""
        try:
            checklists.answer_item(
                self.ctx.workspace,
                self.ctx.app,
                template_id,
                item_key,
                stored_answer if answer is None else answer,
                note=note,
                evidence_id=evidence_id,
                unlink_evidence=unlink,
                actor=self.ctx.actor,
                expected_version=row.stored.row_version if row.stored else 0,
            )
        except ChangedElsewhere as exc:  # a colleague's answer is shown; a note typed here is kept to re-save
            self._reload_template(template_id)
            theirs = f" Their note: “{_short(exc.theirs.note, 80)}”." if exc.theirs and exc.theirs.note else ""
            if note is not None and note.strip() != (row.stored.note if row.stored else ""):
                row.note.setText(note)
                row.note.setModified(True)
                theirs += " Your note is kept in the field: press Enter to save it over theirs."
            self.message.show_message(f"Not saved ({row.template.title}, {_short(row.item.text, 50)}): {exc}.{theirs}")
            return False
        except ACTIONABLE_ERRORS as exc:
            self.message.show_message(f"Not saved ({row.template.title}, {_short(row.item.text, 50)}): {exc}")
            self._reload_template(template_id)
            return False
        if evidence_id is not None and evidence_id not in self._evidence:
            self.reload()
        else:
            self._reload_template(template_id)
        if answer is not None:
            what = f"answer {ANSWER_LABELS[answer]}" if answer else "answer cleared"
        else:
            what = "note" if note is not None else "evidence link removed" if unlink else "evidence link"
        self.message.show_message(
            f"Saved at {datetime.now():%H:%M} ({what}): {row.template.title}, “{_short(row.item.text, 60)}”", "info"
        )
        self.ctx.changed()
        return True

    def _answer_chosen(self, template_id: str, item_key: str) -> None:
        self.set_answer(template_id, item_key, self._rows[(template_id, item_key)].answer.answer())

    def _note_finished(self, template_id: str, item_key: str) -> None:
        self.set_note(template_id, item_key, self._rows[(template_id, item_key)].note.text())

    def set_answer(self, template_id: str, item_key: str, answer: str) -> bool:
        """Save ``answer`` ("" for none yet) as the combo does; True if saved (or already so)."""
        row = self._rows[(template_id, item_key)]
        if answer:
            answer = checklists.parse_answer(answer)
        if answer == (row.stored.answer if row.stored else ""):
            row.answer.set_answer(answer)
            return True
        row.answer.set_answer(answer)
        return self._save(template_id, item_key, answer=answer)

    def set_note(self, template_id: str, item_key: str, note: str) -> bool:
        row = self._rows[(template_id, item_key)]
        if note.strip() == (row.stored.note if row.stored else ""):
            return True
        return self._save(template_id, item_key, note=note)

    def link_evidence(self, template_id: str, item_key: str, evidence_id: int) -> bool:
        row = self._rows[(template_id, item_key)]
        if row.stored is not None and row.stored.evidence_id == evidence_id:
            return True
        return self._save(template_id, item_key, evidence_id=evidence_id)

    def unlink_evidence(self, template_id: str, item_key: str) -> bool:
        row = self._rows[(template_id, item_key)]
        if row.stored is None or row.stored.evidence_id is None:
            return True
        return self._save(template_id, item_key, unlink=True)

    def choose_evidence(self, template_id: str, item_key: str) -> bool:
        """Ask which evidence item shows this checklist item and link it."""
        row = self._rows[(template_id, item_key)]
        try:
            items = evidence.list_evidence(self.ctx.workspace)
        except ACTIONABLE_ERRORS as exc:
            self.message.show_message(f"Could not read the evidence: {exc}")
            return False
        self._evidence = {e.id: e for e in items}
        dialog = EvidenceChooser(
            items,
            row.item.statement_refs or row.template.statement_refs,
            item_text=row.item.text,
            current=row.stored.evidence_id if row.stored else None,
            parent=self,
        )
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen() is None:
            return False
        return self.link_evidence(template_id, item_key, dialog.chosen())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()  # evidence or answers may have changed elsewhere meanwhile

    # -- lookup, for the window and tests -------------------------------------------------------

    def progress(self, template_id: str) -> str:
        return str(self._tops[template_id].data(0, Qt.ItemDataRole.UserRole))

    def row_widgets(self, template_id: str, item_key: str) -> tuple[AnswerCombo, QLineEdit, QPushButton]:
        row = self._rows[(template_id, item_key)]
        return row.answer, row.note, row.evidence

    def item_row(self, template_id: str, item_key: str) -> QTreeWidgetItem:
        return self._rows[(template_id, item_key)].tree_item

    # -- keyboard and menus ---------------------------------------------------------------------

    def _row_for(self, index: QModelIndex) -> _Row | None:
        """The item row at ``index`` (None for a template row). Works through indexes and roles that are
        always set, because PySide6 6.12.0 on Python 3.11 drops a reference to None whenever a Qt call
        hands None back (and on each void call), which ends in "deallocating None"."""
        if not index.isValid():
            return None
        first = index.siblingAtColumn(COL_TEXT)
        return self._rows.get((str(first.data(TEMPLATE_ROLE)), str(first.data(ITEM_ROLE))))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.tree and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            row = self._row_for(self.tree.currentIndex())
            if event.key() == Qt.Key.Key_Tab and not event.modifiers() and row is not None:
                # from the list straight to that item's answer
                row.answer.setFocus(Qt.FocusReason.TabFocusReason)
                return True
        elif event.type() == QEvent.Type.Resize and watched is self.tree.viewport():
            self._fit_columns()
        elif event.type() == QEvent.Type.FocusIn and watched in self._focus_owner:
            row = self._focus_owner[watched]
            self.tree.setCurrentItem(row.tree_item)
            self.tree.scrollToItem(row.tree_item)
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        """Share the width left by the fixed columns: about 60% for the item text, 40% for the note."""
        header = self.tree.header()
        fixed = sum(header.sectionSize(c) for c in (COL_ANSWER, COL_EVIDENCE, COL_REFS, COL_BY))
        note = max(150, min(320, int((self.tree.viewport().width() - fixed) * 0.4)))
        if header.sectionSize(COL_NOTE) != note:
            header.resizeSection(COL_NOTE, note)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.tree.indexAt(pos)
        row = self._row_for(index if index.isValid() else self.tree.currentIndex())
        if row is None:
            return
        menu = QMenu(self)
        menu.addAction("Link &evidence…", lambda: self.choose_evidence(row.template.id, row.item.key))
        unlink = menu.addAction("&Remove evidence link", lambda: self.unlink_evidence(row.template.id, row.item.key))
        unlink.setEnabled(bool(row.stored and row.stored.evidence_id))
        menu.addAction("&Edit note", lambda: row.note.setFocus(Qt.FocusReason.OtherFocusReason))
        clear = menu.addAction("&Clear answer", lambda: self.set_answer(row.template.id, row.item.key, ""))
        clear.setEnabled(bool(row.stored and row.stored.answer))
        menu.exec(self.tree.viewport().mapToGlobal(pos))
