"""File > Import tracker: choose a tracker, see what it would change, map its columns and words, import.

Two pages. The first takes the file. The second is the preview, read on a worker (nothing is stored):
each column of the tracker with the field it fills (a list to change it), each status word the
tracker uses with what it means (a list to change it), what would change, and every row that will
not be imported with its reason. A change of mapping reads the file again. Import stores it all
in one transaction, on a worker, and the window reloads.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from qsi_desktop.gui import workers
from qsi_desktop.gui.context import GuiContext
from qsi_desktop.services import tracker
from qsi_desktop.services.tracker_read import FIELD_LABELS, Cancelled, TrackerPreview
from qsi_desktop.services.values import STATUS_LABELS

_HOW = {
    "matched": "matched by its header",
    "remembered": "as last time",
    "chosen": "chosen",
    "unused": "not read",
    "duplicate": "another column fills this",
}
FILE_FILTER = "Trackers (*.xlsx *.xlsm *.csv *.tsv *.txt)"


class FilePage(QWizardPage):
    def __init__(self, wizard: TrackerWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Choose the tracker")
        self.setSubTitle(
            "A tracker spreadsheet (.xlsx or .csv) with a column of statement references (XR-101, XR 101...); "
            "statuses, owners, comments, evidence links or paths and review dates are read where there are columns."
        )
        self.path = QLineEdit(self)
        self.path.setPlaceholderText("the tracker file")
        self.path.setAccessibleName("Tracker file")
        label = QLabel("&Tracker file:", self)
        label.setBuddy(self.path)
        browse = QPushButton("Bro&wse…", self)
        browse.setAccessibleName("Browse for the tracker file")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.path.textChanged.connect(self.completeChanged)

    def browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import tracker", "", FILE_FILTER)
        if name:
            self.path.setText(name)

    def isComplete(self) -> bool:
        return bool(self.path.text().strip())

    def validatePage(self) -> bool:
        path = Path(self.path.text().strip())
        if not path.is_file():
            self.message.setText(f"{path.name or 'The file'}: no such file.")
            return False
        self.message.clear()
        return True


class PreviewPage(QWizardPage):
    def __init__(self, wizard: TrackerWizard) -> None:
        super().__init__(wizard)
        self.owner = wizard
        self.setTitle("Check what the import will do")
        self.setSubTitle(
            "Nothing changes until you choose Import. Change a column's field or a word's meaning to read again."
        )
        self.columns_form = QFormLayout()
        self.words_form = QFormLayout()
        columns_label = QLabel("Columns of the tracker, and the field each fills:", self)
        words_label = QLabel("Status words in the tracker, and what each means:", self)
        self.counts = QLabel(self)
        self.counts.setWordWrap(True)
        self.counts.setObjectName("tracker-counts")
        self.issues = QListWidget(self)
        self.issues.setAccessibleName("Rows: what will change, and what will not be imported")
        self.issues.setWordWrap(True)
        issues_label = QLabel("&Rows: what will change, and what will not be imported:", self)
        issues_label.setBuddy(self.issues)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        for label, form in ((columns_label, self.columns_form), (words_label, self.words_form)):
            column = QVBoxLayout()
            column.addWidget(label)
            column.addWidget(_scrolling(form, self), 1)
            row.addLayout(column, 1)
        layout.addLayout(row, 3)
        layout.addWidget(self.counts)
        layout.addWidget(issues_label)
        layout.addWidget(self.issues, 2)

    def initializePage(self) -> None:
        self.owner.read_preview()

    def isComplete(self) -> bool:
        result = self.owner.result
        return bool(result is not None and result.ok and result.planned and not self.owner.busy)

    def show_result(self, result: TrackerPreview) -> None:
        _clear(self.columns_form)
        _clear(self.words_form)
        for column in result.columns:
            if column.use == "patient":
                shown = QLabel("patient data: never read", self)
                self.columns_form.addRow(_plain_label(column.header, self), shown)
                continue
            combo = QComboBox(self)
            combo.setAccessibleName(f"Field for column {column.header}")
            combo.addItem("(not read)", "")
            for key, label in FIELD_LABELS.items():
                combo.addItem(label, key)
            combo.setCurrentIndex(max(0, combo.findData(column.field or "")))
            combo.setToolTip(_HOW.get(column.use, ""))
            combo.currentIndexChanged.connect(
                lambda _i, h=column.header, c=combo: self.owner.map_column(h, c.currentData())
            )
            self.columns_form.addRow(_plain_label(column.header, self), combo)
        for word in result.words:
            combo = QComboBox(self)
            combo.setAccessibleName(f"Meaning of the status {word.shown}")
            combo.addItem("(not known: rows rejected)", "")
            for key, label in STATUS_LABELS.items():
                combo.addItem(label, key)
            combo.setCurrentIndex(max(0, combo.findData(word.status or "")))
            combo.currentIndexChanged.connect(lambda _i, k=word.key, c=combo: self.owner.map_word(k, c.currentData()))
            rows = "1 row" if word.rows == 1 else f"{word.rows} rows"
            self.words_form.addRow(_plain_label(f"{word.shown} ({rows})", self), combo)
        if result.missing:
            self.counts.setText(f"No column holds the {', '.join(result.missing).lower()}: choose one above.")
        else:
            where = f", sheet {result.sheet}" if result.sheet else ""
            self.counts.setText(
                f"{result.file_name}{where}, header on row {result.header_row}: {result.rows} rows. "
                f"{len(result.planned)} will change the workspace, {len(result.unchanged)} change nothing, "
                f"{len(result.rejected)} cannot be imported, {result.blank_rows} blank."
            )
        self.issues.clear()
        self.issues.addItems([f"Row {i.row}: not imported: {i.reason}" for i in result.rejected])
        self.issues.addItems([f"Row {i.row}: imported, but {i.reason}" for i in result.warnings])
        self.issues.addItems(
            [f"Row {p.row}: {p.ref} will change: {'; '.join(p.details or p.changes)}" for p in result.planned]
        )
        self.completeChanged.emit()


def _plain_label(text: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)  # a header is text: no rich text, no mnemonic
    label.setText(text)
    return label


def _scrolling(form: QFormLayout, parent: QWidget) -> QScrollArea:
    area = QScrollArea(parent)
    area.setWidgetResizable(True)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    inner = QWidget(area)
    inner.setLayout(form)
    area.setWidget(inner)
    return area


def _clear(form: QFormLayout) -> None:
    while form.rowCount():
        form.removeRow(0)


class TrackerWizard(QWizard):
    """The wizard; ``result`` is the latest preview, ``imported`` the outcome once Import has run."""

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None, path: Path | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Import tracker")
        self.setObjectName("tracker-wizard")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Import")
        self.result: TrackerPreview | None = None
        self.imported: tracker.TrackerResult | None = None
        self.mapping: dict[str, str] | None = None
        self.words: dict[str, str] | None = None
        self.busy = False
        self.file_page = FilePage(self)
        self.preview_page = PreviewPage(self)
        self.addPage(self.file_page)
        self.addPage(self.preview_page)
        if path is not None:
            self.file_page.path.setText(str(path))
        self.resize(900, 640)

    @property
    def path(self) -> Path:
        return Path(self.file_page.path.text().strip())

    def read_preview(self) -> workers.Worker:
        """Read the tracker (on a worker) with the mappings chosen so far."""
        ws, app, path, mapping, words = self.ctx.workspace, self.ctx.app, self.path, self.mapping, self.words
        self._set_busy(True, f"Reading {path.name}…")

        def work(progress: workers.Progress, cancel: workers.CancelRequested) -> TrackerPreview:
            try:
                return tracker.preview(
                    ws, app, path, mapping=mapping, status_map=words, on_progress=progress, cancel=cancel
                )
            except Cancelled:
                raise workers.Cancelled() from None

        return workers.run_with_progress(
            self,
            "Import tracker",
            f"Reading {path.name}",
            work,
            on_finished=self._previewed,
            on_failed=self._failed,
            on_done=lambda: self._set_busy(False),
        )

    def _previewed(self, result: TrackerPreview) -> None:
        self.result = result
        self.mapping = result.mapping
        self.words = dict(result.status_map)
        self.preview_page.show_result(result)

    def _failed(self, exc: BaseException) -> None:
        self.result = None
        self.preview_page.counts.setText(workers.error_message(exc))
        self.preview_page.issues.clear()
        self.preview_page.completeChanged.emit()

    def _set_busy(self, busy: bool, message: str = "") -> None:
        self.busy = busy
        if busy and message:
            self.preview_page.counts.setText(message)
        self.preview_page.completeChanged.emit()

    def map_column(self, header: str, field: str) -> None:
        self.mapping = {**(self.mapping or {}), header: field}
        self.read_preview()

    def map_word(self, key: str, status: str) -> None:
        words = dict(self.words or {})
        if status:
            words[key] = status
        else:
            words.pop(key, None)
        self.words = words
        self.read_preview()

    def accept(self) -> None:
        """Import: store the preview in one transaction on a worker; the wizard closes when it is done."""
        result = self.result
        if result is None or self.busy:
            return
        ws, app, actor = self.ctx.workspace, self.ctx.app, self.ctx.actor
        self._set_busy(True, "Importing…")

        def work(progress: workers.Progress, cancel: workers.CancelRequested) -> tracker.TrackerResult:
            try:
                return tracker.commit(ws, app, result, actor=actor, cancel=cancel)
            except Cancelled:
                raise workers.Cancelled() from None

        workers.run_with_progress(
            self,
            "Import tracker",
            f"Importing {result.file_name}",
            work,
            on_finished=self._imported,
            on_failed=self._failed,
            on_done=lambda: self._set_busy(False),
        )

    def _imported(self, done: tracker.TrackerResult) -> None:
        self.imported = done
        self.ctx.changed()
        super().accept()

    def summary_text(self) -> str:
        done = self.imported
        if done is None:
            return ""
        return (
            f"{done.imported} statements updated, {done.unchanged} unchanged, {done.rejected} rows not imported; "
            f"{done.evidence_added} evidence items added, {done.links_added} links made."
        )
