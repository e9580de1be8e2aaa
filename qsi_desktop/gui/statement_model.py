"""The tree of sections and their quality statements, with each statement's status.

:class:`StatementModel` holds one row per section (``XR-5 Radiation safety``) with its statements
as children (``XR-501 Ionising radiation safety (medical exposure)``), and columns for the status
(coloured badge and label), evidence count and next review. :meth:`StatementModel.update_states`
refreshes the status columns in place after a save, so the selection and expansion stay put.

:class:`StatementFilter` narrows the tree by text (reference, name, section or any words of the
statement's text) and by status; a section stays visible while any of its statements does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QStandardItem, QStandardItemModel

from qsi_desktop.catalogue.model import Catalogue, Item, Statement
from qsi_desktop.gui.style import TEXT_MUTED, TEXT_OVERDUE, status_icon
from qsi_desktop.services.readiness_state import StatementState
from qsi_desktop.services.values import uk_date
from qsi_desktop.statuses import status_label

REF_ROLE = Qt.ItemDataRole.UserRole + 1  # "XR-501" on statement rows, "XR-5" on section rows
KIND_ROLE = Qt.ItemDataRole.UserRole + 2  # "section" or "statement"
STATUS_ROLE = Qt.ItemDataRole.UserRole + 3  # status key on statement rows
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 4  # lower-case text the filter searches
OVERDUE_ROLE = Qt.ItemDataRole.UserRole + 5  # True when the statement's review is overdue

SECTION, STATEMENT = "section", "statement"
COLUMNS = ("Quality statement", "Status", "Evidence", "Next review")
COL_NAME, COL_STATUS, COL_EVIDENCE, COL_REVIEW = range(len(COLUMNS))

OVERDUE_FILTER = "review_overdue"  # a status-filter value besides the statuses


def _item_text(items: Iterable[Item]) -> str:
    parts: list[str] = []
    for item in items:
        parts.append(item.text)
        parts.append(_item_text(item.items))
    return " ".join(p for p in parts if p)


def search_text(statement: Statement, section_label: str) -> str:
    return " ".join(
        [
            statement.ref,
            statement.ref.replace("-", " "),
            statement.name,
            section_label,
            statement.statement,
            statement.outcome,
            _item_text(statement.suggestions),
            _item_text(statement.notes),
        ]
    ).lower()


def _plain(text: str = "") -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    return item


class StatementModel(QStandardItemModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self._rows: dict[str, QPersistentModelIndex] = {}
        self._sections: dict[str, QPersistentModelIndex] = {}

    # -- building --------------------------------------------------------------------------------

    def populate(self, catalogue: Catalogue, states: Iterable[StatementState], today: date | None = None) -> None:
        sections = (
            (section.ref, section.label, [(s.ref, s.name, search_text(s, section.label)) for s in section.statements])
            for section in catalogue.sections
        )
        self.populate_sections(sections, states, today)

    def populate_sections(
        self,
        sections: Iterable[tuple[str, str, Iterable[tuple[str, str, str]]]],
        states: Iterable[StatementState],
        today: date | None = None,
    ) -> None:
        """The tree from (section ref, label, [(statement ref, name, search text)]): the catalogue's, or a
        first-paint snapshot's (:mod:`qsi_desktop.services.snapshot`) before the catalogue is loaded."""
        self.removeRows(0, self.rowCount())
        self._rows.clear()
        self._sections.clear()
        bold = QFont()
        bold.setBold(True)
        for section_ref, section_label, statements in sections:
            head = _plain(section_label)
            head.setData(section_ref, REF_ROLE)
            head.setData(SECTION, KIND_ROLE)
            head.setData(section_label.lower(), SEARCH_ROLE)
            head.setFont(bold)
            head.setToolTip(section_label)
            for ref, name, search in statements:
                cells = [_plain(f"{ref} {name}"), _plain(), _plain(), _plain()]
                cells[COL_NAME].setData(ref, REF_ROLE)
                cells[COL_NAME].setData(STATEMENT, KIND_ROLE)
                cells[COL_NAME].setData(search, SEARCH_ROLE)
                cells[COL_EVIDENCE].setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                head.appendRow(cells)
            self.appendRow([head, _plain(), _plain(), _plain()])
        for row in range(self.rowCount()):
            head_index = self.index(row, 0)
            self._sections[head_index.data(REF_ROLE)] = QPersistentModelIndex(head_index)
            for child in range(self.rowCount(head_index)):
                index = self.index(child, 0, head_index)
                self._rows[index.data(REF_ROLE)] = QPersistentModelIndex(index)
        self.update_states(states, today)

    # -- status ----------------------------------------------------------------------------------

    def update_states(self, states: Iterable[StatementState], today: date | None = None) -> None:
        """Show each statement's status, evidence count and next review; summarise each section."""
        today = today or date.today()
        per_section: dict[str, list[StatementState]] = {}
        for state in states:
            index = self._rows.get(state.ref)
            if index is None or not index.isValid():
                continue
            parent = index.parent()
            per_section.setdefault(parent.data(REF_ROLE), []).append(state)
            self._show_state(self.itemFromIndex(QModelIndex(index)), state, today)
        for section_ref, section_states in per_section.items():
            head = self.itemFromIndex(QModelIndex(self._sections[section_ref]))
            self._show_section(head, section_states)

    def _show_state(self, name_item: QStandardItem, state: StatementState, today: date) -> None:
        parent = name_item.parent()
        row = name_item.row()
        status_item = parent.child(row, COL_STATUS)
        evidence_item = parent.child(row, COL_EVIDENCE)
        review_item = parent.child(row, COL_REVIEW)
        overdue = bool(state.applicable and state.next_review_on and state.next_review_on < today)
        label = status_label(state.status)

        name_item.setData(state.status, STATUS_ROLE)
        name_item.setData(overdue, OVERDUE_ROLE)
        status_item.setText(label)
        status_item.setIcon(status_icon(state.status))
        status_item.setData(state.status, STATUS_ROLE)
        evidence_item.setText(str(state.evidence) if state.applicable else "")
        review_item.setText(uk_date(state.next_review_on))

        muted = None if state.applicable else QBrush(QColor(TEXT_MUTED))
        italic = QFont()
        italic.setItalic(not state.applicable)
        for item in (name_item, status_item, evidence_item, review_item):
            item.setData(muted, Qt.ItemDataRole.ForegroundRole)
            item.setFont(italic)

        tip = f"{state.ref} {state.name}\n{label}"
        if state.owner:
            tip += f"; owner: {state.owner}"
        if not state.applicable:
            tip = f"{state.ref} {state.name}\nNot applicable: {state.reason or 'no reason recorded'}"
        elif state.reason:  # applies although the service profile says not: the user's justification
            tip += f"\nApplies by override: {state.reason}"
        if state.applicable and state.open_actions:
            tip += f"\n{state.open_actions} open action(s)"
        if overdue:
            review_item.setData(QBrush(QColor(TEXT_OVERDUE)), Qt.ItemDataRole.ForegroundRole)
            bold = QFont()
            bold.setBold(True)
            review_item.setFont(bold)
            review_item.setToolTip(f"Review overdue since {uk_date(state.next_review_on)}")
            # Red and bold on screen; in words for screen readers (never colour alone).
            review_item.setData(f"{review_item.text()}, review overdue", Qt.ItemDataRole.AccessibleTextRole)
            tip += f"\nReview overdue since {uk_date(state.next_review_on)}"
        else:
            review_item.setToolTip("")
            review_item.setData(None, Qt.ItemDataRole.AccessibleTextRole)
        for item in (name_item, status_item, evidence_item):
            item.setToolTip(tip)
        evidence_item.setToolTip(f"{state.evidence} evidence item(s)" if state.applicable else tip)

    def _show_section(self, head: QStandardItem, states: list[StatementState]) -> None:
        applicable = [s for s in states if s.applicable]
        met = sum(1 for s in applicable if s.status == "met")
        status_cell = self.itemFromIndex(head.index().siblingAtColumn(COL_STATUS))
        status_cell.setText(f"{met} of {len(applicable)} met" if applicable else "Not applicable")
        counts: dict[str, int] = {}
        for state in states:
            counts[state.status] = counts.get(state.status, 0) + 1
        status_cell.setToolTip("\n".join(f"{status_label(k)}: {v}" for k, v in counts.items()))
        if not applicable:
            status_cell.setData(QBrush(QColor(TEXT_MUTED)), Qt.ItemDataRole.ForegroundRole)
        else:
            status_cell.setData(None, Qt.ItemDataRole.ForegroundRole)

    # -- lookup ----------------------------------------------------------------------------------

    def index_for_ref(self, ref: str) -> QModelIndex:
        index = self._rows.get(ref)
        return QModelIndex(index) if index is not None and index.isValid() else QModelIndex()

    def section_count(self) -> int:
        return self.rowCount()

    def statement_count(self) -> int:
        return len(self._rows)

    def status_of(self, ref: str) -> str | None:
        index = self.index_for_ref(ref)
        return index.data(STATUS_ROLE) if index.isValid() else None


