"""Reading a service's own tracker spreadsheet (.xlsx or .csv) into a preview of what an import would change.

Trackers come in the shapes services keep: title rows above the header, merged headers, references
written ``XR 101``, ``xr-101`` or ``XR-101 Patient information``, statuses in the service's own
words or only as a red/amber/green cell fill, several evidence links or paths in one cell. The
file is read through :func:`qsi_desktop.tabular.open_any_table` (the reader every table import
uses) and its columns mapped as register imports map theirs (:func:`register_io.map_columns`).

:func:`preview` stores nothing. It gives the column mapping and the status-word mapping (both the
user may change, and preview again), the rows that would change the workspace and how, the rows
that would change nothing, and every row it cannot use with its number and a reason that names
the column, never the cell's text (a tracker's comments may hold anything). A blank cell leaves the
workspace's value as it is: a tracker without an owner column does not wipe the owners.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path, PureWindowsPath
from typing import Literal

from sqlalchemy import select

from qsi_desktop.export.cells import FORMULA_STARTS
from qsi_desktop.privacy import find_nhs_numbers
from qsi_desktop.services import applicability, stored_tables
from qsi_desktop.services.app import App
from qsi_desktop.services.assessments import AssessmentChange, get_profile
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.evidence import CURRENT_EVIDENCE
from qsi_desktop.services.evidence_tree import nhs_number_place
from qsi_desktop.services.records import AssessmentRecord, assessment_record
from qsi_desktop.services.register_io import ColumnMapping, RowIssue, map_columns, shape_of
from qsi_desktop.services.values import STATUS_LABELS
from qsi_desktop.store.evidence_files import sha256_of
from qsi_desktop.store.models import Assessment, EvidenceItem, EvidenceLink
from qsi_desktop.store.workspace import Workspace
from qsi_desktop.tabular import MAX_BYTES, TableError, TableRead, header_key, header_matcher, open_any_table, parse_date

NAMESPACE = "tracker"  # stored_tables namespace of the remembered mappings

# Field -> the header spellings trackers use for it (matched ignoring case and punctuation).
FIELDS: dict[str, tuple[str, ...]] = {
    "ref": ("Ref", "Reference", "QS", "QS ref", "QSI ref", "Quality statement", "Statement", "Statement ref",
            "Standard", "Standard ref", "QS number"),
    "status": ("Status", "Compliance", "Compliance status", "RAG", "RAG status", "RAG rating", "Rating",
               "Self-assessment", "Self assessment", "Assessment", "Compliant", "Compliant?", "Met?", "Current status"),
    "owner": ("Owner", "Lead", "Responsible", "Responsible person", "Accountable", "Assigned to", "Owner/lead",
              "Lead/owner", "Action owner"),
    "narrative": ("Narrative", "Comments", "Comment", "Notes", "Commentary", "Progress", "Update",
                  "Progress update", "Evidence summary", "Narrative/comments", "Gap analysis",
                  "Evidence/comments", "Evidence and comments", "Comments/evidence", "Notes/evidence",
                  "Evidence/notes", "Current position", "Position statement", "Assurance"),
    "justification": ("Justification", "N/A reason", "NA reason", "Reason not applicable",
                      "Not applicable reason", "Reason"),
    "evidence": ("Evidence", "Evidence links", "Evidence link", "Evidence location", "Evidence path",
                 "Link", "Links", "Location", "Evidence ids", "Evidence reference"),
    "last_reviewed": ("Last reviewed", "Date reviewed", "Reviewed", "Reviewed on", "Last review", "Last review date"),
    "next_review": ("Next review", "Next review date", "Review date", "Review due", "Due", "Due date",
                    "Date due"),
}  # fmt: skip
FIELD_LABELS = {
    "ref": "Statement reference",
    "status": "Status",
    "owner": "Owner",
    "narrative": "Narrative",
    "justification": "Justification",
    "evidence": "Evidence",
    "last_reviewed": "Last reviewed",
    "next_review": "Next review",
}

# A status word's key (header_key: case, spaces and punctuation ignored) -> status.
STATUS_WORDS: dict[str, str] = {
    **{header_key(label): status for status, label in STATUS_LABELS.items()},
    **dict.fromkeys(("compliant", "fullycompliant", "fullymet", "achieved", "fullyachieved", "green", "g",
                     "complete", "completed", "yes", "done"), "met"),
    **dict.fromkeys(("partial", "partially", "partiallycompliant", "partlycompliant", "partlymet",
                     "partiallyachieved", "amber", "a", "some"), "partially_met"),
    **dict.fromkeys(("notmet", "noncompliant", "notcompliant", "notachieved", "red", "r", "no", "unmet"),
                    "not_met"),
    **dict.fromkeys(("na", "notapplicable", "notrelevant", "nonapplicable"), "not_applicable"),
    **dict.fromkeys(("inprogress", "ongoing", "wip", "underreview", "started", "workinprogress"), "in_progress"),
    **dict.fromkeys(("notstarted", "notyetstarted", "todo", "tbc", "notassessed"), "not_started"),
    # Cells with no word but a red, amber or green fill (see _fill_word).
    "redcellfill": "not_met",
    "ambercellfill": "partially_met",
    "greencellfill": "met",
}  # fmt: skip
MAX_WORD = 40  # a longer "status" is a comment in the wrong column: not offered as a word to map

_REF = re.compile(r"^\s*([A-Za-z]{2})\s*[-_ ]?\s*(\d{3})(?!\d)")
_EVIDENCE_ID = re.compile(r"^(?:E-?|#)0*(\d{1,9})$", re.IGNORECASE)
_URL = re.compile(r"^(https?|file)://\S+$|^\\\\\S+", re.IGNORECASE)
_SPLIT = re.compile(r"[\n;]+")
MAX_EVIDENCE_FILE = 2_000_000_000  # a path to something larger is not a document

Progress = Callable[[int, int, str], None]
EvidenceKind = Literal["item", "url", "file"]


@dataclass(frozen=True)
class EvidenceRef:
    """One evidence entry of a row: an item already stored, a link, or a file beside the tracker."""

    kind: EvidenceKind
    item_id: int | None = None  # "item"; "url"/"file" when the same link or file is already stored
    url: str = ""
    path: Path | None = None
    sha256: str = ""
    size: int = 0


@dataclass(frozen=True)
class PlannedRow:
    """A row that changes the workspace: ``change`` holds only what differs from what is stored."""

    row: int
    ref: str
    change: AssessmentChange
    evidence: tuple[EvidenceRef, ...]
    changes: tuple[str, ...]  # field labels, for the preview
    row_version: int  # the assessment's version read: changed meanwhile means preview again
    details: tuple[str, ...] = ()  # each change as "field: now → then", texts shortened, for the preview


def _details(change: AssessmentChange, stored: AssessmentRecord, status: str, links: int) -> tuple[str, ...]:
    """What a planned row changes, each as "field: what is stored → what the tracker says"."""
    shown: list[str] = []

    def text(value: str | None) -> str:
        value = " ".join((value or "").split())
        return f"'{value[:60]}…'" if len(value) > 60 else f"'{value}'" if value else "(empty)"

    def day(value: date | None) -> str:
        return f"{value:%d/%m/%Y}" if value else "(none)"

    if change.status:
        shown.append(f"status: {STATUS_LABELS.get(status, status)} → {STATUS_LABELS.get(change.status, change.status)}")
    if change.justification is not None and change.justification != stored.justification:
        shown.append(f"justification: {text(stored.justification)} → {text(change.justification)}")
    if change.owner is not None:
        shown.append(f"owner: {text(stored.owner)} → {text(change.owner)}")
    if change.narrative is not None:
        shown.append(f"narrative: {text(stored.narrative)} → {text(change.narrative)}")
    if change.reviewed_on is not None:
        shown.append(f"last reviewed: {day(stored.last_reviewed_on)} → {day(change.reviewed_on)}")
    if change.next_review_on is not None and change.next_review_on != stored.next_review_on:
        shown.append(f"next review: {day(stored.next_review_on)} → {day(change.next_review_on)}")
    if links:
        shown.append(f"evidence: {links} new link{'s' if links > 1 else ''}")
    return tuple(shown)


@dataclass(frozen=True)
class StatusWord:
    """A distinct status word in the file (or a fill colour), how many rows use it, what it maps to."""

    key: str
    shown: str
    rows: int
    status: str | None
    use: Literal["known", "chosen", "remembered", "unknown"]


@dataclass
class TrackerPreview:
    file_name: str
    folder: Path  # where relative evidence paths are looked for
    sheet: str
    header_row: int
    shape: str
    columns: list[ColumnMapping]
    words: list[StatusWord] = field(default_factory=list)
    planned: list[PlannedRow] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)  # row numbers
    rejected: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)  # the row is used; part of it is not
    blank_rows: int = 0
    missing: list[str] = field(default_factory=list)
    remembered: bool = False
    status_map: dict[str, str] = field(default_factory=dict)  # the user's words (key -> status)

    @property
    def mapping(self) -> dict[str, str]:
        """header -> field ("" for a column not read): what the user may change and what is remembered."""
        return {c.header: c.field or "" for c in self.columns if c.use not in ("patient", "duplicate")}

    @property
    def rows(self) -> int:
        return len(self.planned) + len(self.unchanged) + len(self.rejected)

    @property
    def ok(self) -> bool:
        return not self.missing


def ref_of(text: str) -> str | None:
    """``XR 101``, ``xr-101``, ``XR101``, ``XR-101 Patient information`` -> ``XR-101``; None for no reference."""
    match = _REF.match(text)
    return f"{match.group(1).upper()}-{match.group(2)}" if match else None


def word_key(text: str) -> str:
    return header_key(text)


def parse_status_map(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``WORD=STATUS`` pairs (``Fully achieved=met``) as {word key: status}."""
    from qsi_desktop.services.values import parse_status

    mapped: dict[str, str] = {}
    for item in items:
        word, sep, status = item.rpartition("=")
        if not sep or not word.strip():
            raise UserError(f"--status-map {item!r}: give WORD=STATUS, e.g. 'Fully achieved=met'")
        mapped[word_key(word)] = parse_status(status)
    return mapped


