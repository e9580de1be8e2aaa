"""Registers plugins declare (MR units, transducers, SOP documents): rows kept in the workspace.

Each row's values are stored as JSON by field key, checked against the field's kind first (dates
as ISO text, numbers as numbers, evidence as an evidence item's id). A row is identified by its
register's key fields; retiring keeps it (and its key), and its history is the audit trail. Edits
carry the version the user saw, so an edit made on a stale copy fails instead of overwriting.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from qsi_desktop.export.names import evidence_label
from qsi_desktop.plugins import guard
from qsi_desktop.plugins.types import Register, RegisterField
from qsi_desktop.services.app import App
from qsi_desktop.services.applies import applicable_refs, provided_modalities
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.records import AuditRecord, audit_record
from qsi_desktop.services.values import check_free_text
from qsi_desktop.store.models import AuditEntry, EvidenceItem, RegisterRow
from qsi_desktop.store.types import utcnow
from qsi_desktop.store.workspace import Workspace
from qsi_desktop.tabular import EARLIEST_YEAR, LATEST_YEAR
from qsi_desktop.tabular import parse_date as parse_sheet_date

MAX_TEXT = 2000
_TRUE = frozenset({"yes", "y", "true", "t", "1", "x", "✓", "✔"})
_FALSE = frozenset({"no", "n", "false", "f", "0", ""})
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_EVIDENCE = re.compile(r"(?:e-?)?0*(\d+)", re.IGNORECASE)


class ValueProblem(UserError):
    """A value that does not fit its field: the message names the field and says what to give."""


@dataclass(frozen=True)
class RegisterRowRecord:
    """One row as a service hands it out (no ORM object leaves the service)."""

    register_id: str
    id: int
    key: str
    values: dict[str, Any]
    retired: bool
    retired_at: datetime | None
    retired_by: str
    updated_at: datetime | None
    updated_by: str
    row_version: int

    def value(self, key: str) -> Any:
        return self.values.get(key)


# The columns of a RegisterRowRecord after its register_id, in its field order.
_COLUMNS = (
    RegisterRow.id,
    RegisterRow.row_key,
    RegisterRow.values,
    RegisterRow.retired,
    RegisterRow.retired_at,
    RegisterRow.retired_by,
    RegisterRow.updated_at,
    RegisterRow.updated_by,
    RegisterRow.version_id,
)


def _record(row: RegisterRow) -> RegisterRowRecord:
    return RegisterRowRecord(
        register_id=row.register_id,
        id=row.id,
        key=row.row_key,
        values=dict(row.values or {}),
        retired=bool(row.retired),
        retired_at=row.retired_at,
        retired_by=row.retired_by or "",
        updated_at=row.updated_at,
        updated_by=row.updated_by or "",
        row_version=row.version_id,
    )


# -- finding registers ---------------------------------------------------------------------------------


def find_register(app: App, register_id: str) -> Register:
    register = app.plugins.register(register_id.strip().lower())
    if register is None:
        known = ", ".join(r.id for r in app.plugins.registers()) or "none: no plugin registers one"
        raise UserError(f"unknown register {register_id!r}; registers: {known}")
    return register


def applicable_registers(ws: Workspace, app: App) -> list[Register]:
    """Registers of the modalities the service provides (or of none) whose statements apply."""
    provided = {m.code for m in provided_modalities(ws, app)}
    refs = applicable_refs(ws, app)
    return [
        r
        for r in app.plugins.registers()
        if (r.modality is None or r.modality in provided) and (not r.statement_refs or set(r.statement_refs) & refs)
    ]


# -- values --------------------------------------------------------------------------------------------


def parse_value(field: RegisterField, raw: Any) -> Any:
    """The stored (JSON) form of a value typed or read for ``field``; None when empty.

    Raises :class:`ValueProblem` saying what the field needs; free text holding something like an
    NHS number is refused without repeating it.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    what = field.label
    kind = field.kind
    if kind in ("text", "file"):
        text = " ".join(str(raw).split())
        if len(text) > MAX_TEXT:
            raise ValueProblem(f"{what}: too long ({len(text)} characters; {MAX_TEXT} at most)")
        try:
            check_free_text(what, text)
        except UserError as exc:
            raise ValueProblem(str(exc)) from None
        return text
    if kind == "choice":
        wanted = _letters(str(raw))
        exact = [c for c in field.choices if _letters(c) == wanted]
        # "Conditional" for "MR Conditional": the end of one choice only, never a guess between two.
        ending = [c for c in field.choices if wanted and _letters(c).endswith(wanted)]
        if exact or len(ending) == 1:
            return (exact or ending)[0]
        raise ValueProblem(f"{what}: not one of {', '.join(field.choices)}")
    if kind == "date":
        if isinstance(raw, date):  # a datetime too
            day = raw.date() if isinstance(raw, datetime) else raw
            if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:  # 0001-01-01, 9999-12-31: placeholders
                raise ValueProblem(f"{what}: {day.isoformat()} is outside {EARLIEST_YEAR} to {LATEST_YEAR}")
            return day.isoformat()
        try:
            return parse_sheet_date(str(raw)).isoformat()
        except ValueError:
            raise ValueProblem(f"{what}: not a date (use e.g. 2026-03-05 or 05/03/2026)") from None
    if kind == "number":
        return _number(field, raw)
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueProblem(f"{what}: say yes or no")
    if kind == "evidence":
        match = _EVIDENCE.fullmatch(str(raw).strip())
        if match is None:
            raise ValueProblem(f"{what}: give an evidence item as E-014 or its number")
        return int(match.group(1))
    raise ValueProblem(f"{what}: unknown kind {kind!r}")


