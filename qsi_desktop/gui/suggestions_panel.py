"""Suggested statements for the unsorted item selected in the Evidence library (offline ranking,
``services/suggest.py``): accept one (a normal evidence link) or reject it (not offered again)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.export.names import evidence_label
from qsi_desktop.gui import workers
from qsi_desktop.gui.context import GuiContext
from qsi_desktop.services import suggest
from qsi_desktop.services.errors import ACTIONABLE_ERRORS

TOP = 5


class SuggestionsPanel(QWidget):
    """The ranked statements for one item; read on a worker (a long document takes a moment)."""

    accepted = Signal(int)  # the item linked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx: GuiContext | None = None
        self.item_id: int | None = None
        self.suggestions: list[suggest.Suggestion] = []
        self.worker: workers.Worker | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("Suggested statements: select an unsorted item.")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.list = QTreeWidget()
        self.list.setHeaderLabels(["Statement", "Score", "Name", "Best-matching suggestion"])
        self.list.setAccessibleName("Suggested statements for the selected evidence")
        self.list.setRootIsDecorated(False)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.list.itemActivated.connect(lambda _row, _column: self.accept_selected())
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.accept_button = QPushButton("Accep&t suggestion")
        self.accept_button.setAccessibleName("Link the evidence to the suggested statement")
        self.accept_button.clicked.connect(self.accept_selected)
        self.reject_button = QPushButton("Re&ject suggestion")
        self.reject_button.setAccessibleName("Reject the suggested statement: not offered again for this item")
        self.reject_button.clicked.connect(self.reject_selected)
        row.addWidget(self.accept_button)
        row.addWidget(self.reject_button)
        row.addStretch(1)
        layout.addLayout(row)
        self._selection_changed()

    def set_context(self, ctx: GuiContext) -> None:
        self.ctx = ctx

    def show_item(self, item_id: int | None, title: str = "") -> workers.Worker | None:
        """Rank the statements for ``item_id`` (None: clear)."""
        self.item_id = item_id
        self.suggestions = []
        self.list.clear()
        if self.worker is not None:
            self.worker.cancel()  # its result is dropped below: it is for another item
        if item_id is None or self.ctx is None:
            self.heading.setText("Suggested statements: select an unsorted item.")
            self._selection_changed()
            return None
        self.heading.setText(f"Suggested statements for {evidence_label(item_id)} {title}: reading it…")
        ws, app = self.ctx.workspace, self.ctx.app

        def work(progress: workers.Progress, cancel: workers.CancelRequested) -> list[suggest.Suggestion]:
            return suggest.suggest_item(ws, app, item_id, top=TOP)

        worker = self.worker = workers.Worker(work, name="suggest statements")
        worker.signals.finished.connect(lambda found: self._shown(worker, item_id, title, found))
        worker.signals.failed.connect(lambda exc: self._failed(worker, item_id, exc))
        return worker.start()  # connected first: quick work can be over before start returns

    def _shown(self, worker: workers.Worker, item_id: int, title: str, found: list[suggest.Suggestion]) -> None:
        if worker is not self.worker or item_id != self.item_id:
            return
        self.suggestions = found
        label = f"{evidence_label(item_id)} {title}"
        self.heading.setText(
            f"Suggested statements for {label}, best first: accept to link, reject to hide."
            if found
            else f"No suggestion for {label}: its text shares no words with the standard."
        )
        for suggestion in found:
            row = QTreeWidgetItem([suggestion.ref, f"{suggestion.score:.1f}", suggestion.name, _short(suggestion)])
            row.setToolTip(2, suggestion.name)
            row.setToolTip(3, suggestion.text)
            self.list.addTopLevelItem(row)
        for column in (0, 1):
            self.list.resizeColumnToContents(column)
        self.list.setColumnWidth(2, min(max(self.list.sizeHintForColumn(2), 120), 320))
        if found:
            self.list.setCurrentItem(self.list.topLevelItem(0))
        self._selection_changed()

    def _failed(self, worker: workers.Worker, item_id: int, exc: BaseException) -> None:
        if worker is self.worker and item_id == self.item_id:
            self.heading.setText(f"No suggestions: {workers.error_message(exc)}")

    def selected(self) -> suggest.Suggestion | None:
        row = self.list.currentItem()
        index = self.list.indexOfTopLevelItem(row) if row is not None else -1
        return self.suggestions[index] if 0 <= index < len(self.suggestions) else None

    def _selection_changed(self) -> None:
        chosen = self.selected() is not None
        self.accept_button.setEnabled(chosen)
        self.reject_button.setEnabled(chosen)

    def accept_selected(self) -> bool:
        chosen = self.selected()
        if chosen is None or self.ctx is None or self.item_id is None:
            return False
        try:
            suggest.accept(self.ctx.workspace, self.ctx.app, self.item_id, chosen, actor=self.ctx.actor)
        except ACTIONABLE_ERRORS as exc:
            self.heading.setText(workers.error_message(exc))
            return False
        self.accepted.emit(self.item_id)
        return True

    def reject_selected(self) -> bool:
        chosen = self.selected()
        if chosen is None or self.ctx is None or self.item_id is None:
            return False
        try:
            suggest.reject(self.ctx.workspace, self.ctx.app, self.item_id, chosen.ref, actor=self.ctx.actor)
        except ACTIONABLE_ERRORS as exc:
            self.heading.setText(workers.error_message(exc))
            return False
        index = self.suggestions.index(chosen)
        self.suggestions.pop(index)
        self.list.takeTopLevelItem(index)
        self._selection_changed()
        return True


def _short(suggestion: suggest.Suggestion) -> str:
    key = f"{suggestion.suggestion}: " if suggestion.suggestion else ""
    text = suggestion.text if len(suggestion.text) <= 90 else suggestion.text[:89] + "…"
    return key + text
