"""What plugins register: frozen dataclasses returned by the ``qsi_register_*`` hooks.

Plugins never touch the database or Qt through these types: an importer turns files into
:class:`ImportedRecord` values and the core stores them; a report section returns neutral
:class:`ReportBlock` values and the Word pack lays them out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, Protocol


@dataclass(frozen=True)
class Modality:
    """An imaging modality a service may provide; its catalogue section applies only if it does.

    ``section_ref`` must name a section registered with ``modality == code``; a modality whose
    section is missing or belongs to another modality is dropped with a reason.
    """

    code: str  # two capital letters, the prefix of its section: "CT", "MG", "DX"
    name: str  # "Computerised tomography"
    section_ref: str  # "CT-9"


@dataclass(frozen=True)
class Scope:
    """Something a service may or may not do that decides whether some statements apply.

    A statement lists the scopes it depends on (``"scope": ["paediatric"]`` in the framework file);
    a service profile that answers no to the scope makes it not applicable, with ``label`` in the
    reason. ``question`` is what the profile dialog asks.
    """

    id: str  # lowercase words joined by hyphens: "paediatric"
    label: str  # "paediatric imaging": "the service does not provide paediatric imaging"
    question: str  # "The service images children and young people"
    default: bool = True  # what a new service profile answers
    modality: str | None = None  # asked only of services providing this modality (None: of every service)


@dataclass(frozen=True)
class ChecklistItem:
    key: str  # stable within its template, e.g. "zone-map"
    text: str
    statement_refs: tuple[str, ...] = ()  # the quality statements this item gives evidence for
    guidance: str = ""


@dataclass(frozen=True)
class ChecklistTemplate:
    """A checklist or register template a modality lead fills in."""

    id: str  # globally unique, e.g. "mr.safety-roles"
    title: str
    modality: str | None
    items: tuple[ChecklistItem, ...]
    # A template applies when its modality is provided and at least one of these statements
    # applies (so a paediatric checklist leaves with the paediatric statements).
    statement_refs: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class ImportedRecord:
    """One record an importer read, already stripped of patient data.

    ``key`` identifies the record for de-duplication: build it with :meth:`ImportContext.keyed_hash`
    from identifiers such as UIDs, never from a plain identifier.
    """

    key: str
    data: dict[str, Any]
    file: str
    row: int | None = None
    occurred_on: str | None = None  # ISO date (or YYYY-MM) of the event the record describes
    # Replace semantics: records of one importer with the same ``group`` describe the same thing
    # (one study's cumulative dose report, one register entry re-exported). Only one of a group is
    # current: the highest ``rank``, the later import on a tie; the others are kept as history and
    # not counted. None: the record stands alone. Build ``group`` with ``keyed_hash`` too.
    group: str | None = None
    rank: float = 0.0  # e.g. the number of irradiation events in a cumulative report


@dataclass(frozen=True)
class ImportIssue:
    """A file or a row that was skipped (not relevant) or rejected (bad), with the reason.

    A streaming importer yields these beside its records; ``kind`` says which list they go to.
    The reason must not quote patient data (the core also blanks anything like an NHS number).
    """

    file: str
    reason: str
    row: int | None = None
    kind: Literal["rejected", "skipped"] = "rejected"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "reason": self.reason}


@dataclass
class ImportBatch:
    """What an importer returns: records to store plus everything it could not use."""

    files: int = 0
    records: list[ImportedRecord] = field(default_factory=list)
    skipped: list[ImportIssue] = field(default_factory=list)
    rejected: list[ImportIssue] = field(default_factory=list)
    cancelled: bool = False


class ImportContext(Protocol):
    """Handed to an importer's ``run``: progress, cooperative cancel and keyed hashing."""

    def progress(self, done: int, total: int, message: str = "") -> None: ...

    def is_cancelled(self) -> bool: ...

    def keyed_hash(self, *values: str) -> str:
        """HMAC-SHA256 of the values with the workspace's secret key (hex)."""
        ...


