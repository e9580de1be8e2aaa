"""The table editor of a plugin's register: a tab in the Modalities area per register that applies.

A model over the rows (not a widget per cell), so a 10,000-row register opens at once; sorting and
the filter run in a proxy. Add and Edit open a form built from the register's fields; Retire keeps
the row (shown with "Show retired") and History lists its audit entries. Import reads .csv or
.xlsx into a preview (the columns found and the field each fills, accepted spellings, bad rows by
number and reason) in which columns can be mapped by hand; nothing is stored until Import is pressed.
All rules are the services': the GUI only shows their results and messages.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.errors import QsiError
from qsi_desktop.export.names import evidence_label
from qsi_desktop.gui.context import GuiContext
from qsi_desktop.plugins.guard import PluginError
from qsi_desktop.plugins.types import Register, RegisterField
from qsi_desktop.services import evidence, register_io, registers
from qsi_desktop.services.registers import RegisterRowRecord, display

_ModelIndex = QModelIndex | QPersistentModelIndex


def _header(field: RegisterField) -> str:
    return f"{field.label} ({field.unit})" if field.unit else field.label


class RegisterModel(QAbstractTableModel):
    """The rows of one register: a column per field, then the row's flags."""

    def __init__(self, register: Register, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.register = register
        self.rows: list[RegisterRowRecord] = []
        self.flags_of: list[str] = []
        self._fields = register.fields

    def set_rows(self, rows: list[RegisterRowRecord], flags: list[str]) -> None:
        self.beginResetModel()
        self.rows, self.flags_of = rows, flags
        self._texts: list[str | None] = [None] * len(rows)
        self.endResetModel()

    def search_text(self, row: int) -> str:
        """Every cell of a row as one lowercase text, made when the filter first asks."""
        text = self._texts[row]
        if text is None:
            record = self.rows[row]
            cells = (display(f, record.values.get(f.key)) for f in self._fields)
            text = self._texts[row] = "\x1f".join((*cells, self.flags_of[row])).casefold()
        return text

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in Python on the typed values (numbers as numbers), empty cells last in either order."""
        if not 0 <= column <= len(self._fields):
            return
        self.layoutAboutToBeChanged.emit()
        paired = list(zip(self.rows, self.flags_of, self._texts, strict=True))
        if column == len(self._fields):
            value = [flags for _row, flags, _text in paired]
        else:
            key = self._fields[column].key
            value = [row.values.get(key) for row, _flags, _text in paired]
        filled = [i for i, v in enumerate(value) if v is not None and v != ""]
        empty = [i for i, v in enumerate(value) if v is None or v == ""]
        filled.sort(key=lambda i: _sort_key(value[i]), reverse=order == Qt.SortOrder.DescendingOrder)
        ordered = [paired[i] for i in filled + empty]
        self.rows = [p[0] for p in ordered]
        self.flags_of = [p[1] for p in ordered]
        self._texts = [p[2] for p in ordered]
        self.layoutChanged.emit()

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._fields) + 1

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        if section == len(self._fields):
            return "Flags"
        field = self._fields[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return field.help or None
        return _header(field)

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column == len(self._fields):
                return self.flags_of[index.row()]
            text = display(self._fields[column], row.values.get(self._fields[column].key))
            return f"{text} (retired)" if row.retired and column == 0 else text
        if role == Qt.ItemDataRole.ForegroundRole and row.retired:
            return QBrush(QColor("#768692"))  # NHS mid grey
        if role == Qt.ItemDataRole.ForegroundRole and column == len(self._fields) and self.flags_of[index.row()]:
            return QBrush(QColor("#d5281b"))  # NHS red
        return None


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool | int | float):
        return (0, float(value))
    return (1, str(value).casefold())


class _Proxy(QSortFilterProxyModel):
    """Filters on the model's row texts, in one pass of plain string tests (no cell calls)."""

    def __init__(self, model: RegisterModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSourceModel(model)
        self._model = model
        self._needle = ""

    def set_text(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10 and later
            self.beginFilterChange()
            self._needle = text.strip().casefold()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._needle = text.strip().casefold()
            self.invalidateFilter()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._model.sort(column, order)

    def filterAcceptsRow(self, source_row: int, source_parent: _ModelIndex) -> bool:
        return not self._needle or self._needle in self._model.search_text(source_row)


class RegisterEditor(QWidget):
    """Add, edit, retire, history, sort, filter, import and export for one register."""

    def __init__(self, register: Register, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.register = register
        self.ctx = ctx
        self._loaded = False
        self._fitted = False
        self.setObjectName(f"register-{register.id}")
        self.setAccessibleName(register.title)
        self.model = RegisterModel(register, self)
        self.proxy = _Proxy(self.model, self)

        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter rows")
        self.filter.setAccessibleName(f"Filter {register.title}")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.set_text)
        self.show_retired = QCheckBox("Show retired", self)
        self.show_retired.toggled.connect(lambda _on: self.reload())
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for name, handler in (
            ("Add…", self.add_row),
            ("Edit…", self.edit_selected),
            ("Retire", self.retire_selected),
            ("History", self.show_history),
            ("Import…", self.choose_import),
            ("Export…", self.choose_export),
            ("Snapshot as evidence", self.snapshot),
        ):
            button = QPushButton(name, self)
            button.clicked.connect(lambda _checked=False, h=handler: h())
            buttons.addWidget(button)
            self.buttons[name.rstrip("…")] = button
        buttons.addStretch(1)
        buttons.addWidget(self.filter)
        buttons.addWidget(self.show_retired)

        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setAccessibleName(f"{register.title} rows")
        # The model sorts (in the order rows were added until a header is clicked); the proxy only filters.
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row measuring
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        rows.hide()
        columns = self.table.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for number, field in enumerate(register.fields):
            width = self.fontMetrics().horizontalAdvance(_header(field)) + 36
            self.table.setColumnWidth(number, max(90, min(260, width)))
        columns.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        if register.description:
            about = QLabel(register.description, self)
            about.setWordWrap(True)
            layout.addWidget(about)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)

    # -- loading -----------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.reload()

    def _fit_columns(self, sample: int = 200) -> None:
        """Each column as wide as its header and the first rows' text, within bounds, and together no wider
        than the view: names stay readable and the flags (the last column) stay in sight. Once, so a
        width the user set is kept."""
        self._fitted = True
        metrics = self.fontMetrics()
        rows = min(sample, self.model.rowCount())
        widths = []
        for column in range(self.model.columnCount()):
            texts = [str(self.model.headerData(column, Qt.Orientation.Horizontal) or "")]
            texts += [str(self.model.index(row, column).data() or "") for row in range(rows)]
            widths.append(max(70, min(320, max(metrics.horizontalAdvance(text) for text in texts) + 24)))
        available = self.table.viewport().width()
        if sum(widths) > available > 0:  # narrower, all but the flags, down to a floor
            others = sum(widths[:-1])
            scale = max(0.4, (available - widths[-1]) / others) if others else 1.0
            widths = [max(60, int(w * scale)) for w in widths[:-1]] + widths[-1:]
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width)

    def reload(self) -> None:
        """Read the rows again (and their flags) from the workspace."""
        self._loaded = True
        rows = registers.list_rows(self.ctx.workspace, self.register, include_retired=self.show_retired.isChecked())
        flags = [self._flags(row) for row in rows]
        self.model.set_rows(rows, flags)
        header = self.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())  # as the user last sorted
        if not self._fitted:
            self._fit_columns()
        retired = sum(1 for row in rows if row.retired)
        flagged = sum(1 for f in flags if f)
        text = f"{len(rows) - retired} rows"
        if retired:
            text += f", {retired} retired"
        if flagged:
            text += f"; {flagged} flagged"
        self.summary.setText(text)

    def _flags(self, row: RegisterRowRecord) -> str:
        if self.register.flags is None or row.retired:
            return ""
        try:
            return "; ".join(registers.row_flags(self.ctx.app, self.register, row.values))
        except PluginError as exc:
            return f"flags failed: {exc.cause}"

    # -- selection ---------------------------------------------------------------------------------

    def selected_row(self) -> RegisterRowRecord | None:
        indexes = self.table.selectionModel().selectedRows()
        if not indexes:
            return None
        return self.model.rows[self.proxy.mapToSource(indexes[0]).row()]

    def select_row(self, row_id: int) -> bool:
        for number, row in enumerate(self.model.rows):
            if row.id == row_id:
                index = self.proxy.mapFromSource(self.model.index(number, 0))
                if not index.isValid():
                    return False
                self.table.selectRow(index.row())
                self.table.scrollTo(index)
                return True
        return False

    def _warn(self, text: str) -> None:
        QMessageBox.warning(self, self.register.title, text)

    # -- writing -----------------------------------------------------------------------------------

    def add_row(self, values: dict[str, str] | None = None) -> RegisterRowRecord | None:
        """Add a row: ``values`` given (tests, scripts) saves them; otherwise the form asks."""
        return self._save(None, values)

    def edit_selected(self, values: dict[str, str] | None = None) -> RegisterRowRecord | None:
        row = self.selected_row()
        if row is None:
            self._warn("Select a row to edit.")
            return None
        if row.retired:
            self._warn("This row is retired: add it again to bring it back.")
            return None
        return self._save(row, values)

    def _save(self, row: RegisterRowRecord | None, values: dict[str, str] | None) -> RegisterRowRecord | None:
        dialog = RowDialog(self.register, self.ctx, row, self) if values is None else None
        while True:
            if dialog is not None:
                if dialog.exec() != QDialog.DialogCode.Accepted:
                    return None
                values = dialog.values()
            assert values is not None
            try:
                if row is None:
                    saved = registers.add_row(self.ctx.workspace, self.register, values, actor=self.ctx.actor)
                else:
                    saved = registers.edit_row(
                        self.ctx.workspace,
                        self.register,
                        row.id,
                        values,
                        expected_version=row.row_version,
                        actor=self.ctx.actor,
                    )
            except QsiError as exc:
                if dialog is None:
                    self._warn(str(exc))
                    return None
                dialog.message.setText(str(exc))
                continue
            self._changed(saved.id)
            return saved

    def retire_selected(self, *, confirm: bool = True) -> bool:
        row = self.selected_row()
        if row is None or row.retired:
            self._warn("Select a row in use to retire.")
            return False
        what = registers.key_text(self.register, row.values)
        if confirm:
            answer = QMessageBox.question(
                self, "Retire row", f"Retire {what}? It is kept, with its history, under Show retired."
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        try:
            registers.retire_row(
                self.ctx.workspace, self.register, row.id, expected_version=row.row_version, actor=self.ctx.actor
            )
        except QsiError as exc:
            self._warn(str(exc))
            return False
        self._changed(None)
        return True

    def _changed(self, row_id: int | None) -> None:
        self.reload()
        if row_id is not None:
            self.select_row(row_id)
        self.ctx.changed()

    # -- history, import, export -------------------------------------------------------------------

    def history_lines(self, row: RegisterRowRecord) -> list[str]:
        lines = []
        for entry in registers.history(self.ctx.workspace, row.id):
            when = entry.at.astimezone().strftime("%d %b %Y %H:%M")
            change = _describe_change(self.register, entry.action, entry.before or {}, entry.after or {})
            lines.append(f"{when}  {entry.actor}: {change}")
        return lines

    def show_history(self) -> QDialog | None:
        row = self.selected_row()
        if row is None:
            self._warn("Select a row to see its history.")
            return None
        dialog = QDialog(self)
        dialog.setWindowTitle(f"History of {registers.key_text(self.register, row.values)}")
        listing = QListWidget(dialog)
        listing.setAccessibleName("Row history")
        listing.addItems(self.history_lines(row))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
        close.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(listing)
        layout.addWidget(close)
        dialog.resize(640, 320)
        dialog.open()
        return dialog

    def choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, f"Import into {self.register.title}", "", "Spreadsheets (*.xlsx *.xlsm *.csv *.tsv *.txt)"
        )
        if path:
            dialog = self.import_dialog(Path(path))
            if dialog is not None:
                dialog.open()

    def import_dialog(self, path: Path) -> ImportDialog | None:
        try:
            return ImportDialog(self, path)
        except QsiError as exc:
            self._warn(str(exc))
            return None

    def choose_export(self) -> None:
        name = f"{self.register.title}.xlsx".replace("/", "-")
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.register.title}", name, "Excel workbook (*.xlsx)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> int | None:
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        try:
            count = register_io.export_xlsx(
                self.ctx.workspace, self.register, path, include_retired=self.show_retired.isChecked()
            )
        except QsiError as exc:
            self._warn(str(exc))
            return None
        self.summary.setText(f"{count} rows written to {path.name}")
        return count

    def snapshot(self) -> None:
        """The register's rows today as dated evidence for its statements (replacing the last snapshot)."""
        from qsi_desktop.services.register_snapshot import snapshot, unchanged

        ws = self.ctx.workspace
        try:
            same = unchanged(ws, self.register, date.today())
            item = snapshot(ws, self.ctx.app, self.register, actor=self.ctx.actor)
        except QsiError as exc:
            self._warn(str(exc))
            return
        if same is not None:
            self.summary.setText(f"No change since today's snapshot, {evidence_label(item.id)}: nothing new stored")
            return
        refs = ", ".join(sorted({t.ref for t in item.targets}))
        self.summary.setText(f"Stored as {evidence_label(item.id)} ({item.file_name}), evidence for {refs}")
        self.ctx.changed()


