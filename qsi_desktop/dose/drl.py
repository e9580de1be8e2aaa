"""Diagnostic reference level (DRL) tables: the shipped UK national adult CT table and the user's own.

DRLs change every few years and other tables exist (local DRLs, paediatric CT by age or weight band,
fluoroscopy), so values are versioned data, never constants in code (DOMAIN.md section 3). The shipped
table is ``data/uk-ndrl-adult-ct-2022.json``; user tables are kept whole in the workspace with
:mod:`qsi_desktop.services.stored_tables` (namespace ``"dose"``, key ``"drl:<name>"``) in the same
document shape, and every document is validated when read, so a broken one fails loudly naming where.

A document: ``{"schema": 1, "table": {name, kind ("ct" or "ir"), title, version, source, population,
notice}, "entries": [...]}``. A CT entry: ``exam_type``, ``indication``, ``ctdivol_mgy`` (per sequence),
``dlp_mgycm`` (per exam), ``adopted`` (year), ``age_band`` and ``weight_band`` (``"A-B"``: from A up to
but not including B, in years or kg), ``phantom`` (``head``/``body``). An IR entry: ``procedure``,
``dap_gycm2``, ``rp_dose_mgy``, ``fluoro_time_s``. Missing values are ``null``.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from qsi_desktop.errors import QsiError
from qsi_desktop.services import stored_tables
from qsi_desktop.services.errors import UserError
from qsi_desktop.store.workspace import Workspace

SCHEMA_VERSION = 1
NAMESPACE = "dose"  # stored_tables namespace shared by the dose module
KEY_PREFIX = "drl:"
NATIONAL_CT = "uk-ndrl-adult-ct-2022"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_BAND = re.compile(r"^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$")
Kind = Literal["ct", "ir"]
MAX_ERRORS_SHOWN = 5


class DrlError(QsiError, ValueError):
    """A DRL table document does not match the schema (the message names the file or the stored table)."""


@dataclass(frozen=True)
class Band:
    """From ``low`` up to but not including ``high`` (years or kg), written ``"low-high"``."""

    low: float
    high: float

    def contains(self, value: float | None) -> bool:
        return value is not None and self.low <= value < self.high

    def __str__(self) -> str:
        return f"{self.low:g}-{self.high:g}"


@dataclass(frozen=True)
class CtDrl:
    exam_type: str
    ctdivol_mgy: float | None  # per sequence (None: the table gives only a DLP)
    dlp_mgycm: float | None  # per exam
    indication: str | None = None
    adopted: int | None = None
    age_band: Band | None = None  # None: adults (or any age, in a table for one population)
    weight_band: Band | None = None
    phantom: str | None = None  # None: whichever phantom the scanner used

    @property
    def paediatric(self) -> bool:
        return self.age_band is not None or self.weight_band is not None


@dataclass(frozen=True)
class IrDrl:
    procedure: str
    dap_gycm2: float | None
    rp_dose_mgy: float | None
    fluoro_time_s: float | None


@dataclass(frozen=True)
class DrlTable:
    name: str
    kind: Kind
    title: str
    version: str
    source: str
    population: str = ""  # "adult", "paediatric" or "" (as the entries' bands say)
    notice: str = ""
    ct: tuple[CtDrl, ...] = ()
    ir: tuple[IrDrl, ...] = ()
    shipped: bool = False

    def ct_for(self, exam_type: str) -> list[CtDrl]:
        wanted = exam_type.casefold()
        return [e for e in self.ct if e.exam_type.casefold() == wanted]

    def ir_for(self, procedure: str) -> IrDrl | None:
        wanted = procedure.casefold()
        return next((e for e in self.ir if e.procedure.casefold() == wanted), None)

    def citation(self) -> str:
        return f"{self.title} ({self.version}); {self.source}"

    def to_dict(self) -> dict[str, Any]:
        entries = [_entry_dict(e) for e in (self.ct if self.kind == "ct" else self.ir)]
        return {
            "name": self.name,
            "kind": self.kind,
            "title": self.title,
            "version": self.version,
            "source": self.source,
            "population": self.population,
            "notice": self.notice,
            "shipped": self.shipped,
            "entries": entries,
        }


def _entry_dict(entry: CtDrl | IrDrl) -> dict[str, Any]:
    data = asdict(entry)
    for band in ("age_band", "weight_band"):
        if band in data:
            value = getattr(entry, band)
            data[band] = str(value) if value is not None else None
    return data


# -- loading and validating -----------------------------------------------------------------------


@cache
def national_ct() -> DrlTable:
    """The shipped UK adult CT NDRLs (UKHSA, from 20 November 2024; values adopted 2022)."""
    path = Path(str(resources.files("qsi_desktop.dose") / "data" / f"{NATIONAL_CT}.json"))
    return load_file(path, shipped=True)


def load_file(path: Path, *, shipped: bool = False) -> DrlTable:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DrlError(f"{path}: DRL table not found") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DrlError(f"{path}: cannot read DRL table: {exc}") from exc
    return parse_document(raw, str(path), shipped=shipped)


def parse_document(raw: Any, where: str, *, shipped: bool = False) -> DrlTable:
    """A validated table from its JSON document; :class:`DrlError` naming ``where`` and the entry."""
    try:
        return _table(raw, shipped)
    except DrlError as exc:
        raise DrlError(f"{where}: {exc}") from None


def _table(raw: Any, shipped: bool) -> DrlTable:
    if not isinstance(raw, dict) or raw.get("schema") != SCHEMA_VERSION:
        raise DrlError(f"not a DRL table document (schema must be {SCHEMA_VERSION})")
    meta = raw.get("table")
    if not isinstance(meta, dict):
        raise DrlError("'table' must be an object")
    text = {key: _text(meta.get(key), f"table {key}") for key in ("name", "kind", "title", "version", "source")}
    if not _NAME.match(text["name"]):
        raise DrlError(f"table name {text['name']!r}: use lowercase letters, digits and hyphens")
    if text["kind"] not in ("ct", "ir"):
        raise DrlError(f"table kind must be 'ct' or 'ir', found {text['kind']!r}")
    entries = raw.get("entries")
    if not isinstance(entries, list):
        raise DrlError("'entries' must be a list (empty for a table still to be filled)")
    parse = _ct_entry if text["kind"] == "ct" else _ir_entry
    parsed = []
    for number, item in enumerate(entries, start=1):
        if not isinstance(item, dict):
            raise DrlError(f"entry {number} must be an object")
        try:
            parsed.append(parse(item))
        except DrlError as exc:
            raise DrlError(f"entry {number}: {exc}") from None
    _check_unique(parsed)
    return DrlTable(
        name=text["name"],
        kind=text["kind"],  # type: ignore[arg-type]
        title=text["title"],
        version=text["version"],
        source=text["source"],
        population=str(meta.get("population") or ""),
        notice=str(meta.get("notice") or ""),
        ct=tuple(e for e in parsed if isinstance(e, CtDrl)),
        ir=tuple(e for e in parsed if isinstance(e, IrDrl)),
        shipped=shipped,
    )


def _ct_entry(item: dict[str, Any]) -> CtDrl:
    entry = CtDrl(
        exam_type=_text(item.get("exam_type"), "exam_type"),
        indication=_optional_text(item.get("indication")),
        ctdivol_mgy=_value(item.get("ctdivol_mgy"), "ctdivol_mgy"),
        dlp_mgycm=_value(item.get("dlp_mgycm"), "dlp_mgycm"),
        adopted=_year(item.get("adopted")),
        age_band=_band(item.get("age_band"), "age_band"),
        weight_band=_band(item.get("weight_band"), "weight_band"),
        phantom=_phantom(item.get("phantom")),
    )
    if entry.ctdivol_mgy is None and entry.dlp_mgycm is None:
        raise DrlError(f"{entry.exam_type}: give a CTDIvol or a DLP")
    return entry


def _ir_entry(item: dict[str, Any]) -> IrDrl:
    entry = IrDrl(
        procedure=_text(item.get("procedure"), "procedure"),
        dap_gycm2=_value(item.get("dap_gycm2"), "dap_gycm2"),
        rp_dose_mgy=_value(item.get("rp_dose_mgy"), "rp_dose_mgy"),
        fluoro_time_s=_value(item.get("fluoro_time_s"), "fluoro_time_s"),
    )
    if entry.dap_gycm2 is None and entry.rp_dose_mgy is None and entry.fluoro_time_s is None:
        raise DrlError(f"{entry.procedure}: give a DAP, a reference-point dose or a fluoroscopy time")
    return entry


def _identity(entry: CtDrl | IrDrl) -> tuple[Any, ...]:
    if isinstance(entry, IrDrl):
        return (entry.procedure.casefold(),)
    return (entry.exam_type.casefold(), entry.age_band, entry.weight_band, entry.phantom)


def _check_unique(entries: list[CtDrl | IrDrl]) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    for number, entry in enumerate(entries, start=1):
        first = seen.setdefault(_identity(entry), number)
        if first != number:
            raise DrlError(f"entry {number} repeats entry {first} (same exam or procedure, band and phantom)")


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DrlError(f"{what} must be non-empty text")
    return " ".join(value.split())


def _optional_text(value: Any) -> str | None:
    return (" ".join(value.split()) or None) if isinstance(value, str) else None


def _value(value: Any, what: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise DrlError(f"{what} {value!r} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or value != value:
        raise DrlError(f"{what} must be a positive number, found {value!r}")
    return float(value)


def _year(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        year = int(str(value).strip())
    except ValueError:
        raise DrlError(f"adopted {value!r} is not a year") from None
    if not 1990 <= year <= 2100:
        raise DrlError(f"adopted {year} is not a plausible year")
    return year


def _band(value: Any, what: str) -> Band | None:
    if value in (None, ""):
        return None
    match = _BAND.match(str(value).replace(" ", ""))
    if not match or float(match[1]) >= float(match[2]):
        raise DrlError(f"{what} {value!r} must be like 1-5 (from 1 up to but not including 5)")
    return Band(float(match[1]), float(match[2]))


def _phantom(value: Any) -> str | None:
    if value in (None, ""):
        return None
    phantom = str(value).strip().lower()
    if phantom not in ("head", "body"):
        raise DrlError(f"phantom {value!r} must be head or body")
    return phantom


# -- the workspace's tables ---------------------------------------------------------------------------


def tables(ws: Workspace) -> list[DrlTable]:
    """The shipped national table, then the user's tables by name."""
    found = [national_ct()]
    for key in stored_tables.keys(ws, NAMESPACE):
        if key.startswith(KEY_PREFIX):
            raw = stored_tables.get(ws, NAMESPACE, key)
            found.append(parse_document(raw, f"stored DRL table {key[len(KEY_PREFIX) :]}"))
    return found


