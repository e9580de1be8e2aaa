"""A register's rows in and out of spreadsheets: .csv and .xlsx import through one mapping step, .xlsx export.

Import is two steps. :func:`preview` reads the file (nothing is stored): the columns it found and
the field each maps to (matched on the field's key, label and aliases, as :mod:`qsi_desktop.tabular`
matches importers' headers; patient columns dropped), the rows it would add or update, and the bad
rows by row number and reason. The user may change the mapping (``COLUMN=FIELD``) and preview again.
:func:`commit` stores the good rows in one transaction and remembers the mapping for files of the
same shape (the same headers), so the next export from the same system maps itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select

from qsi_desktop.errors import QsiError
from qsi_desktop.export.cells import neutralise
from qsi_desktop.export.names import evidence_label
from qsi_desktop.export.workbook import finish_sheet, new_sheet, save_workbook, xlsx_path
from qsi_desktop.plugins import guard
from qsi_desktop.plugins.types import Register
from qsi_desktop.privacy import find_identifier_kinds, find_nhs_numbers
from qsi_desktop.services import stored_tables
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.registers import (
    ValueProblem,
    clean_values,
    list_rows,
    row_key,
)
from qsi_desktop.store.models import EvidenceItem, RegisterRow
from qsi_desktop.store.workspace import Workspace
from qsi_desktop.tabular import (
    REPLACEMENT,
    RowRejected,
    TableError,
    TableRead,
    header_key,
    header_matcher,
    is_patient_column,
    open_any_table,
)

NAMESPACE = "registers"  # stored_tables namespace of the remembered mappings
IGNORE = ""  # a column mapped to no field

Use = Literal["matched", "remembered", "chosen", "patient", "unused", "duplicate"]


@dataclass(frozen=True)
class ColumnMapping:
    """One column of the file: its header, the field it fills (None: not read) and why."""

    index: int
    header: str
    field: str | None
    use: Use


@dataclass(frozen=True)
class RowIssue:
    row: int  # the spreadsheet's row number
    reason: str  # never quotes a cell


@dataclass
class ImportPreview:
    """What :func:`commit` would store; nothing is stored by making one."""

    register_id: str
    file_name: str
    sheet: str  # the worksheet read ("" for a CSV file)
    header_row: int
    shape: str  # a hash of the header cells: the key of the remembered mapping
    columns: list[ColumnMapping]
    spellings: dict[str, tuple[str, ...]]  # field -> the header spellings accepted for it
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (row number, clean values)
    issues: list[RowIssue] = field(default_factory=list)
    blank_rows: int = 0
    missing: list[str] = field(default_factory=list)  # labels of required fields no column fills
    remembered: bool = False  # the mapping came from an earlier import of the same shape
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    restored: int = 0  # retired rows the file brings back

    @property
    def mapping(self) -> dict[str, str]:
        """The mapping to remember: header -> field ("" for a column not read)."""
        # A header cell that holds an identifier (a patient's details typed into the header row) is
        # not remembered: the mapping is stored in the workspace. It reads as unused next time anyway.
        return {
            c.header: c.field or IGNORE
            for c in self.columns
            if c.use not in ("patient", "duplicate") and not _identifying(c.header)
        }

    @property
    def ok(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int
    restored: int
    rejected: int


# -- reading a file ----------------------------------------------------------------------------------


def _identifying(text: str) -> bool:
    return bool(find_nhs_numbers(text) or find_identifier_kinds(text))


def _spellings(register: Register) -> dict[str, tuple[str, ...]]:
    return {f.key: tuple(dict.fromkeys((f.label, f.key.replace("_", " "), *f.aliases))) for f in register.fields}


def shape_of(header: tuple[str, ...]) -> str:
    """A file's shape: its header cells, spelling differences of case and punctuation ignored."""
    keys = [header_key(h) for h in header]
    while keys and not keys[-1]:
        keys.pop()
    return hashlib.sha256("\x1f".join(keys).encode("utf-8")).hexdigest()[:32]


def _memory_key(register: Register, shape: str) -> str:
    return f"{register.id}:{shape}"