def _describe_change(register: Register, action: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    if action == "create":
        return "added " + registers.key_text(register, after.get("values") or {})
    if after.get("retired") is True:
        return "retired"
    if after.get("retired") is False:
        return "brought back"
    old, new = before.get("values") or {}, after.get("values") or {}
    changed = []
    for field in register.fields:
        if old.get(field.key) != new.get(field.key):
            changed.append(
                f"{field.label} {display(field, old.get(field.key)) or '(empty)'} → "
                f"{display(field, new.get(field.key)) or '(empty)'}"
            )
    return "changed " + "; ".join(changed) if changed else action


class RowDialog(QDialog):
    """A form for one row, a widget per field; the service checks what is typed."""

    def __init__(
        self, register: Register, ctx: GuiContext, row: RegisterRowRecord | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.register = register
        self.setWindowTitle(f"{'Edit' if row else 'Add'}: {register.title}")
        self.inputs: dict[str, QLineEdit | QComboBox] = {}
        form = QFormLayout()
        current = row.values if row else {}
        items = evidence.list_evidence(ctx.workspace) if any(f.kind == "evidence" for f in register.fields) else []
        for field in register.fields:
            required = field.required or field.key in register.key_fields
            label = _header(field) + (" *" if required else "")
            widget: QLineEdit | QComboBox
            value = current.get(field.key)
            if field.kind in ("choice", "boolean", "evidence"):
                widget = QComboBox(self)
                options = {
                    "choice": [(c, c) for c in field.choices],
                    "boolean": [("yes", "yes"), ("no", "no")],
                    "evidence": [(f"{evidence_label(i.id)} {i.title}"[:80], evidence_label(i.id)) for i in items],
                }[field.kind]
                widget.addItem("", "")
                for text, data in options:
                    widget.addItem(text, data)
                shown = display(field, value)
                widget.setCurrentIndex(max(0, widget.findData(shown)))
            else:
                widget = QLineEdit(display(field, value), self)
                if field.kind == "date":
                    widget.setPlaceholderText("e.g. 2026-03-05 or 05/03/2026")
            widget.setAccessibleName(field.label)
            if field.help:
                widget.setToolTip(field.help)
            form.addRow(label, widget)
            self.inputs[field.key] = widget
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        self.message.setStyleSheet("color: #d5281b")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def set_value(self, key: str, text: str) -> None:
        widget = self.inputs[key]
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(text)))
        else:
            widget.setText(text)

    def values(self) -> dict[str, str]:
        return {
            key: (str(w.currentData() or "") if isinstance(w, QComboBox) else w.text())
            for key, w in self.inputs.items()
        }