def preview(
    ws: Workspace,
    app: App,
    path: Path | str,
    *,
    mapping: Mapping[str, str] | None = None,
    status_map: Mapping[str, str] | None = None,
    max_bytes: int = MAX_BYTES,
    on_progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> TrackerPreview:
    """Read the tracker at ``path`` and say what an import would do; nothing is stored.

    ``mapping``: header -> field (``""``: not read), overriding the matched columns; without it a
    mapping remembered for files of the same shape is used. ``status_map``: word -> status for the
    words the file uses (keys as :func:`word_key` makes them), added to the known words."""
    path = Path(path)
    for target in (mapping or {}).values():
        if target and target not in FIELDS:
            raise UserError(f"a tracker column maps to one of {', '.join(FIELDS)}, not {target!r}")
    chosen = {header_key(h): f for h, f in (mapping or {}).items()}
    columns = {k: (*v, *(h for h, f in (mapping or {}).items() if f == k)) for k, v in FIELDS.items()}
    try:
        table, sheet = open_any_table(path, columns, required=("ref",), max_bytes=max_bytes)
    except TableError as exc:
        raise UserError(str(exc)) from None
    shape = shape_of(table.header)
    remembered = False
    words = dict(status_map or {})
    if mapping is None:
        saved = stored_tables.get(ws, NAMESPACE, shape)
        if isinstance(saved, dict) and isinstance(saved.get("map"), dict):
            chosen = {header_key(h): str(f) for h, f in saved["map"].items() if not f or f in FIELDS}
            remembered = True
            if status_map is None and isinstance(saved.get("words"), dict):
                words = {k: v for k, v in saved["words"].items() if v in STATUS_LABELS}
    used, taken = map_columns(table.header, columns, FIELDS, chosen, remembered=remembered)
    result = TrackerPreview(
        file_name=path.name,
        folder=path.resolve().parent,
        sheet=sheet,
        header_row=table.header_row,
        shape=shape,
        columns=used,
        remembered=remembered,
        status_map=words,
    )
    result.missing = [FIELD_LABELS["ref"]] if "ref" not in taken else []
    if result.missing:
        return result
    used = _best_ref_column(table, used)
    by_field = {c.field: c for c in used if c.field}
    table = replace(table, columns={name: column.index for name, column in by_field.items()})
    fills = _status_fills(path, sheet, by_field["status"].index) if "status" in by_field and sheet else {}
    _Reader(ws, app, result, by_field, fills, remembered).read(table, on_progress, cancel)
    return result


REF_SAMPLE_ROWS = 100


def _best_ref_column(table: TableRead, used: list[ColumnMapping]) -> list[ColumnMapping]:
    """When several headers could name the reference ("Ref", "Quality statement"), the column whose
    cells read as references most often is the one (the other may hold the statement's words)."""
    names_ref = header_matcher({"ref": FIELDS["ref"]})
    candidates = [c for c in used if c.field == "ref" or (c.use == "duplicate" and names_ref(c.header))]
    if len(candidates) < 2 or any(c.use != "matched" for c in candidates if c.field == "ref"):
        return used  # one candidate, or the user chose
    sample = replace(table, columns={str(c.index): c.index for c in candidates})
    counts = dict.fromkeys((c.index for c in candidates), 0)
    for number, row in enumerate(sample.rows()):
        if number >= REF_SAMPLE_ROWS:
            break
        for c in candidates:
            counts[c.index] += ref_of(row.values[str(c.index)]) is not None
    best = max(candidates, key=lambda c: (counts[c.index], -c.index))
    return [
        replace(c, field="ref", use="matched")
        if c is best
        else (replace(c, field=None, use="duplicate") if c in candidates else c)
        for c in used
    ]


class _Reader:
    """One pass over the rows against the workspace as it is now."""

    def __init__(
        self,
        ws: Workspace,
        app: App,
        result: TrackerPreview,
        by_field: dict[str, ColumnMapping],
        fills: dict[int, str],
        remembered: bool,
    ) -> None:
        self.app, self.result, self.by_field, self.fills = app, result, by_field, fills
        self.word_use: Literal["chosen", "remembered"] = "remembered" if remembered else "chosen"
        self.seen: dict[str, int] = {}
        self.word_rows: dict[str, list[int]] = {}
        self.word_shown: dict[str, str] = {}
        self.hashes: dict[Path, tuple[str, int]] = {}
        self.nhs_places: dict[Path, str | None] = {}  # new files scanned for NHS numbers
        with ws.reading() as session:
            profile = get_profile(session)
            self.by_profile = {
                s.ref: applicability.from_profile(s, app.catalogue.section_of(s), profile, app.scopes())
                for s in app.catalogue.statements()
            }
            self.stored: dict[str, AssessmentRecord] = {
                a.statement_ref: assessment_record(a)
                for a in session.scalars(select(Assessment).where(Assessment.framework_id == ws.framework_id))
            }
            self.items = {
                item_id: (sha, url)
                for item_id, sha, url in session.execute(
                    select(EvidenceItem.id, EvidenceItem.file_sha256, EvidenceItem.link_url).where(*CURRENT_EVIDENCE)
                )
            }
            self.linked = {
                (ref, item_id)
                for ref, item_id in session.execute(
                    select(EvidenceLink.statement_ref, EvidenceLink.evidence_id).where(
                        EvidenceLink.framework_id == ws.framework_id
                    )
                )
            }
        self.by_sha = {sha: i for i, (sha, _url) in sorted(self.items.items(), reverse=True) if sha}
        self.by_url = {url: i for i, (_sha, url) in sorted(self.items.items(), reverse=True) if url}

    def column(self, name: str) -> str:
        return f"column {self.by_field[name].header!r}"

    def read(self, table: TableRead, on_progress: Progress | None, cancel: Callable[[], bool] | None) -> None:
        result = self.result
        try:
            for row in table.rows():
                if cancel is not None and row.number % 200 == 0 and cancel():
                    raise Cancelled(f"{result.file_name}: reading cancelled; nothing was changed")
                if on_progress is not None and row.number % 200 == 0:
                    on_progress(row.number, 0, f"row {row.number:,}")
                if row.blank:
                    result.blank_rows += 1
                    continue
                try:
                    self.row(row.number, row.values)
                except _Rejected as exc:
                    result.rejected.append(RowIssue(row.number, str(exc)))
        except TableError as exc:
            result.rejected.append(RowIssue(exc.row or 0, str(exc)))
        self.words_found()
        result.rejected.sort(key=lambda i: i.row)

    def words_found(self) -> None:
        result = self.result
        rejected = {issue.row for issue in result.rejected}
        for key, rows in self.word_rows.items():
            status = result.status_map.get(key) or STATUS_WORDS.get(key)
            use = self.word_use if key in result.status_map else ("known" if status else "unknown")
            result.words.append(StatusWord(key, self.word_shown[key], len(rows), status, use))
            if status is None:
                where = self.column("status") if "status" in self.by_field else "the status column"
                result.rejected.extend(
                    RowIssue(r, f"the status in {where} is not a word the value mapping knows: map it")
                    for r in rows
                    if r not in rejected
                )
        result.words.sort(key=lambda w: (w.status is not None, -w.rows, w.shown.lower()))  # to map first

    def text(self, values: Mapping[str, str], name: str) -> str | None:
        """A kept text: None when blank (the stored value stays); refused with an NHS number."""
        value = values.get(name, "").strip()
        if value.startswith("'") and value[1:2] in FORMULA_STARTS and value[1:2]:
            value = value[1:]  # made inert by an export (ours, cells.neutralise): the text itself
        if not value:
            return None
        if find_nhs_numbers(value):
            raise _Rejected(f"{self.column(name)} holds what looks like an NHS number; nothing from this row imported")
        return value

    def day(self, values: Mapping[str, str], name: str) -> date | None:
        value = values.get(name, "").strip()
        if not value:
            return None
        try:
            return parse_date(value)
        except ValueError:
            raise _Rejected(f"{self.column(name)} is not a date (use e.g. 31/03/2026)") from None

    def row(self, number: int, values: Mapping[str, str]) -> None:
        ref = ref_of(values.get("ref", ""))
        if ref is None:
            raise _Rejected(f"{self.column('ref')} holds no statement reference (a heading or note row?)")
        if self.app.catalogue.get(ref) is None:
            raise _Rejected(f"{ref} is not a quality statement of this catalogue ('qsi standards' lists them)")
        if ref in self.seen:
            raise _Rejected(f"{ref} again (already on row {self.seen[ref]}): the first row is used")
        self.seen[ref] = number
        status = self.status(number, values)
        owner, narrative = self.text(values, "owner"), self.text(values, "narrative")
        justification = self.text(values, "justification")
        reviewed, next_review = self.day(values, "last_reviewed"), self.day(values, "next_review")
        if status is _UNKNOWN:
            return  # rejected with the word's other rows once every row is read
        stored = self.stored.get(ref) or AssessmentRecord(ref)
        by_profile = self.by_profile[ref]
        current = applicability.effective_status(stored.status, self._effective(stored, by_profile))
        change = AssessmentChange()
        changes: list[str] = []
        if status is not None and status != current:
            change.status = status
            changes.append("status")
            if status == "not_applicable" and by_profile.applicable and stored.applicability_override is None:
                justification = justification or narrative  # the comment says why, in most trackers
                if not justification:
                    raise _Rejected(
                        f"{ref}: 'not applicable' needs a justification: {self._justification_columns()} is empty"
                    )
            overridden = stored.applicability_override == "applicable"
            if status != "not_applicable" and not by_profile.applicable and not justification and not overridden:
                raise _Rejected(
                    f"{ref} does not apply to this service: {by_profile.reason}; a justification "
                    "column saying why it does is needed to assess it"
                )
        evidence = self.evidence(number, values.get("evidence", ""))  # after the checks: no warning on a rejected row
        if justification is not None and (justification != stored.justification or change.status):
            change.justification = justification
            if justification != stored.justification:
                changes.append("justification")
        for name, value, now in (("owner", owner, stored.owner), ("narrative", narrative, stored.narrative)):
            if value is not None and value != now:
                setattr(change, name, value)
                changes.append(name)
        if reviewed is not None and reviewed != stored.last_reviewed_on:
            change.reviewed_on = reviewed
            change.next_review_on = next_review or stored.next_review_on  # not recomputed over a given date
            changes.append("last reviewed")
        if next_review is not None and next_review != stored.next_review_on:
            change.next_review_on = next_review
            changes.append("next review")
        new_links = tuple(e for e in evidence if e.item_id is None or (ref, e.item_id) not in self.linked)
        if new_links:
            changes.append(f"{len(new_links)} evidence")
        if changes:
            details = _details(change, stored, current, len(new_links))
            self.result.planned.append(
                PlannedRow(number, ref, change, new_links, tuple(changes), stored.row_version, details)
            )
        else:
            self.result.unchanged.append(number)

    @staticmethod
    def _effective(stored: AssessmentRecord, by_profile: applicability.Applicability) -> applicability.Applicability:
        if stored.applicability_override == "applicable":
            return applicability.Applicability(True, stored.justification, "override")
        if stored.applicability_override == "not_applicable":
            return applicability.Applicability(False, stored.justification, "override")
        return by_profile

    def _justification_columns(self) -> str:
        names = [self.column(n) for n in ("justification", "narrative") if n in self.by_field]
        return " and ".join(names) if names else "no justification or comments column is mapped, so it"

    def status(self, number: int, values: Mapping[str, str]) -> str | object | None:
        text = values.get("status", "").strip()
        if not text and number in self.fills:
            text = f"{self.fills[number].capitalize()} cell fill"
        if not text:
            return None
        if find_nhs_numbers(text):
            raise _Rejected(f"{self.column('status')} holds what looks like an NHS number")
        key = word_key(text)
        if not key:
            return None
        status = self.result.status_map.get(key) or STATUS_WORDS.get(key)
        self.word_rows.setdefault(key, []).append(number)
        self.word_shown.setdefault(key, text if len(text) <= MAX_WORD else text[:MAX_WORD] + "…")
        return status if status is not None else _UNKNOWN

    def evidence(self, number: int, cell: str) -> tuple[EvidenceRef, ...]:
        found: list[EvidenceRef] = []
        parts = [p.strip() for p in _SPLIT.split(cell) if p.strip()]
        where = self.column("evidence") if parts else ""
        for position, part in enumerate(parts, start=1):
            nth = f"entry {position} of {where}" if len(parts) > 1 else where
            if find_nhs_numbers(part):
                raise _Rejected(f"{nth} holds what looks like an NHS number; nothing from this row imported")
            if match := _EVIDENCE_ID.match(part):
                item_id = int(match.group(1))
                if item_id not in self.items:
                    self.warn(number, f"{nth}: no current evidence item E-{item_id:03d} in this workspace")
                else:
                    found.append(EvidenceRef("item", item_id))
            elif _URL.match(part):
                found.append(EvidenceRef("url", self.by_url.get(part), url=part))
            else:
                file = self.file(number, nth, part)
                if file is not None:
                    found.append(file)
        return tuple(dict.fromkeys(found))

    def file(self, number: int, nth: str, text: str) -> EvidenceRef | None:
        relative = Path(*PureWindowsPath(text).parts) if "\\" in text else Path(text)
        absolute = PureWindowsPath(text).drive or relative.is_absolute()
        path = relative if absolute else self.result.folder / relative
        try:
            if path.is_dir():
                self.warn(number, f"{nth} is a folder, not a file: add folders with the evidence folder import")
                return None
            if not path.is_file():
                self.warn(number, f"{nth}: not found (paths are read relative to the tracker's folder)")
                return None
            if path not in self.hashes:
                size = path.stat().st_size
                if size > MAX_EVIDENCE_FILE:
                    self.warn(number, f"{nth}: the file is larger than {MAX_EVIDENCE_FILE:,} bytes")
                    return None
                self.hashes[path] = (sha256_of(path), size)
        except OSError as exc:
            self.warn(number, f"{nth}: cannot be read ({exc.strerror or type(exc).__name__})")
            return None
        sha, size = self.hashes[path]
        if self.by_sha.get(sha) is None:  # a new file: refused as the folder import refuses it
            if path not in self.nhs_places:
                self.nhs_places[path] = nhs_number_place(path, size)
            if place := self.nhs_places[path]:
                holds = f"holding what looks like an NHS number ({place})"
                raise _Rejected(f"{nth} names a file {holds}; nothing from this row imported")
        return EvidenceRef("file", self.by_sha.get(sha), path=path, sha256=sha, size=size)

    def warn(self, number: int, reason: str) -> None:
        self.result.warnings.append(RowIssue(number, reason))


class Cancelled(UserError):
    """The user cancelled reading or importing; nothing was changed."""


class _Rejected(Exception):
    """A row that cannot be used; the message names the column, never the cell's text."""


_UNKNOWN = object()  # a status word the mapping does not know


# -- cell fills ------------------------------------------------------------------------------------


def _status_fills(path: Path, sheet_name: str, column: int) -> dict[int, str]:
    """Row number -> "red", "amber" or "green" for the status column's cells with such a solid fill."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True)
    except Exception:  # already read once: a second failure only loses the fills
        return {}
    fills: dict[int, str] = {}
    try:
        sheet = book[sheet_name]
        for number, (cell,) in enumerate(sheet.iter_rows(min_row=1, min_col=column + 1, max_col=column + 1), start=1):
            colour = _fill_word(getattr(cell, "fill", None))
            if colour:
                fills[number] = colour
    finally:
        book.close()
    return fills


def _fill_word(fill: object) -> str | None:
    if fill is None or getattr(fill, "fill_type", None) != "solid":
        return None
    colour = getattr(fill, "fgColor", None)
    rgb = _rgb(colour)
    if rgb is None:
        return None
    return rag_of(*rgb)


def _rgb(colour: object) -> tuple[int, int, int] | None:
    from openpyxl.styles.colors import COLOR_INDEX

    kind = getattr(colour, "type", None)
    if kind == "rgb":
        value = getattr(colour, "rgb", None)
    elif kind == "indexed":
        index = getattr(colour, "indexed", None)
        value = COLOR_INDEX[index] if isinstance(index, int) and 0 <= index < len(COLOR_INDEX) else None
    else:
        return None  # theme colours need the workbook's theme: not read
    if not isinstance(value, str) or not re.fullmatch(r"[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?", value):
        return None
    value = value[-6:]
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def rag_of(red: int, green: int, blue: int) -> str | None:
    """A fill colour read as red, amber or green (by hue, saturated enough); None for anything else."""
    import colorsys

    hue, lightness, saturation = colorsys.rgb_to_hls(red / 255, green / 255, blue / 255)
    if saturation < 0.35 or not 0.15 < lightness < 0.9:
        return None
    degrees = hue * 360
    if degrees < 18 or degrees >= 330:
        return "red"
    if degrees < 65:
        return "amber"
    if 75 <= degrees < 170:
        return "green"
    return None