ImportRun = Callable[[Sequence[Path], ImportContext], ImportBatch]
ImportRead = Callable[[Path, ImportContext], Iterable[ImportedRecord | ImportIssue]]
RecordUpgrade = Callable[[dict[str, Any], int], dict[str, Any]]


@dataclass(frozen=True)
class Importer:
    """A data importer: give ``read`` (streaming, preferred) or ``run`` (whole batch, API 1).

    ``read(path, context)`` is called once per file (folders are expanded by the core) and yields
    :class:`ImportedRecord` and :class:`ImportIssue` values as it goes; the core stores them in
    chunks, one transaction per file, so memory stays flat whatever the size. ``run(paths,
    context)`` returns one :class:`ImportBatch` (the core calls it one file at a time). Either must
    drop patient data as it reads and never raise for bad input: yield or list an issue and go on.
    If the importer raises anyway, that is a bug: the whole run is taken out (files stored before
    included), recorded as cancelled, and the user sees one line naming the plugin, the importer and
    the file; the traceback goes to the log.

    ``version`` is the shape of the records' ``data``: stored with each record. When a plugin
    changes the shape it raises ``version`` and gives ``upgrade(data, stored_version)``, which the
    core applies to older records when they are read. The fields keep API 1's order, so
    ``Importer(name, title, run, patterns)`` still works; give ``read`` and the rest by keyword.
    """

    name: str  # the command-line name, e.g. "us-decontamination"
    title: str
    run: ImportRun | None = None
    patterns: tuple[str, ...] = ()  # accepted file names, e.g. ("*.csv",)
    modality: str | None = None
    description: str = ""
    statement_refs: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()  # record fields shown by ``qsi records``, in order
    read: ImportRead | None = None
    version: int = 1
    upgrade: RecordUpgrade | None = None
    # The core may call ``read`` in other processes, several files at once (both cores for a folder
    # of DICOM files). Then ``read`` must be a module-level function, and its context only hashes:
    # progress and cancel are the core's, between files.
    parallel: bool = False
    # Fields of ``data`` holding free text someone typed (notes, item names; ``events.protocol`` for a
    # field of a list of dicts): the core holds back records where one looks like a patient identifier
    # (hospital number, date of birth, a name after a title) unless the user says otherwise. None:
    # every text field is checked. Codes, serials and staff-name fields are left out by listing the
    # others. NHS numbers are refused in every field whatever this says.
    free_text: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text. ``style``: "" (body), "note" (a quieter aside) or "warning"."""

    text: str
    style: str = ""


@dataclass(frozen=True)
class Heading:
    """A heading inside a plugin section (level 2 or 3: the section's own title is placed by the core)."""

    text: str
    level: int = 2


# A table cell: text, a number, a date, or a statement status (StatusCell); None is an empty cell.
@dataclass(frozen=True)
class StatusCell:
    """A cell showing a statement status ("met", "partially_met", ...) as its label."""

    status: str


Cell = str | int | float | date | StatusCell | None


@dataclass(frozen=True)
class Table:
    """A data table: ``columns`` is its header row (repeated on every page), ``rows`` its cells.

    Cells are typed (:data:`Cell`): numbers and dates are formatted by the pack, the same way
    everywhere. ``landscape``: a hint that the table is wide (more than about seven columns).
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str = ""
    landscape: bool = False
    # Relative column widths (one per column); empty: the pack sizes columns from what they hold.
    weights: tuple[float, ...] = ()


@dataclass(frozen=True)
class BulletList:
    """A list of short points."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Figure:
    """A chart or picture: ``png`` bytes, a caption, alt text saying what the data shows (not "a
    chart"), and the same data as a table, so readers who cannot see the picture lose nothing."""

    png: bytes
    caption: str
    alt_text: str
    table: Table | None = None
    width_cm: float = 16.0


ReportBlock = Paragraph | Heading | Table | BulletList | Figure
REPORT_BLOCK_TYPES = (Paragraph, Heading, Table, BulletList, Figure)


class ReportContext(Protocol):
    """Read-only access to a workspace for report sections."""

    as_of: date  # the date the report is made for: "expired", "due" and "overdue" are measured from it

    def records(self, importer: str, *, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        """The importer's current records (history left out), oldest first, upgraded to its
        current shape; ``since``/``until`` (inclusive) keep those whose ``occurred_on`` falls
        between (a month-only date counts when its month overlaps)."""
        ...

    def modalities(self) -> frozenset[str]: ...

    def checklist_answers(self, template_id: str) -> dict[str, dict[str, Any]]:
        """Answers to a checklist template by item key: ``{"answer": "yes", "note": "..."}``."""
        ...

    def profile(self) -> dict[str, Any]:
        """The service profile: ``name``, ``organisation``, ``sites``, ``modalities``, ``scopes``."""
        ...

    def statements(self) -> list[dict[str, Any]]:
        """Every statement's state: ``ref``, ``status`` (effective), ``applicable``, ``reason``, ``owner``,
        ``next_review_on`` (ISO date or None), ``evidence`` (how many items), ``open_actions``."""
        ...

    def evidence(self) -> list[dict[str, Any]]:
        """Current evidence items: ``id``, ``label`` (``E-014``), ``title``, ``version``, ``owner``,
        ``review_due_on``, ``statements`` (refs), ``review_overdue`` (measured on ``as_of``)."""
        ...

    def register_rows(self, register_id: str) -> list[dict[str, Any]]:
        """The register's rows in use (retired rows left out): each row's values by field key plus
        ``id``; dates as ISO text, evidence as its id. An unknown register raises ``QsiError``."""
        ...

    def zone_map(self, register_id: str, row_id: int) -> Any:
        """The zone map kept for a register row (a register with ``zone_map``), as a
        :class:`qsi_desktop.zone_maps.ZoneMap` with its floor-plan image loaded, or None when none
        was drawn. :func:`qsi_desktop.zone_maps.report_blocks` turns it into pack blocks."""
        ...


def occurred_in_range(occurred_on: str | None, since: date | None, until: date | None) -> bool:
    """Whether an ISO date (or ``YYYY-MM``) falls in ``since``..``until``; a month counts when it overlaps."""
    if since is None and until is None:
        return True
    if not occurred_on:
        return False
    if since is not None and occurred_on < since.isoformat()[: len(occurred_on)]:
        return False
    return until is None or occurred_on[:10] <= until.isoformat()


@dataclass(frozen=True)
class ReportSection:
    """A section a plugin adds to the Word submission pack.

    The core decides whether it applies (its ``modality`` provided, and at least one of its
    ``statement_refs`` applicable when it names any) and places it at the end of the part for
    ``section_ref`` (the section of the standard it belongs to, e.g. ``"CT-9"``); without one it goes
    to an appendix. ``order`` sorts sections placed in the same part.
    """

    id: str
    title: str
    render: Callable[[ReportContext], list[ReportBlock]]
    modality: str | None = None
    order: int = 100
    statement_refs: tuple[str, ...] = ()
    section_ref: str | None = None


FIELD_KINDS = ("text", "choice", "date", "number", "boolean", "file", "evidence")
FieldKind = Literal["text", "choice", "date", "number", "boolean", "file", "evidence"]


@dataclass(frozen=True)
class RegisterField:
    """One column of a :class:`Register`.

    ``kind``: ``"text"``, ``"choice"`` (one of ``choices``), ``"date"``, ``"number"`` (between
    ``minimum`` and ``maximum`` when given, in ``unit``), ``"boolean"``, ``"file"`` (where a document
    is: a file name, path or link, kept as text) or ``"evidence"`` (an evidence item of the
    workspace, ``E-014``). ``aliases`` are other header spellings the import accepts (the key and
    the label always are). Text is refused when it holds something like an NHS number.
    """

    key: str  # lowercase letters, digits and underscores, stable: rows store their values by key
    label: str  # the column header shown and exported
    kind: FieldKind = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    unit: str = ""  # "T", "W/kg": shown beside the label; a header "SAR (W/kg)" still matches
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""


RowFlags = Callable[[Mapping[str, Any], date], Sequence[str]]
RowPrepare = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class ZoneKind:
    """A kind of area drawn on a zone map: a polygon over the floor plan or room grid.

    ``shape``: ``"area"`` is filled (a controlled area); ``"line"`` is a closed contour drawn dashed
    without fill (a field line such as 3 mT). ``required``: the pack flags a map without one.
    """

    key: str  # lowercase words joined by hyphens: "mr-environment"
    label: str  # "MR Environment (Faraday cage and 0.5 mT contour)"
    colour: str  # "#rrggbb", readable on white and on a grey floor plan
    shape: Literal["area", "line"] = "area"
    required: bool = False
    short: str = ""  # drawn on the map beside the area ("MR Environment"); the label when empty


@dataclass(frozen=True)
class MarkerKind:
    """A kind of point placed on a zone map (an entrance, a sign, a quench button), with one detail
    and one date; ``check_every_days`` flags a date older than that (or none) in the pack."""

    key: str  # "entrance"
    label: str  # "Entrance"
    symbol: str  # one or two characters drawn in the marker: "E"
    detail_label: str = ""  # what the detail is: "Access control", "Sign type"
    detail_choices: tuple[str, ...] = ()  # offered in the editor; other text is accepted
    date_label: str = ""  # "Checked", "Tested"; empty: no date kept
    check_every_days: int | None = None


@dataclass(frozen=True)
class ZoneMapSpec:
    """Declares that each row of a :class:`Register` has a zone map (an MR unit's controlled access
    area): the kinds of areas and markers drawn on it and optional labels for an area (ACR zones)."""

    zones: tuple[ZoneKind, ...]
    markers: tuple[MarkerKind, ...] = ()
    area_labels: tuple[str, ...] = ()  # offered as an optional label per area: "Zone III"
    title: str = "Zone map"  # "MR zone map": the editor's and the pack's name for one map

    def zone(self, key: str) -> ZoneKind | None:
        return next((z for z in self.zones if z.key == key), None)

    def marker(self, key: str) -> MarkerKind | None:
        return next((m for m in self.markers if m.key == key), None)


@dataclass(frozen=True)
class Register:
    """A register a modality lead keeps up to date (MR units, transducers, SOP documents).

    The core stores its rows in the workspace with the audit trail, builds a table editor for it in
    the Modalities area (add, edit, retire with history, sort, filter, .xlsx import and export) and
    serves it to ``qsi register`` and to report sections (:meth:`ReportContext.register_rows`).
    ``key_fields`` name the fields that identify a row (a transducer's id; a unit's site and room):
    two rows may not share them, and an import updates the row they identify. ``flags(values,
    as_of)``, optional, returns short warnings for one row ("review overdue"), shown beside it.
    """

    id: str  # "<plugin>.<name>", e.g. "us.transducers"
    title: str
    fields: tuple[RegisterField, ...]
    key_fields: tuple[str, ...]
    modality: str | None = None
    statement_refs: tuple[str, ...] = ()
    description: str = ""
    flags: RowFlags | None = None
    # The core puts the register in the pack as a dated table in its modality's part; False when a
    # report section of the plugin shows it its own way (e.g. with gaps and a summary).
    in_pack: bool = True
    # Each row has a zone map (a floor plan or room grid with areas and markers) kept in the
    # workspace; the core gives the editor (qsi_desktop.gui.zone_map_editor) and `qsi zone-map`.
    zone_map: ZoneMapSpec | None = None
    # Imports only: one row's cells by field key (text, or numbers and dates from a workbook) before
    # the fields' own checks; returns the values to check (labels spelled the register's way, numbers
    # read from a conditions column). Raise ValueError with the reason to reject the row.
    prepare: RowPrepare | None = None

    def field(self, key: str) -> RegisterField | None:
        return next((f for f in self.fields if f.key == key), None)


@dataclass(frozen=True)
class Panel:
    """A custom GUI panel. ``factory(parent, context)`` returns a QWidget; only the GUI calls it.

    Checklist panels need no code: the core builds one per modality from the registered templates.
    """

    id: str
    title: str
    factory: Callable[[Any, Any], Any]
    modality: str | None = None