def get(ws: Workspace | None, name: str) -> DrlTable:
    if name == NATIONAL_CT:
        return national_ct()
    if ws is not None:
        raw = stored_tables.get(ws, NAMESPACE, KEY_PREFIX + name)
        if raw is not None:
            return parse_document(raw, f"stored DRL table {name}")
        known = ", ".join(t.name for t in tables(ws))
    else:
        known = NATIONAL_CT
    raise UserError(f"no DRL table named {name!r}; tables: {known}")


def remove(ws: Workspace, name: str, *, actor: str) -> None:
    if name == NATIONAL_CT:
        raise UserError(f"{name} is the shipped national table; it cannot be removed (import your own beside it)")
    if stored_tables.get(ws, NAMESPACE, KEY_PREFIX + name) is None:
        raise UserError(f"no user DRL table named {name!r}")
    stored_tables.put(ws, NAMESPACE, KEY_PREFIX + name, None, actor=actor)


# Header spellings accepted in a CSV, after lowercasing and dropping units in brackets.
_COLUMNS = {
    "exam_type": ("exam_type", "exam", "examination", "protocol"),
    "indication": ("indication", "clinical_indication"),
    "ctdivol_mgy": ("ctdivol_mgy", "ctdivol", "ctdi_vol"),
    "dlp_mgycm": ("dlp_mgycm", "dlp_mgy_cm", "dlp"),
    "adopted": ("adopted", "year", "adopted_year"),
    "age_band": ("age_band", "age", "age_years"),
    "weight_band": ("weight_band", "weight", "weight_kg"),
    "phantom": ("phantom", "ctdi_phantom"),
    "procedure": ("procedure", "procedure_type"),
    "dap_gycm2": ("dap_gycm2", "dap", "dap_gy_cm2"),
    "rp_dose_mgy": ("rp_dose_mgy", "rp_dose", "rp_air_kerma", "rp_air_kerma_mgy", "air_kerma"),
    "fluoro_time_s": ("fluoro_time_s", "fluoro_time", "fluoroscopy_time", "fluoroscopy_time_s"),
}