def _letters(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _number(field: RegisterField, raw: Any) -> float | int:
    what = field.label
    if isinstance(raw, bool):
        raise ValueProblem(f"{what}: not a number")
    if isinstance(raw, int | float):
        value: float = float(raw)
    else:
        text = str(raw).strip().replace(",", "")
        unit = field.unit.lower()
        if unit and text.lower().endswith(unit):
            text = text[: -len(unit)].strip()
        if not _NUMBER.fullmatch(text):
            shown = f" of {field.unit}" if field.unit else ""
            raise ValueProblem(f"{what}: not a number{shown}")
        value = float(text)
    if (field.minimum is not None and value < field.minimum) or (field.maximum is not None and value > field.maximum):
        low = "" if field.minimum is None else f"{field.minimum:g}"
        high = "" if field.maximum is None else f"{field.maximum:g}"
        raise ValueProblem(f"{what}: outside {low}-{high} {field.unit}".rstrip())
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def clean_values(register: Register, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Every value checked and in its stored form; required and key fields present; unknown fields refused."""
    unknown = [k for k in raw if register.field(k) is None]
    if unknown:
        raise ValueProblem(
            f"register {register.id} has no field {unknown[0]!r}; fields: {', '.join(f.key for f in register.fields)}"
        )
    values: dict[str, Any] = {}
    for field in register.fields:
        if field.key in raw:
            value = parse_value(field, raw[field.key])
            if value is not None:
                values[field.key] = value
    missing = [f.label for f in register.fields if (f.required or f.key in register.key_fields) and f.key not in values]
    if missing:
        raise ValueProblem(f"{', '.join(missing)}: required")
    return values


def row_key(register: Register, values: Mapping[str, Any]) -> str:
    """What identifies a row: its key fields' values, case and spacing ignored (SHA-256, 64 characters)."""
    parts = [" ".join(str(values.get(k, "")).split()).casefold() for k in register.key_fields]
    return hashlib.sha256("\x1f".join([register.id, *parts]).encode("utf-8")).hexdigest()


def key_text(register: Register, values: Mapping[str, Any]) -> str:
    """The key fields' values as a user types them: ``Main site | Room 2``."""
    return " | ".join(display(register.field(k), values.get(k)) for k in register.key_fields)  # type: ignore[arg-type]


def display(field: RegisterField, value: Any) -> str:
    """A stored value as shown in a table cell and on the command line."""
    if value is None or value == "":
        return ""
    if field.kind == "boolean":
        return "yes" if value else "no"
    if field.kind == "evidence":
        return evidence_label(int(value))
    if field.kind == "number":
        return f"{value:g}" if isinstance(value, float) else str(value)
    if field.kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")  # as UK forms write it
        except ValueError:
            return value
    return str(value)


def _check_evidence(session: Any, register: Register, values: Mapping[str, Any]) -> None:
    for field in register.fields:
        if field.kind == "evidence" and field.key in values and session.get(EvidenceItem, values[field.key]) is None:
            raise ValueProblem(f"{field.label}: there is no evidence item {evidence_label(values[field.key])}")


# -- reading -------------------------------------------------------------------------------------------


def list_rows(
    ws: Workspace,
    register: Register,
    *,
    include_retired: bool = False,
    text: str = "",
    sort: str | None = None,
    descending: bool = False,
) -> list[RegisterRowRecord]:
    """Rows in use (and retired ones with ``include_retired``), those showing ``text`` anywhere
    (case ignored), sorted by field ``sort`` (empty values last) or in the order they were added."""
    # Columns, not ORM objects: a 10,000-row register opens in the editor at once.
    query = select(*_COLUMNS).where(RegisterRow.register_id == register.id).order_by(RegisterRow.id)
    if not include_retired:
        query = query.where(RegisterRow.retired.is_(False))
    with ws.reading() as session:
        rows = [RegisterRowRecord(register.id, *row) for row in session.execute(query)]
    if text:
        needle = text.casefold()
        rows = [r for r in rows if any(needle in display(f, r.values.get(f.key)).casefold() for f in register.fields)]
    if sort:
        field = register.field(sort)
        if field is None:
            raise UserError(f"register {register.id} has no field {sort!r} to sort by")
        present = [r for r in rows if r.values.get(sort) is not None]
        empty = [r for r in rows if r.values.get(sort) is None]
        present.sort(key=lambda r: _sort_value(r.values[sort]), reverse=descending)
        rows = present + empty
    return rows


def _sort_value(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool | int | float):
        return (0, float(value))
    return (1, str(value).casefold())


def get_row(ws: Workspace, register: Register, row_id: int) -> RegisterRowRecord:
    with ws.reading() as session:
        row = session.get(RegisterRow, row_id)
        if row is None or row.register_id != register.id:
            raise UserError(f"register {register.id} has no row {row_id}")
        return _record(row)


def find_row(ws: Workspace, register: Register, text: str) -> RegisterRowRecord:
    """A row by its number (``12``) or its key fields' values (``Main site | Room 2``)."""
    text = text.strip()
    if text.isdigit():
        return get_row(ws, register, int(text))
    parts = [p.strip() for p in text.split("|")]
    if len(parts) != len(register.key_fields):
        labels = " | ".join(register.field(k).label for k in register.key_fields)  # type: ignore[union-attr]
        raise UserError(f"give the row's number or its {labels}{_choices(ws, register)}")
    key = row_key(register, dict(zip(register.key_fields, parts, strict=True)))
    with ws.reading() as session:
        row = session.scalars(
            select(RegisterRow).where(RegisterRow.register_id == register.id, RegisterRow.row_key == key)
        ).first()
        found = _record(row) if row is not None else None
    if found is None:
        raise UserError(f"register {register.id} has no row {text!r}{_choices(ws, register)}")
    return found


def _choices(ws: Workspace, register: Register, limit: int = 10) -> str:
    """ ": the rows are 1 'Main | MR 1', 2 ..." to say what can be given (at most ``limit``)."""
    rows = list_rows(ws, register)
    if not rows:
        return ": the register has no rows yet"
    named = [
        f"{row.id} '{' | '.join(str(row.values.get(k, '')) for k in register.key_fields)}'" for row in rows[:limit]
    ]
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f": the rows are {', '.join(named)}{more}"


def history(ws: Workspace, row_id: int) -> list[AuditRecord]:
    """A row's audit entries, oldest first: who added, changed and retired it, and the values."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.entity == RegisterRow.__tablename__, AuditEntry.entity_id == str(row_id))
        .order_by(AuditEntry.id)
    )
    with ws.reading() as session:
        return [audit_record(entry) for entry in session.scalars(query)]


def row_flags(app: App, register: Register, values: Mapping[str, Any], as_of: date | None = None) -> tuple[str, ...]:
    """The register's warnings for one row (``flags``, plugin code: run through the guard)."""
    if register.flags is None:
        return ()
    plugin = app.plugins.plugin_of(register)
    flags = guard.call(plugin, f"register {register.id} flags", register.flags, values, as_of or date.today())
    return tuple(str(f) for f in flags or ())


# -- writing -------------------------------------------------------------------------------------------


def add_row(ws: Workspace, register: Register, raw: Mapping[str, Any], *, actor: str) -> RegisterRowRecord:
    """Add a row; a retired row with the same key comes back with these values."""
    values = clean_values(register, raw)
    key = row_key(register, values)
    with ws.transaction(actor) as session:
        _check_evidence(session, register, values)
        row = session.scalars(
            select(RegisterRow).where(RegisterRow.register_id == register.id, RegisterRow.row_key == key)
        ).first()
        if row is not None and not row.retired:
            raise UserError(f"{register.title} already has {key_text(register, row.values)} (row {row.id}); edit it")
        if row is None:
            row = RegisterRow(register_id=register.id, row_key=key, values=values, updated_by=actor)
            session.add(row)
        else:
            row.values, row.retired, row.retired_at, row.retired_by, row.updated_by = values, False, None, "", actor
        session.flush()
        return _record(row)


def edit_row(
    ws: Workspace,
    register: Register,
    row_id: int,
    raw: Mapping[str, Any],
    *,
    expected_version: int | None,
    actor: str,
) -> RegisterRowRecord:
    """Replace a row's values (``raw`` holds them all). ``expected_version``: the ``row_version``
    the user saw; when the row changed since, nothing is saved."""
    values = clean_values(register, raw)
    key = row_key(register, values)
    with ws.transaction(actor) as session:
        row = _writable(session, register, row_id, expected_version)
        _check_evidence(session, register, values)
        if key != row.row_key:
            clash = session.scalars(
                select(RegisterRow).where(RegisterRow.register_id == register.id, RegisterRow.row_key == key)
            ).first()
            if clash is not None:
                raise UserError(f"{register.title} already has {key_text(register, clash.values)} (row {clash.id})")
            row.row_key = key
        if values != row.values:
            row.values = values
            row.updated_by = actor
        session.flush()
        return _record(row)


def retire_row(
    ws: Workspace, register: Register, row_id: int, *, expected_version: int | None = None, actor: str
) -> RegisterRowRecord:
    """Take a row out of use; it is kept, with its history, and shown with ``include_retired``."""
    with ws.transaction(actor) as session:
        row = _writable(session, register, row_id, expected_version)
        if row.retired:
            raise UserError(f"row {row_id} of {register.title} is already retired")
        row.retired, row.retired_at, row.retired_by, row.updated_by = True, utcnow(), actor, actor
        session.flush()
        return _record(row)


def _writable(session: Any, register: Register, row_id: int, expected_version: int | None) -> RegisterRow:
    row = session.get(RegisterRow, row_id)
    if row is None or row.register_id != register.id:
        raise UserError(f"register {register.id} has no row {row_id}")
    if expected_version is not None and row.version_id != expected_version:
        raise UserError(
            f"row {row_id} of {register.title} was changed by {row.updated_by or 'someone'} meanwhile; "
            "reload and try again"
        )
    return row


# -- for reports and the command line ---------------------------------------------------------------


def rows_for_report(ws: Workspace, app: App, register_id: str) -> list[dict[str, Any]]:
    """Rows in use as dicts (values plus ``id``): what :meth:`ReportContext.register_rows` gives."""
    register = find_register(app, register_id)
    return [{**r.values, "id": r.id} for r in list_rows(ws, register)]


def row_dict(register: Register, row: RegisterRowRecord, flags: Iterable[str] = ()) -> dict[str, Any]:
    return {
        "id": row.id,
        "key": key_text(register, row.values),
        "values": row.values,
        "retired": row.retired,
        "retired_at": row.retired_at.isoformat(timespec="seconds") if row.retired_at else None,
        "retired_by": row.retired_by or None,
        "updated_by": row.updated_by,
        "flags": list(flags),
    }


def register_dict(register: Register, rows: int | None = None) -> dict[str, Any]:
    return {
        "id": register.id,
        "title": register.title,
        "modality": register.modality,
        "statements": list(register.statement_refs),
        "description": register.description,
        "key_fields": list(register.key_fields),
        "fields": [
            {
                "key": f.key,
                "label": f.label,
                "kind": f.kind,
                "required": f.required or f.key in register.key_fields,
                "choices": list(f.choices),
                "unit": f.unit,
            }
            for f in register.fields
        ],
        "rows": rows,
    }
