"""File > Import evidence folder: an existing share of evidence, in three steps.

1. Choose the folder. 2. Preview: a dry run says what would be stored, linked and skipped (and why).
3. Import, on a worker with progress and Cancel; a cancelled import keeps the whole files it committed
and a second run carries on (``services/evidence_tree.py``). Items without a statement land in
Unsorted, where the Evidence library suggests statements for them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.gui import workers
from qsi_desktop.gui.context import GuiContext
from qsi_desktop.gui.widgets import MessageLabel
from qsi_desktop.services import evidence_tree


class TreeImportWizard(QDialog):
    """Choose a folder, preview (dry run), import; ``imported`` is emitted with the summary."""

    imported = Signal(object)  # evidence_tree.TreeSummary

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.worker: workers.Worker | None = None
        self.summary: evidence_tree.TreeSummary | None = None
        self.setWindowTitle("Import evidence folder")
        self.setMinimumSize(720, 480)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Step 1: choose the folder. Step 2: Preview says what would be imported. Step 3: Import. "
            "Statements are read from folder and file names (XR-101, XR101, xr 101; a folder's applies to "
            "what is inside); each file is stored once however many folders hold it; files with no "
            "statement go to Unsorted, where the Evidence library suggests statements."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        label = QLabel("&Folder:")
        self.folder = QLineEdit()
        self.folder.setAccessibleName("Evidence folder to import")
        self.folder.textChanged.connect(self._folder_changed)
        label.setBuddy(self.folder)
        self.browse_button = QPushButton("&Browse…")
        self.browse_button.setAccessibleName("Choose the evidence folder")
        self.browse_button.clicked.connect(self.browse)
        row.addWidget(label)
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse_button)
        layout.addLayout(row)
        self.result = QLabel("Choose a folder, then Preview.")
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.PlainText)
        self.result.setAccessibleName("Import summary")
        self.result.setMinimumHeight(
            self.result.fontMetrics().lineSpacing() * 3
        )  # the skipped list must not squeeze it
        layout.addWidget(self.result)
        self.skipped = QTreeWidget()
        self.skipped.setHeaderLabels(["Skipped or noted", "Why"])
        self.skipped.setAccessibleName("Files skipped, and why")
        self.skipped.setRootIsDecorated(False)
        layout.addWidget(self.skipped, 1)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.setTextVisible(True)
        layout.addWidget(self.progress)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.preview_button = QPushButton("&Preview")
        self.preview_button.setAccessibleName("Preview the import (changes nothing)")
        self.preview_button.clicked.connect(lambda: self.run(dry_run=True))
        self.import_button = QPushButton("&Import")
        self.import_button.setAccessibleName("Import the folder")
        self.import_button.clicked.connect(lambda: self.run(dry_run=False))
        self.cancel_button = QPushButton("&Cancel import")
        self.cancel_button.setAccessibleName("Cancel the preview or import")
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Clo&se")
        self.close_button.setAccessibleName("Close")
        self.close_button.clicked.connect(self.reject)
        for button in (self.preview_button, self.import_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self._set_running(False)

    def browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the evidence folder to import", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def _folder_changed(self) -> None:
        self.summary = None
        self._set_running(False)

    def _set_running(self, running: bool) -> None:
        has_folder = bool(self.folder.text().strip())
        self.folder.setEnabled(not running)
        self.browse_button.setEnabled(not running)
        self.preview_button.setEnabled(has_folder and not running)
        self.import_button.setEnabled(has_folder and not running)
        self.cancel_button.setEnabled(running)
        self.close_button.setEnabled(not running)

    def run(self, *, dry_run: bool) -> workers.Worker | None:
        text = self.folder.text().strip()
        if not text:
            return None
        root = Path(text)
        ws, app, actor = self.ctx.workspace, self.ctx.app, self.ctx.actor

        def work(progress: workers.Progress, cancel: workers.CancelRequested) -> evidence_tree.TreeSummary:
            return evidence_tree.import_tree(
                ws, app, root, actor=actor, dry_run=dry_run, progress=progress, cancel=cancel
            )

        self.message.clear_message()
        self.progress.setRange(0, 0)
        self._set_running(True)
        self.worker = workers.start(
            work,
            name="import evidence folder",
            on_progress=self._progress,
            on_finished=self._finished,
            on_failed=self._failed,
            on_done=lambda: self._set_running(False),
        )
        return self.worker

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.progress.setFormat("cancelling after the file in hand…")

    def _progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"%v of %m files: {message}"[:120] if total else message)

    def _finished(self, summary: evidence_tree.TreeSummary) -> None:
        self.summary = summary
        what = "would store" if summary.dry_run else "stored"
        state = " Cancelled: the files done so far are imported; import again to finish." if summary.cancelled else ""
        self.result.setText(
            f"{'Preview: ' if summary.dry_run else ''}{summary.files} file(s): {what} {summary.stored}, "
            f"{summary.duplicates} duplicate(s) of stored content, {summary.linked} link(s) to statements, "
            f"{summary.unmapped} without a statement (to Unsorted), {len(summary.skipped)} skipped.{state}"
        )
        self.skipped.clear()
        for entry in sorted(summary.skipped, key=lambda e: not e.problem):  # what to act on first, in bold
            row = _skipped_row(entry.path, entry.reason)
            if entry.problem:
                font = row.font(0)
                font.setBold(True)
                row.setFont(0, font)
                row.setFont(1, font)
            self.skipped.addTopLevelItem(row)
        for entry in summary.notes:
            self.skipped.addTopLevelItem(_skipped_row(entry.path, entry.reason))
        self.skipped.resizeColumnToContents(0)
        # A share's deep paths must not push the reason out of sight: the path gets half the width at most.
        half = self.skipped.viewport().width() // 2
        if self.skipped.columnWidth(0) > half:
            self.skipped.setColumnWidth(0, half)
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.progress.setFormat("preview done: nothing stored" if summary.dry_run else "done")
        if not summary.dry_run:
            self.imported.emit(summary)

    def _failed(self, exc: BaseException) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("stopped")
        self.message.show_message(workers.error_message(exc))

    def reject(self) -> None:
        if self.worker is not None and self.cancel_button.isEnabled():
            return  # running: Cancel first (Escape must not leave a worker writing behind a closed window)
        super().reject()


def _skipped_row(path: str, reason: str) -> QTreeWidgetItem:
    """A skipped file and why, each in full as its tooltip (a long path or reason is cut in the column)."""
    row = QTreeWidgetItem([path, reason])
    row.setToolTip(0, path)
    row.setToolTip(1, reason)
    return row
