"""What plugins register: frozen dataclasses returned by the ``qsi_register_*`` hooks.

Plugins never touch the database or Qt through these types: an importer turns files into
:class:`ImportedRecord` values and the core stores them; a report section returns neutral
:class:`ReportBlock` values and the Word pack lays them out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

MODALITY_CODES = ("CT", "IR", "MR", "NM", "US")


@dataclass(frozen=True)
class Modality:
    """An imaging modality a service may provide; its catalogue section applies only if it does."""

    code: str  # "CT", "IR", "MR", "NM", "US"
    name: str  # "Computerised tomography"
    section_ref: str  # "CT-9"


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


@dataclass(frozen=True)
class ImportIssue:
    """A file or a row that was skipped (not relevant) or rejected (bad), with the reason."""

    file: str
    reason: str
    row: int | None = None

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


@dataclass(frozen=True)
class Importer:
    """A data importer. ``run(paths, context)`` reads files (folders are expanded by the core)."""

    name: str  # the command-line name, e.g. "us-decontamination"
    title: str
    run: ImportRun
    patterns: tuple[str, ...]  # accepted file names, e.g. ("*.csv",)
    modality: str | None = None
    description: str = ""
    statement_refs: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()  # record fields shown by ``qsi records``, in order


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = ""  # "", "note" or "warning"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


ReportBlock = Paragraph | Heading | Table


class ReportContext(Protocol):
    """Read-only access to a workspace for report sections."""

    as_of: date  # the date the report is made for: "expired", "due" and "overdue" are measured from it

    def records(self, importer: str) -> list[dict[str, Any]]: ...

    def modalities(self) -> frozenset[str]: ...

    def checklist_answers(self, template_id: str) -> dict[str, dict[str, Any]]:
        """Answers to a checklist template by item key: ``{"answer": "yes", "note": "..."}``."""
        ...


@dataclass(frozen=True)
class ReportSection:
    """A section a plugin adds to the Word submission pack."""

    id: str
    title: str
    render: Callable[[ReportContext], list[ReportBlock]]
    modality: str | None = None
    order: int = 100
    statement_refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Panel:
    """A GUI panel. ``factory(parent, context)`` returns a QWidget; only the GUI calls it."""

    id: str
    title: str
    factory: Callable[[Any, Any], Any]
    modality: str | None = None