class ImportDialog(QDialog):
    """The mapping preview: the columns found and the field each fills (changeable), the accepted
    spellings, what would change, the bad rows. Import stores the good rows in one transaction."""

    def __init__(self, editor: RegisterEditor, path: Path) -> None:
        super().__init__(editor)
        self.editor = editor
        self.register = editor.register
        self.path = path
        self.mapping: dict[str, str] | None = None
        self.result = register_io.preview(editor.ctx.workspace, self.register, path)  # raises before showing
        self.setWindowTitle(f"Import {path.name} into {self.register.title}")
        self.columns = QTableWidget(0, 3, self)
        self.columns.setHorizontalHeaderLabels(["Column in the file", "Field", "How"])
        self.columns.setAccessibleName("Columns and the fields they fill")
        self.columns.horizontalHeader().setStretchLastSection(True)
        self.columns.verticalHeader().hide()
        self.spellings = QLabel(self)
        self.spellings.setWordWrap(True)
        self.spellings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counts = QLabel(self)
        self.counts.setWordWrap(True)
        self.issues = QListWidget(self)
        self.issues.setAccessibleName("Rows that will not be imported")
        self.buttons = QDialogButtonBox(self)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.confirm)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Columns found, and the field each fills (change a field to map a column):", self))
        layout.addWidget(self.columns, 2)
        layout.addWidget(self.spellings)
        layout.addWidget(self.counts)
        layout.addWidget(QLabel("Rows that will not be imported:", self))
        layout.addWidget(self.issues, 1)
        layout.addWidget(self.buttons)
        self.resize(760, 560)
        self._show()

    def _show(self) -> None:
        result = self.result
        self.columns.blockSignals(True)
        self.columns.setRowCount(len(result.columns))
        how = {
            "matched": "matched by its header",
            "remembered": "as last time",
            "chosen": "chosen",
            "patient": "patient data: never read",
            "unused": "not read",
            "duplicate": "another column fills this field",
        }
        for number, column in enumerate(result.columns):
            self.columns.setItem(number, 0, QTableWidgetItem(column.header))
            if column.use == "patient":
                self.columns.setItem(number, 1, QTableWidgetItem("—"))
            else:
                combo = QComboBox(self.columns)
                combo.setAccessibleName(f"Field for column {column.header}")
                combo.addItem("(not read)", "")
                for field in self.register.fields:
                    combo.addItem(_header(field), field.key)
                combo.setCurrentIndex(max(0, combo.findData(column.field or "")))
                combo.currentIndexChanged.connect(
                    lambda _i, h=column.header, c=combo: self.map_column(h, c.currentData())
                )
                self.columns.setCellWidget(number, 1, combo)
            self.columns.setItem(number, 2, QTableWidgetItem(how[column.use]))
        self.columns.blockSignals(False)
        accepted = "; ".join(
            f"{self.register.field(k).label}: {', '.join(v)}"  # type: ignore[union-attr]
            for k, v in result.spellings.items()
        )
        self.spellings.setText(f"Accepted headers: {accepted}")
        if result.missing:
            self.counts.setText(f"No column fills {', '.join(result.missing)}: choose one above.")
        else:
            self.counts.setText(
                f"{result.new} new, {result.updated} updated, {result.restored} brought back, "
                f"{result.unchanged} unchanged; {len(result.issues)} rows not imported, {result.blank_rows} blank."
            )
        self.issues.clear()
        self.issues.addItems([f"Row {i.row}: {i.reason}" for i in result.issues])
        self.import_button.setEnabled(result.ok and bool(result.rows))

    def map_column(self, header: str, field: str) -> None:
        """Map ``header`` to ``field`` ("" for none) and read the file again with the new mapping."""
        self.mapping = {**self.result.mapping, header: field}
        try:
            self.result = register_io.preview(self.editor.ctx.workspace, self.register, self.path, mapping=self.mapping)
        except QsiError as exc:
            self.counts.setText(str(exc))
            return
        self._show()

    def confirm(self) -> register_io.ImportResult | None:
        try:
            done = register_io.commit(
                self.editor.ctx.workspace, self.register, self.result, actor=self.editor.ctx.actor
            )
        except QsiError as exc:
            self.counts.setText(str(exc))
            return None
        self.accept()
        self.editor._changed(None)
        self.editor.summary.setText(
            f"Imported {self.path.name}: {done.added} added, {done.updated} updated, {done.restored} brought back, "
            f"{done.unchanged} unchanged, {done.rejected} rows not imported."
        )
        return done