def _header(text: str) -> str | None:
    plain = re.sub(r"[^a-z0-9]+", "_", re.sub(r"\(.*?\)", "", text.lower())).strip("_")
    return next((canonical for canonical, names in _COLUMNS.items() if plain in names), None)


def import_csv(ws: Workspace, name: str, csv_path: Path, *, actor: str, title: str = "") -> DrlTable:
    """Keep a user DRL table read from a CSV (replacing one of the same name); all rows or none.

    CT columns: ``exam_type``, ``ctdivol_mgy``, ``dlp_mgycm`` and optional ``indication``, ``adopted``,
    ``age_band``, ``weight_band``, ``phantom``. IR/fluoroscopy columns: ``procedure``, ``dap_gycm2``,
    ``rp_dose_mgy``, ``fluoro_time_s``. Bad rows are reported by their row number in the file.
    """
    if not _NAME.match(name) or name == NATIONAL_CT:
        raise UserError(f"table name {name!r}: use lowercase letters, digits and hyphens, not {NATIONAL_CT}")
    rows = _read_csv(csv_path)
    header = [_header(cell) for cell in rows[0]] if rows else []
    kind: Kind = "ct" if "exam_type" in header else "ir" if "procedure" in header else _no_kind(csv_path)
    entries, errors = [], []
    for number, row in enumerate(rows[1:], start=2):  # row 1 is the header, as a spreadsheet numbers it
        if not any(cell.strip() for cell in row):
            continue
        item = {column: cell.strip() for column, cell in zip(header, row, strict=False) if column}
        try:
            entries.append(_ct_entry(item) if kind == "ct" else _ir_entry(item))
        except DrlError as exc:
            errors.append(f"row {number}: {exc}")
    try:
        _check_unique(entries)
    except DrlError as exc:
        errors.append(str(exc).replace("entry", "data row"))
    if errors:
        shown = "; ".join(errors[:MAX_ERRORS_SHOWN]) + ("; ..." if len(errors) > MAX_ERRORS_SHOWN else "")
        raise UserError(f"{csv_path.name}: {len(errors)} bad row(s), nothing saved: {shown}")
    document = {
        "schema": SCHEMA_VERSION,
        "table": {
            "name": name,
            "kind": kind,
            "title": title or f"{'CT DRLs' if kind == 'ct' else 'Fluoroscopy reference levels'} ({name})",
            "version": "user table",
            "source": f"imported by {actor} from {csv_path.name}",
            "population": "",
        },
        "entries": [_entry_dict(e) for e in entries],
    }
    table = parse_document(document, f"{csv_path.name}")
    stored_tables.put(ws, NAMESPACE, KEY_PREFIX + name, document, actor=actor)
    return table


def _no_kind(csv_path: Path) -> Kind:
    raise UserError(f"{csv_path.name}: no exam_type (CT) or procedure (fluoroscopy) column in the first row")


def _read_csv(path: Path) -> list[list[str]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    if len(raw) > 1_000_000:
        raise UserError(f"{path.name}: too large for a DRL table (1 MB at most)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Excel's "CSV" on a UK Windows desktop
    try:
        return list(csv.reader(text.splitlines()))
    except csv.Error as exc:
        raise UserError(f"{path.name}: not a CSV file ({exc})") from None
