"""The details step after files are dropped or added: title, version, owner, document reference and
review date, for one file in the evidence dialog or for several in a table, before they are stored.

The titles are filled in from the file names (without NHS-number-like numbers), so Enter adds the
files as they are; every detail can still be changed later (Evidence library, Edit details). A
detail that looks like it holds an NHS number, or a date that cannot be read, is said in the dialog
with the field focused, and nothing is stored until it is put right or the step is cancelled.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.gui.dialogs import EvidenceDialog, _buttons
from qsi_desktop.gui.widgets import MessageLabel, OptionalDateEdit
from qsi_desktop.privacy import find_nhs_numbers
from qsi_desktop.services.app import App
from qsi_desktop.services.evidence import EvidenceDetails, title_from_file_name

COLUMNS = ("File", "Title", "Version", "Owner", "Document ref", "Review due")
COL_FILE, COL_TITLE, COL_VERSION, COL_OWNER, COL_DOCUMENT, COL_REVIEW = range(len(COLUMNS))
TEXT_COLUMNS = (COL_TITLE, COL_VERSION, COL_OWNER, COL_DOCUMENT)
WIDTHS = {COL_FILE: 210, COL_VERSION: 70, COL_OWNER: 170, COL_DOCUMENT: 110, COL_REVIEW: 180}
NAME_WITHHELD = "(name withheld: NHS-number-like)"
WITHHELD_TIP = "The file name looks like it holds an NHS number: it will not be added. Rename the file first."


def ask_details(
    parent: QWidget | None, app: App, paths: list[Path], ref: str | None
) -> dict[Path, EvidenceDetails] | None:
    """Each file's details (for statement ``ref``, None: Unsorted), or None when the user cancels."""
    if not paths:
        return {}
    dialog: EvidenceDialog | FileDetailsDialog
    if len(paths) == 1:
        dialog = EvidenceDialog(app, ref or "", parent, file=paths[0])
    else:
        dialog = FileDetailsDialog(paths, ref, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return {paths[0]: dialog.details()} if isinstance(dialog, EvidenceDialog) else dialog.details()
    finally:
        # Deleted here, on the GUI thread. The dialog is owned by Python and its signal connections make
        # reference cycles: left to the cyclic garbage collector it could be deleted on whichever thread
        # collects, such as the worker storing the files, which crashed the process.
        dialog.deleteLater()


class FileDetailsDialog(QDialog):
    """A row per file: its title (from the file name), version, owner, document reference, review date."""

    def __init__(self, paths: list[Path], ref: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paths = list(paths)
        self.ref = ref
        self.setObjectName("file-details")
        self.setWindowTitle(f"Details of {len(paths)} files")
        self.setMinimumWidth(960)
        layout = QVBoxLayout(self)
        where = f"linked to {ref}" if ref else "put in Unsorted (Evidence library) to link later"
        intro = QLabel(
            f"The files are added as evidence {where}. Titles come from the file names: change any detail "
            "now, or press Enter to add them as they are (details can be edited later)."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.table = QTableWidget(len(paths), len(COLUMNS))
        self.table.setObjectName("file-details-table")
        self.table.setAccessibleName("Details of the files to add")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # The fields in the cells take the keyboard: Tab goes field by field, row by row, then to the
        # buttons (the table itself would move between its cells and keep Tab for good).
        self.table.setTabKeyNavigation(False)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column, width in WIDTHS.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(COL_TITLE, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.fields: list[dict[int, QLineEdit | OptionalDateEdit]] = []
        self._rows_of: dict[QObject, int] = {}
        for row, path in enumerate(paths):
            withheld = bool(find_nhs_numbers(path.name))
            cell = QTableWidgetItem(NAME_WITHHELD if withheld else path.name)
            cell.setFlags(Qt.ItemFlag.ItemIsEnabled)
            cell.setToolTip(WITHHELD_TIP if withheld else str(path))
            self.table.setItem(row, COL_FILE, cell)
            shown = path.name if not withheld else f"file {row + 1}"
            widgets: dict[int, QLineEdit | OptionalDateEdit] = {}
            for column in TEXT_COLUMNS:
                edit = QLineEdit(title_from_file_name(path.name) if column == COL_TITLE else "")
                edit.setCursorPosition(0)
                edit.setAccessibleName(f"{COLUMNS[column]} of {shown}")
                edit.setFrame(False)
                widgets[column] = edit
            widgets[COL_REVIEW] = OptionalDateEdit(accessible_name=f"Review due of {shown}")
            for column, widget in widgets.items():  # made row by row, so Tab goes along each row
                self.table.setCellWidget(row, column, widget)
                focused = widget.edit if isinstance(widget, OptionalDateEdit) else widget
                focused.installEventFilter(self)
                self._rows_of[focused] = row
            self.fields.append(widgets)
        self.table.resizeRowsToContents()
        layout.addWidget(self.table, 1)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        layout.addWidget(_buttons(self, f"Add {len(paths)} files"))
        if self.fields:
            self.fields[0][COL_TITLE].setFocus(Qt.FocusReason.OtherFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and watched in self._rows_of:  # Tab into a row out of view
            self.table.scrollToItem(self.table.item(self._rows_of[watched], COL_FILE))
        return super().eventFilter(watched, event)

    def _text(self, row: int, column: int) -> str:
        widget = self.fields[row][column]
        return widget.text().strip() if isinstance(widget, QLineEdit) else ""

    def accept(self) -> None:
        for row, widgets in enumerate(self.fields):
            for column in TEXT_COLUMNS:
                if find_nhs_numbers(self._text(row, column)):
                    self._point_at(row, column, "looks like it holds an NHS number: remove it")
                    return
            review = widgets[COL_REVIEW]
            assert isinstance(review, OptionalDateEdit)
            if not review.commit():
                self._point_at(row, COL_REVIEW, review.problem_text())
                return
        super().accept()

    def _point_at(self, row: int, column: int, problem: str) -> None:
        self.message.show_message(f"Row {row + 1}, {COLUMNS[column].lower()}: {problem}")
        self.table.scrollToItem(self.table.item(row, COL_FILE))
        self.fields[row][column].setFocus(Qt.FocusReason.OtherFocusReason)

    def details(self) -> dict[Path, EvidenceDetails]:
        found: dict[Path, EvidenceDetails] = {}
        for row, path in enumerate(self.paths):
            review = self.fields[row][COL_REVIEW]
            assert isinstance(review, OptionalDateEdit)
            found[path] = EvidenceDetails(
                title=self._text(row, COL_TITLE),
                version=self._text(row, COL_VERSION),
                owner=self._text(row, COL_OWNER),
                document_ref=self._text(row, COL_DOCUMENT),
                review_due_on=review.value(),
                targets=[self.ref] if self.ref else [],
            )
        return found
