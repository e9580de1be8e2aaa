"""The column step of a spreadsheet log's import: each header of the file beside the importer's column it
holds, matched already where the header is an accepted spelling, chosen by the user for the rest (a
vendor's own words, a hand-kept sheet). The choices go with the import and are remembered for the
importer when it stores something (``services/import_columns.py``)."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.gui.widgets import MessageLabel
from qsi_desktop.services.import_columns import ColumnPreview, choices_for

NOT_READ_TEXT = "(not read)"


class ColumnChoiceDialog(QDialog):
    def __init__(self, preview: ColumnPreview, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        self.setWindowTitle(f"Columns of {preview.file}")
        self.setObjectName("import-columns-dialog")
        self.resize(620, 460)
        layout = QVBoxLayout(self)
        intro = (
            f"Which column of the {title.lower()} each header of {preview.file} holds. Headers written in "
            "an accepted spelling are matched already (hover over a column for its spellings); choose for "
            "the others. Patient columns are never read."
        )
        if not preview.recognised:
            intro += " No header was recognised, so the file's first row is shown."
        about = QLabel(intro)
        about.setWordWrap(True)
        layout.addWidget(about)
        self.table = QTableWidget(len(preview.header), 2)
        self.table.setAccessibleName("Headers of the file and the column each holds")
        self.table.setHorizontalHeaderLabels(["Header in the file", "Column"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.combos: list[QComboBox] = []
        for row, cell in enumerate(preview.header):
            self.table.setItem(row, 0, QTableWidgetItem(cell or "(empty header)"))
            combo = self._combo(row, cell)
            self.combos.append(combo)
            self.table.setCellWidget(row, 1, combo)
        layout.addWidget(self.table, 1)
        self.status = MessageLabel()
        layout.addWidget(self.status)
        self.box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.box.button(QDialogButtonBox.StandardButton.Ok).setText("Use these columns")
        self.box.accepted.connect(self.accept)
        self.box.rejected.connect(self.reject)
        layout.addWidget(self.box)
        self._update()

    def _combo(self, row: int, cell: str) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(f"Column held by {cell or 'the empty header'}")
        if row in self.preview.patient:
            combo.addItem("Patient data: never read", "")
            combo.setEnabled(False)
            return combo
        combo.addItem(NOT_READ_TEXT, "")
        for column in self.preview.columns:
            required = " (required)" if column in self.preview.required else ""
            combo.addItem(f"{column}{required}", column)
            spellings = ", ".join(self.preview.spellings.get(column, ())[:12])
            tip = f"Accepted spellings: {spellings}" if spellings else column
            combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        current = self.preview.mapped.get(row, "")
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.currentIndexChanged.connect(self._update)
        return combo

    def picked(self) -> list[str]:
        return [str(combo.currentData() or "") for combo in self.combos]

    def choices(self) -> dict[str, str]:
        """Header -> column where the user changed what the header gives (``import_columns.choices_for``)."""
        return choices_for(self.preview, self.picked())

    def _problem(self) -> str:
        picked = [column for column in self.picked() if column]
        twice = [column for column, count in Counter(picked).items() if count > 1]
        if twice:
            return f"Two headers give the {twice[0]} column: choose one of them"
        missing = [column for column in self.preview.required if column not in picked]
        if missing:
            return f"Still to choose: the header holding {', '.join(missing)} (the import needs each)"
        return ""

    def _update(self) -> None:
        problem = self._problem()
        if problem:
            self.status.show_message(problem)
        else:
            self.status.show_message("Every column the import needs has its header.", kind="info")
        self.box.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