def preview(
    ws: Workspace, register: Register, path: Path | str, *, mapping: Mapping[str, str] | None = None
) -> ImportPreview:
    """Read ``path`` for ``register`` and say what an import would do; nothing is stored.

    ``mapping`` (header -> field key, ``""`` for a column not to read) overrides the columns'
    matching; without it, a mapping remembered for files of this shape is used.
    """
    path = Path(path)
    spellings = _spellings(register)
    chosen = {header_key(h): f for h, f in (mapping or {}).items()}
    for field_key in chosen.values():
        if field_key and register.field(field_key) is None:
            raise UserError(
                f"register {register.id} has no field {field_key!r}; fields: "
                f"{', '.join(f.key for f in register.fields)}"
            )
    # The chosen headers are spellings too, so the header row is found even when nothing else matches.
    columns = {k: (*v, *(h for h, f in (mapping or {}).items() if f == k)) for k, v in spellings.items()}
    try:
        table, sheet = open_any_table(path, columns)
    except TableError as exc:
        raise UserError(str(exc)) from None
    shape = shape_of(table.header)
    remembered = False
    if mapping is None:
        saved = stored_tables.get(ws, NAMESPACE, _memory_key(register, shape))
        if isinstance(saved, dict) and isinstance(saved.get("map"), dict):
            chosen = {header_key(h): str(f) for h, f in saved["map"].items()}
            remembered = True
    used, taken = map_columns(table.header, columns, spellings, chosen, remembered=remembered)
    result = ImportPreview(
        register_id=register.id,
        file_name=path.name,
        sheet=sheet,
        header_row=table.header_row,
        shape=shape,
        columns=used,
        spellings=spellings,
        remembered=remembered,
    )
    result.missing = [
        f.label for f in register.fields if (f.required or f.key in register.key_fields) and f.key not in taken
    ]
    if result.missing:
        return result
    _read_rows(replace(table, columns={c.field: c.index for c in used if c.field}), register, result)
    _compare(ws, register, result)
    return result


def map_columns(
    header: tuple[str, ...],
    columns: Mapping[str, tuple[str, ...]],
    spellings: Mapping[str, tuple[str, ...]],
    chosen: Mapping[str, str],
    *,
    remembered: bool = False,
) -> tuple[list[ColumnMapping], set[str]]:
    """Each header cell's field: the user's choice (``chosen``: header key -> field, "" for none),
    else the field its spelling names; patient columns are never read, a field is filled once.
    ``columns``: every spelling accepted (the chosen headers included). Returns the columns and
    the fields they fill."""
    match = header_matcher(spellings)
    wanted = {header_key(s) for names in columns.values() for s in names}
    used: list[ColumnMapping] = []
    taken: set[str] = set()
    for index, header_cell in enumerate(header):
        if not header_cell:
            continue
        key = header_key(header_cell)
        if is_patient_column(header_cell, wanted) and key not in chosen:
            used.append(ColumnMapping(index, header_cell, None, "patient"))
            continue
        if key in chosen:
            target, use = chosen[key] or None, ("remembered" if remembered else "chosen")
        else:
            target, use = match(header_cell), "matched"
        if target is None:
            used.append(ColumnMapping(index, header_cell, None, "unused" if use == "matched" else use))  # type: ignore[arg-type]
        elif target in taken:
            used.append(ColumnMapping(index, header_cell, None, "duplicate"))
        else:
            taken.add(target)
            used.append(ColumnMapping(index, header_cell, target, use))  # type: ignore[arg-type]
    return used, taken


def _read_rows(table: TableRead, register: Register, result: ImportPreview) -> None:
    seen: dict[str, int] = {}
    try:
        for row in table.rows():
            if row.blank:
                result.blank_rows += 1
                continue
            if table.bad_byte_lines and (bad := [c for c, v in row.values.items() if REPLACEMENT in v]):
                result.issues.append(RowIssue(row.number, f"the {', '.join(bad)} value holds bytes that are not UTF-8"))
                continue
            try:
                values = clean_values(register, _prepared(register, dict(row.values)))
            except ValueProblem as exc:
                result.issues.append(RowIssue(row.number, str(exc)))
                continue
            key = row_key(register, values)
            if key in seen:
                result.issues.append(RowIssue(row.number, f"the same {key_fields_label(register)} as row {seen[key]}"))
                continue
            seen[key] = row.number
            result.rows.append((row.number, values))
    except TableError as exc:
        result.issues.append(RowIssue(exc.row or 0, str(exc)))


def _prepared(register: Register, raw: dict[str, Any]) -> dict[str, Any]:
    """The plugin's ``prepare`` of one imported row: a ValueError is the row's reason, anything else
    a plugin failure (one line naming the plugin)."""
    if register.prepare is None:
        return raw
    try:
        prepared = register.prepare(raw)
    except (ValueError, RowRejected) as exc:
        raise ValueProblem(str(exc)) from None
    except QsiError:
        raise
    except Exception as exc:
        raise guard.PluginError(register.id.split(".")[0], f"register {register.id} prepare", exc) from exc
    if not isinstance(prepared, dict):
        raise guard.PluginError(
            register.id.split(".")[0], f"register {register.id} prepare", TypeError("must return a dict of values")
        )
    return prepared


def key_fields_label(register: Register) -> str:
    return " and ".join(f.label for f in register.fields if f.key in register.key_fields)


