"""Which header of a spreadsheet log holds which of a table importer's columns, where the accepted
spellings do not reach (a vendor's own words, a hand-kept sheet): the user's choices, remembered for
the importer, and a preview of how a file's headers map for the window's column step.

A choice is ``header -> column``; the column ``-`` (``tabular.NOT_READ``) says a header is not read,
and an empty column forgets an earlier choice. Patient-identifying headers are dropped whatever is
chosen (the table reader drops them before any mapping).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from qsi_desktop.plugins.types import Importer
from qsi_desktop.services import stored_tables
from qsi_desktop.services.errors import UserError
from qsi_desktop.store.workspace import Workspace
from qsi_desktop.tabular import (
    NOT_READ,
    TableError,
    TableImport,
    is_patient_column,
    open_any_table,
    read_first_row,
    with_chosen_headers,
)

NAMESPACE = "import-columns"  # stored_tables namespace, keyed by importer name


def table_spec(importer: Importer) -> TableImport | None:
    """The table importer behind ``importer`` (None for importers that do not read spreadsheet columns):
    its ``read`` is a ``TableImport``'s, or a function beside the module's ``TableImport`` of the same
    name (``read_table_records(SPEC, path, context)``, as docs/PLUGINS.md shows)."""
    read = importer.read
    spec = getattr(read, "__self__", None)
    if isinstance(spec, TableImport):
        return spec
    found = [
        value
        for value in getattr(read, "__globals__", {}).values()
        if isinstance(value, TableImport) and value.name == importer.name
    ]
    return found[0] if len(found) == 1 else None


def chosen_columns(ws: Workspace, importer: Importer, given: Mapping[str, str] | None) -> dict[str, str]:
    """The header -> column choices for an import: those remembered for the importer, then ``given``."""
    spec = table_spec(importer)
    known = dict(spec.columns) if spec is not None else {}
    saved = stored_tables.get(ws, NAMESPACE, importer.name, {}) if spec is not None else {}
    chosen = {}
    if isinstance(saved, dict):
        chosen = {str(h): str(c) for h, c in saved.items() if c in known or c == NOT_READ}
    for header, column in (given or {}).items():
        if spec is None:
            raise UserError(f"{importer.name} does not read spreadsheet columns: there is nothing to map")
        if not header.strip():
            raise UserError(f"a column choice needs the header as the file writes it (got ={column})")
        if column and column != NOT_READ and column not in known:
            raise UserError(
                f"{importer.name} has no column {column!r} for {header!r}; its columns: {', '.join(known)} "
                f"(or {NOT_READ} for a header not to read)"
            )
        chosen.pop(header, None)
        if column:
            chosen[header] = column
    return chosen


def remember(ws: Workspace, importer: Importer, chosen: Mapping[str, str], *, actor: str) -> None:
    stored_tables.put(ws, NAMESPACE, importer.name, dict(chosen), actor=actor)


@dataclass(frozen=True)
class ColumnPreview:
    """How one file's headers map to the importer's columns, for the user to check and change on screen
    (the header cells are the user's own file's: shown, never stored or logged)."""

    file: str
    header: tuple[str, ...]
    mapped: dict[int, str]  # header cell index -> column it gives
    patient: frozenset[int]  # cells dropped as patient-identifying: never read, whatever is chosen
    columns: tuple[str, ...]  # the importer's columns, in its order
    required: tuple[str, ...]
    spellings: dict[str, tuple[str, ...]]  # the accepted header spellings of each column
    recognised: bool  # False: no header row was recognised and ``header`` is the file's first row

    @property
    def missing(self) -> tuple[str, ...]:
        given = set(self.mapped.values())
        return tuple(c for c in self.required if c not in given)


def preview(ws: Workspace, importer: Importer, path: Path, given: Mapping[str, str] | None = None) -> ColumnPreview:
    """How ``path``'s headers map with the remembered choices and ``given``; raises UserError when the
    file cannot be read at all (the message names it and why)."""
    spec = table_spec(importer)
    if spec is None:
        raise UserError(f"{importer.name} does not read spreadsheet columns: there is nothing to map")
    columns = with_chosen_headers(spec.columns, chosen_columns(ws, importer, given))
    spellings = {name: tuple(aliases) for name, aliases in spec.columns.items()}
    try:
        table, _sheet = open_any_table(path, columns)
    except TableError as exc:
        if "no header row found" not in str(exc):
            raise UserError(str(exc)) from None
        try:
            first = read_first_row(path)
        except TableError as again:
            raise UserError(str(again)) from None
        patient = frozenset(i for i, cell in enumerate(first) if is_patient_column(cell))
        return ColumnPreview(path.name, tuple(first), {}, patient, tuple(spec.columns), spec.required, spellings, False)
    dropped = set(table.dropped)
    patient = frozenset(i for i, cell in enumerate(table.header) if cell in dropped)
    mapped = {index: name for name, index in table.columns.items()}
    return ColumnPreview(path.name, table.header, mapped, patient, tuple(spec.columns), spec.required, spellings, True)


def choices_for(preview: ColumnPreview, picked: Sequence[str]) -> dict[str, str]:
    """The choices that make ``preview``'s headers map as ``picked`` (a column, "" or NOT_READ per cell):
    only where the pick differs from what the header gives already."""
    chosen: dict[str, str] = {}
    for index, (cell, column) in enumerate(zip(preview.header, picked, strict=True)):
        if not cell or index in preview.patient:
            continue
        current = preview.mapped.get(index, "")
        if column != current:
            chosen[cell] = column or NOT_READ
    return chosen