class StatementFilter(QSortFilterProxyModel):
    """Shows statements matching every word of the text and the chosen status."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self._words: list[str] = []
        self._status: str | None = None

    def set_text(self, text: str) -> None:
        self._change(words=text.lower().split())

    def set_status(self, status: str | None) -> None:
        self._change(status=status or None)

    def _change(self, **values: object) -> None:
        # Qt 6.10 pairs beginFilterChange() with endFilterChange(); older Qt has invalidateFilter().
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
        for key, value in values.items():
            setattr(self, f"_{key}", value)
        if hasattr(self, "endFilterChange"):
            self.endFilterChange()
        else:
            self.invalidateFilter()

    def is_filtering(self) -> bool:
        return bool(self._words or self._status)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        model = self.sourceModel()
        index = model.index(source_row, COL_NAME, source_parent)
        if index.data(KIND_ROLE) == SECTION:
            # Shown while any statement is (recursive filtering); on its own only when unfiltered.
            return not self.is_filtering()
        if self._status == OVERDUE_FILTER:
            if not index.data(OVERDUE_ROLE):
                return False
        elif self._status and index.data(STATUS_ROLE) != self._status:
            return False
        if not self._words:
            return True
        haystack = index.data(SEARCH_ROLE) or ""
        return all(word in haystack for word in self._words)