def _compare(ws: Workspace, register: Register, result: ImportPreview) -> None:
    existing = _existing(ws, register)
    evidence_ids = _evidence_ids(ws)
    kept = []
    for number, values in result.rows:
        missing = [
            f.label
            for f in register.fields
            if f.kind == "evidence" and f.key in values and values[f.key] not in evidence_ids
        ]
        if missing:
            result.issues.append(RowIssue(number, f"{missing[0]}: no such evidence item in this workspace"))
            continue
        kept.append((number, values))
        row = existing.get(row_key(register, values))
        if row is None:
            result.new += 1
        elif row[1]:
            result.restored += 1
        elif row[2] == values:
            result.unchanged += 1
        else:
            result.updated += 1
    result.rows = kept
    result.issues.sort(key=lambda i: i.row)


def _existing(ws: Workspace, register: Register) -> dict[str, tuple[int, bool, dict[str, Any]]]:
    query = select(RegisterRow.row_key, RegisterRow.id, RegisterRow.retired, RegisterRow.values).where(
        RegisterRow.register_id == register.id
    )
    with ws.reading() as session:
        return {key: (row_id, retired, values) for key, row_id, retired, values in session.execute(query)}


def _evidence_ids(ws: Workspace) -> set[int]:
    with ws.reading() as session:
        return set(session.scalars(select(EvidenceItem.id)))


# -- storing ---------------------------------------------------------------------------------------


def commit(ws: Workspace, register: Register, result: ImportPreview, *, actor: str) -> ImportResult:
    """Store the preview's good rows in one transaction (new rows added, rows with the same key
    updated, retired ones brought back) and remember its mapping for files of this shape."""
    if result.register_id != register.id:
        raise UserError(f"this preview is for register {result.register_id}, not {register.id}")
    if result.missing:
        raise UserError(f"{result.file_name}: no column for {', '.join(result.missing)}: map one before importing")
    added = updated = unchanged = restored = 0
    with ws.transaction(actor) as session:
        existing = {
            row.row_key: row
            for row in session.scalars(select(RegisterRow).where(RegisterRow.register_id == register.id))
        }
        for _number, values in result.rows:
            key = row_key(register, values)
            row = existing.get(key)
            if row is None:
                row = RegisterRow(register_id=register.id, row_key=key, values=values, updated_by=actor)
                session.add(row)
                existing[key] = row
                added += 1
            elif row.retired:
                row.values, row.retired, row.retired_at, row.retired_by, row.updated_by = values, False, None, "", actor
                restored += 1
            elif row.values == values:
                unchanged += 1
            else:
                row.values, row.updated_by = values, actor
                updated += 1
        memory = {"register": register.id, "map": result.mapping}
        stored_tables.put_in(session, NAMESPACE, _memory_key(register, result.shape), memory, actor=actor)
    return ImportResult(added, updated, unchanged, restored, len(result.issues))


def preview_dict(result: ImportPreview) -> dict[str, Any]:
    return {
        "register": result.register_id,
        "file": result.file_name,
        "sheet": result.sheet or None,
        "header_row": result.header_row,
        "remembered_mapping": result.remembered,
        "columns": [{"column": c.header, "field": c.field, "use": c.use} for c in result.columns],
        "accepted_headers": {k: list(v) for k, v in result.spellings.items()},
        "missing": result.missing,
        "rows": len(result.rows),
        "new": result.new,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "restored": result.restored,
        "blank_rows": result.blank_rows,
        "rejected": [{"row": i.row, "reason": i.reason} for i in result.issues],
    }


# -- export ----------------------------------------------------------------------------------------


def export_xlsx(ws: Workspace, register: Register, out: Path | str, *, include_retired: bool = False) -> int:
    """Write the register to a workbook: a header row (frozen, with filters), one row per entry,
    dates and numbers as values, text made inert for spreadsheets. Returns the rows written."""
    out = xlsx_path(out)
    rows = list_rows(ws, register, include_retired=include_retired)
    headers = [f"{f.label} ({f.unit})" if f.unit else f.label for f in register.fields]
    if include_retired:
        headers.append("Retired")
    book, sheet = new_sheet(register.title or "Register", headers)
    for row in rows:
        cells: list[Any] = [_export_cell(f.kind, row.values.get(f.key)) for f in register.fields]
        if include_retired:
            cells.append("yes" if row.retired else "")
        sheet.append([neutralise(c) for c in cells])
    widths = [min(60, max(12, len(header) + 2)) for header in headers]
    dates = {index for index, f in enumerate(register.fields, start=1) if f.kind == "date"}
    finish_sheet(sheet, widths, date_columns=dates)
    save_workbook(book, out)
    return len(rows)


def _export_cell(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "evidence":
        return evidence_label(int(value))
    if kind == "boolean":
        return "yes" if value else "no"
    return value
