"""Qt-free reading of tabular logs and registers (CSV/TSV exported from Excel) for the importers.

NHS logs arrive as Excel exports: cp1252 or UTF-8 with a BOM, commas or semicolons or tabs, title
rows above the header, headers spelt a dozen ways, trailing blank rows, and sometimes a column of
patient names nobody asked for. :func:`read_table` turns such a file into rows keyed by the
caller's canonical column names; patient-identifying columns are dropped by name before any row
leaves this module, and every other column the caller did not ask for is never handed out.

:func:`read_table_records` is the reader every CSV importer shares (its ``read``): one file streamed
as records and issues, cooperative cancel, file-level and row-level rejections, blank rows skipped,
keyed-hash record keys. :func:`run_table_import` gathers several files into one batch.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal, NamedTuple

from qsi_desktop.plugins.types import ImportBatch, ImportContext, ImportedRecord, ImportIssue

log = logging.getLogger(__name__)

MAX_BYTES = 50_000_000
HEADER_SEARCH_ROWS = 10  # title rows an export may put above the header
PROGRESS_EVERY = 500  # rows between progress reports and cancel checks in a big file
DELIMITERS = (",", "\t", ";", "|")

# Header keys (see header_key) of columns that identify a patient: always dropped on read, whatever
# the caller asked for (DOMAIN.md 4: patient data never enters the evidence).
_PATIENT_KEYS = frozenset(
    {
        "hospitalnumber",
        "hospitalno",
        "hospno",
        "hospitalid",
        "unitnumber",
        "mrn",
        "medicalrecordnumber",
        "casenotenumber",
        "nhs",
        "nhsno",
        "nhsnumber",
        "chi",
        "chinumber",
        "hcn",
        "hcnumber",
        "dob",
        "dateofbirth",
        "birthdate",
        "accession",
        "accessionno",
        "accessionnumber",
        "accno",
        "address",
        "postcode",
        "postalcode",
        "zipcode",
    }
)
_PATIENT_PARTS = ("patient", "nhsnumber", "nhsno", "dateofbirth", "accession", "address", "postcode")
# A person's name: dropped too, unless the caller names it as one of its columns (a register of
# appointments lists its holders by name; a decontamination log's "Name" may be anyone's).
_PERSON_KEYS = frozenset(
    {
        "name",
        "fullname",
        "forename",
        "forenames",
        "firstname",
        "givenname",
        "surname",
        "lastname",
        "familyname",
        "initials",
    }
)


class TableError(ValueError):
    """A file cannot be read as a table. The message names the file and says what to do."""

    def __init__(self, message: str, *, row: int | None = None) -> None:
        super().__init__(message)
        self.row = row


def normalise_header(text: str) -> str:
    """``" Probe_ID  "`` -> ``"probe id"``: lowercase, stripped, spaces and underscores collapsed."""
    return re.sub(r"[\s_]+", " ", text.replace("\ufeff", "")).strip().lower()


def header_key(text: str) -> str:
    """The matching key of a header: letters and digits only (``"Probe-ID (T)"`` -> ``"probeidt"``)."""
    return re.sub(r"[^0-9a-z]", "", normalise_header(text))


def is_patient_column(header: str, wanted: Collection[str] = ()) -> bool:
    """True for a header that identifies a patient; ``wanted``: header keys the caller asked for."""
    key = header_key(header)
    if key in _PATIENT_KEYS or any(part in key for part in _PATIENT_PARTS):
        return True
    return key in _PERSON_KEYS and key not in wanted


class Row(NamedTuple):  # a named tuple: hundreds of thousands are made per big log
    """One data row: the caller's columns only, values stripped; ``number`` is the spreadsheet row."""

    number: int
    values: Mapping[str, str]
    cells: int  # cells the row had, to spot a row cut short
    width: int  # cells the header had
    cut: bool = False  # the last row, with no line end after it: the file may stop mid-row

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    @property
    def blank(self) -> bool:
        return not any(self.values.values())

    @property
    def short(self) -> bool:
        return 0 < self.cells < self.width


@dataclass
class TableRead:
    """A table that passed the file-level checks. Iterate :meth:`rows` (it may raise TableError)."""

    path: Path
    encoding: str  # "utf-8-sig", "utf-8", "utf-16" or "cp1252"
    delimiter: str
    header_row: int
    columns: dict[str, int]  # canonical name -> cell index
    dropped: tuple[str, ...]  # headers dropped as patient-identifying (names only, never values)
    ignored: tuple[str, ...]  # other headers the caller did not ask for
    width: int
    _text: str = field(repr=False, default="")
    header: tuple[str, ...] = ()  # the header row's cells as found (stripped)
    # Headers naming a column already found: (canonical, first header, repeated header), 1-based places.
    repeated: tuple[tuple[str, str, str], ...] = ()
    # Lines (1-based, of the text) holding bytes that are not valid UTF-8 in a file read as UTF-8;
    # those bytes read as U+FFFD, and rows with one in a kept column are rejected by the importers.
    bad_byte_lines: tuple[int, ...] = ()

    def rows(self) -> Iterator[Row]:
        reader = csv.reader(io.StringIO(self._text, newline=""), delimiter=self.delimiter)
        names = tuple(self.columns)
        pick = _picker(tuple(self.columns.values()))
        needed = max(self.columns.values(), default=-1) + 1
        number = 0
        pending: Row | None = None  # one row behind, to know which row is the last
        try:
            for number, cells in enumerate(reader, start=1):
                if number <= self.header_row:
                    continue
                count = len(cells)
                if count < needed:  # a short row: the missing cells are blank
                    cells += [""] * (needed - count)
                if pending is not None:
                    yield pending
                pending = Row(number, dict(zip(names, map(str.strip, pick(cells)), strict=True)), count, self.width)
        except csv.Error as exc:
            if pending is not None:
                yield pending
            row = number + 1
            raise TableError(
                f"{self.path.name}: row {row} is not valid CSV ({exc}); the rest of the file was not read",
                row=row,
            ) from None
        if pending is not None:
            # No line end after the last row: a truncated copy or download stops like this.
            yield pending if self._text.endswith(("\n", "\r")) else pending._replace(cut=True)


def _picker(indexes: tuple[int, ...]) -> Callable[[list[str]], tuple[str, ...]]:
    if len(indexes) > 1:
        return itemgetter(*indexes)
    return lambda cells: tuple(cells[i] for i in indexes)


def read_table(
    path: Path | str,
    *,
    columns: Mapping[str, Sequence[str]],
    required: Sequence[str] = (),
    max_bytes: int = MAX_BYTES,
) -> TableRead:
    """Open a CSV/TSV export and find its header.

    ``columns`` maps each canonical column name to its accepted header spellings (the canonical
    name is always accepted). Raises :class:`TableError` when the file cannot be used at all.
    """
    path = Path(path)
    name = path.name
    data = _read_bytes(path, max_bytes)
    _refuse_binary(path, data)
    text, encoding = _decode(name, data)
    if not text.strip():
        raise TableError(f"{name}: the file is empty")
    if _looks_binary(text):
        raise TableError(f"{name}: this is not a CSV text file (it contains binary data)")
    skipped_lines = 0
    if directive := _SEP_DIRECTIVE.match(text):  # Excel's "sep=;" line, which Excel itself hides
        delimiter, text = directive.group(1), text[directive.end() :]
        skipped_lines = 1
    else:
        delimiter = _sniff_delimiter(text, path.suffix.lower())
    table = table_from_text(path, text, columns=columns, required=required, encoding=encoding, delimiter=delimiter)
    if REPLACEMENT in text:
        lines = [n + skipped_lines for n, line in enumerate(text.splitlines(), start=1) if REPLACEMENT in line]
        table.bad_byte_lines = tuple(lines)
    return table


def table_from_text(
    path: Path,
    text: str,
    *,
    columns: Mapping[str, Sequence[str]],
    required: Sequence[str] = (),
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> TableRead:
    """:func:`read_table` on text already decoded (e.g. a worksheet written out as CSV by the caller):
    the same header search, aliases and patient-column dropping. ``path`` only names the source."""
    name = path.name
    aliases = _alias_index(columns)
    header_row, header = _find_header(text, delimiter, aliases)
    if header is None:
        # The first row is not quoted: with no known column in it, it may as well be a patient's data.
        wanted = ", ".join(_describe(c, columns) for c in (required or list(columns)))
        raise TableError(f"{name}: no header row found; the first row should name the columns: {wanted}")
    found: dict[str, int] = {}
    dropped: list[str] = []
    ignored: list[str] = []
    repeated: list[tuple[str, str, str]] = []
    for index, title in enumerate(header):
        if not title.strip():
            continue
        if is_patient_column(title, aliases):
            dropped.append(title.strip())
            continue
        canonical = _match(title, aliases)
        if canonical is not None and canonical in found:
            first = found[canonical]
            repeated.append(
                (
                    canonical,
                    f"{header[first].strip()!r} (column {first + 1})",
                    f"{title.strip()!r} (column {index + 1})",
                )
            )
        if canonical is None or canonical in found:
            ignored.append(title.strip())
        else:
            found[canonical] = index
    missing = [c for c in required if c not in found]
    if missing:
        wanted = "; ".join(_describe(c, columns) for c in missing)
        raise TableError(f"{name}: required columns missing: {wanted}{_headers_found(header, found)}")
    return TableRead(
        path=path,
        encoding=encoding,
        delimiter=delimiter,
        header_row=header_row,
        columns=found,
        dropped=tuple(dropped),
        ignored=tuple(ignored),
        width=len(header),
        _text=text,
        header=tuple(cell.strip() for cell in header),
        repeated=tuple(repeated),
    )


# -- file-level checks ---------------------------------------------------------------------------


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    name = path.name
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise TableError(f"{name}: is a folder, not a file")
        if size > max_bytes:
            raise TableError(
                f"{name}: the file is too large ({size:,} bytes; the limit is {max_bytes:,}): "
                "split it into smaller files"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise TableError(f"{name}: file not found") from None
    except PermissionError:
        raise TableError(f"{name}: permission denied: close it in Excel or check access") from None
    except OSError as exc:
        raise TableError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    if len(data) > max_bytes:  # grew while we looked
        raise TableError(f"{name}: the file is too large (the limit is {max_bytes:,} bytes)")
    if not data.strip():
        raise TableError(f"{name}: the file is empty")
    return data


def _refuse_binary(path: Path, data: bytes) -> None:
    name = path.name
    if data.startswith(b"PK\x03\x04"):
        if path.suffix.lower() in (".xlsx", ".xlsm") or _is_workbook(path):
            raise TableError(f"{name}: looks like an Excel workbook; save it as CSV (File > Save As > CSV)")
        raise TableError(f"{name}: is a ZIP archive, not a CSV file")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableError(f"{name}: looks like an old Excel workbook (.xls); save it as CSV")
    if data.startswith(b"%PDF"):
        raise TableError(f"{name}: is a PDF document, not a CSV file")
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" in data:
        raise TableError(f"{name}: this is not a CSV text file (it contains binary data)")


def open_any_table(
    path: Path,
    columns: Mapping[str, Sequence[str]],
    *,
    required: Sequence[str] = (),
    max_bytes: int = MAX_BYTES,
) -> tuple[TableRead, str]:
    """The table of a CSV/TSV file, or of the first worksheet of an .xlsx workbook where a header is
    found (with the sheet's name): importers and registers read both the same way."""
    if path.suffix.lower() not in WORKBOOK_SUFFIXES and not _is_workbook(path):
        return read_table(path, columns=columns, required=required, max_bytes=max_bytes), ""
    failure: TableError | None = None
    for sheet, text in _worksheets_as_csv(path, max_bytes):
        try:
            table = table_from_text(path, text, columns=columns, required=required, encoding="xlsx", delimiter=",")
            return table, sheet
        except TableError as exc:
            failure = failure or exc
    raise failure or TableError(f"{path.name}: the workbook has no worksheet with rows")


def _worksheets_as_csv(path: Path, max_bytes: int = MAX_BYTES) -> list[tuple[str, str]]:
    """Each worksheet as CSV text: merged cells filled with their value (a header merged over two
    rows or columns names each), dates as ISO text, formulas by their last computed value."""
    from openpyxl import load_workbook  # only when a workbook is imported

    name = path.name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise TableError(f"{name}: the file is too large ({size:,} bytes; the limit is {max_bytes:,})")
        book = load_workbook(path, data_only=True)
    except FileNotFoundError:
        raise TableError(f"{name}: file not found") from None
    except PermissionError:
        raise TableError(f"{name}: permission denied: close it in Excel or check access") from None
    except TableError:
        raise
    except Exception as exc:  # openpyxl on a damaged file: bad zip, zlib, XML or structure errors of any type
        log.info("%s: workbook not readable: %s", name, type(exc).__name__)
        raise TableError(f"{name}: is not an Excel workbook that can be read (save it again as .xlsx)") from None
    sheets = []
    try:
        for sheet in book.worksheets:
            cells = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            for merged in sheet.merged_cells.ranges:
                value = cells[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(cells) else ""
                for r in range(merged.min_row - 1, min(merged.max_row, len(cells))):
                    for c in range(merged.min_col - 1, min(merged.max_col, len(cells[r]))):
                        cells[r][c] = value
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(cells)
            if out.getvalue().strip(",\n"):
                sheets.append((sheet.title, out.getvalue()))
    finally:
        book.close()
    return sheets


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return any(n.startswith("xl/") for n in archive.namelist())
    except Exception:  # a damaged archive can fail in many ways: it is not a workbook we can read
        return False


REPLACEMENT = "\ufffd"  # what a byte that is not valid UTF-8 reads as


def _decode(name: str, data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel "Unicode text"
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise TableError(f"{name}: the text cannot be decoded (broken UTF-16)") from None
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig", errors="replace"), "utf-8-sig"  # bad bytes are reported by row
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        # A UTF-8 file cut in the middle of a character, or with a few damaged bytes: read what is
        # valid as UTF-8 (the bad bytes become U+FFFD and their rows are reported), rather than
        # garbling every accented letter of the file by reading it all as cp1252.
        return data.decode("utf-8", errors="replace"), "utf-8"
    try:
        return data.decode("cp1252"), "cp1252"  # what Excel on an NHS desktop writes
    except UnicodeDecodeError:
        raise TableError(f"{name}: the text cannot be decoded: save it from Excel as 'CSV UTF-8'") from None


def _mostly_utf8(data: bytes) -> bool:
    """True when the high bytes are mostly valid UTF-8 sequences: more characters of two to four bytes
    than bytes that are not valid, or the only bad bytes are a character cut off at the very end.
    A real cp1252 file has no valid multibyte sequences (``café`` is ``caf\\xe9``, a lone lead byte)."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count(REPLACEMENT)
    valid = sum(1 for ch in text if ord(ch) > 0x7F) - bad
    if valid > bad:
        return True
    cut = codecs.getincrementaldecoder("utf-8")()
    try:
        cut.decode(data, final=False)  # everything but an unfinished character at the end
    except UnicodeDecodeError:
        return False
    return True  # the only fault: the last character was cut off


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f")
    return controls > max(2, len(sample) // 100)


# -- header --------------------------------------------------------------------------------------

_SEP_DIRECTIVE = re.compile(r"sep=([,;\t|])\r?\n", re.IGNORECASE)


def _sniff_delimiter(text: str, suffix: str) -> str:
    """The candidate that splits the first lines into the most cells (tab for .tsv/.tab).

    Several lines, because an export may start with a title line that has no delimiter at all.
    """
    lines = [line for line in text[:65536].splitlines()[:50] if line.strip()][:HEADER_SEARCH_ROWS]
    if suffix in (".tsv", ".tab") and any("\t" in line for line in lines):
        return "\t"
    widest = {d: max((len(cells) for cells in csv.reader(lines, delimiter=d)), default=0) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: widest[d])  # ties keep the earlier (comma first)
    return best if widest[best] > 1 else ","


def header_matcher(columns: Mapping[str, Sequence[str]]) -> Callable[[str], str | None]:
    """A function giving the canonical column a header names (as :func:`read_table` matches), or None."""
    aliases = _alias_index(columns)
    return lambda title: _match(title, aliases)


def _alias_index(columns: Mapping[str, Sequence[str]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, aliases in columns.items():
        for alias in (canonical, *aliases):
            index.setdefault(header_key(alias), canonical)
    return index


_UNIT_SUFFIX = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*$")


def _match(title: str, aliases: Mapping[str, str]) -> str | None:
    """The canonical column a header names; a trailing unit or format is optional: "SAR (W/kg)"."""
    return aliases.get(header_key(title)) or aliases.get(header_key(_UNIT_SUFFIX.sub("", title)))


def _find_header(text: str, delimiter: str, aliases: Mapping[str, str]) -> tuple[int, list[str] | None]:
    """The row, among the first few non-blank ones, naming the most known columns."""
    reader = csv.reader(io.StringIO(text[:262144], newline=""), delimiter=delimiter)
    best: tuple[int, int, list[str] | None] = (0, 0, None)
    seen = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if not any(c.strip() for c in cells):
                continue
            score = len({c for c in (_match(cell, aliases) for cell in cells) if c is not None})
            if score > best[0]:
                best = (score, number, cells)
            seen += 1
            if seen >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass  # a malformed row near the top: the header, if any, is before it
    return best[1], best[2]


def _headers_found(header: Sequence[str], found: Mapping[str, int]) -> str:
    """The header cells no column took, so the user can say which one holds a missing column. The row
    named known columns, so it is the header; still, only cells that cannot be a patient's data are
    listed: no digits, not two capitalised words (a name), nothing identifier-shaped."""
    taken = set(found.values())
    cells = [
        text
        for index, cell in enumerate(header)
        if index not in taken
        and (text := cell.strip())
        and len(text) <= 40
        and not re.search(r"\d", text)
        and not _NAME_LIKE.fullmatch(text)
    ]
    return f". Columns in the file not used: {', '.join(cells[:15])}" if cells else ""


_NAME_LIKE = re.compile(r"(?:Mr|Mrs|Ms|Miss|Dr)?\.?\s*[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+)+")


def _describe(canonical: str, columns: Mapping[str, Sequence[str]]) -> str:
    aliases = [a for a in columns.get(canonical, ()) if header_key(a) != header_key(canonical)][:3]
    return f"{canonical} (or {', '.join(aliases)})" if aliases else canonical


# -- values --------------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})")
_WORDY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s\-/]+([a-z]+)\.?,?[\s\-/]+(\d{2}|\d{4})")
_TIME_SUFFIX = re.compile(r"[T\s]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(am|pm|z)?$", re.IGNORECASE)


@lru_cache(maxsize=4096)  # logs repeat the same few hundred dates
def parse_date(value: str) -> date:
    """Parse the dates NHS spreadsheets use; UK day-first. Raises ValueError naming the bad value.

    Accepts ``2026-03-05``, ``05/03/2026``, ``5/3/26``, ``05.03.2026``, ``05-Mar-2026``,
    ``5 March 2026`` and any of these followed by a time (``05/03/2026 14:30``).
    """
    parsed = _parse_date(_TIME_SUFFIX.sub("", value.strip()).strip().lower())
    shown = value.strip()[:40]
    if parsed is None:
        raise ValueError(f"{shown!r} is not a date (use e.g. 2026-03-05 or 05/03/2026)")
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:  # 0001-01-01, 9999-12-31: placeholders, not dates
        raise ValueError(f"{shown!r} is outside {EARLIEST_YEAR} to {LATEST_YEAR}: not a real date")
    return parsed


EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


def _parse_date(text: str) -> date | None:
    try:
        if match := _ISO.fullmatch(text):
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
        if match := _NUMERIC.fullmatch(text):
            day, month, year = (int(g) for g in match.groups())
            return date(_full_year(year, match.group(3)), month, day)
        if (match := _WORDY.fullmatch(text)) and match.group(2) in _MONTHS:
            year = int(match.group(3))
            return date(_full_year(year, match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))
    except ValueError:
        pass  # e.g. 31/02/2026
    return None


TABLE_PATTERNS = ("*.csv", "*.tsv", "*.xlsx", "*.xlsm")  # what a table importer reads from a folder
_MEASURE = re.compile(r"^\s*(-?[0-9]+(?:[.,][0-9]+)?)\s*([a-z°%/]*)\s*$", re.IGNORECASE)


def parse_measure(text: str, what: str, low: float, high: float, units: Collection[str] = ()) -> float | None:
    """A number as logs write it (``20.5``, ``20,5``, ``600 MBq``, ``45 %``): None when blank; ``RowRejected``
    naming ``what`` when it is not a number, carries a unit not in ``units``, or falls outside
    ``low``..``high`` (a typing error, not a reading)."""
    if not text.strip():
        return None
    match = _MEASURE.match(text)
    unit = match.group(2).lower() if match else ""
    if match is None or (unit and unit not in {u.lower() for u in units}):
        raise RowRejected(f"{what}: {text.strip()[:20]!r} is not a number")
    value = float(match.group(1).replace(",", "."))
    if not low <= value <= high:
        raise RowRejected(f"{what}: {value:g} is outside {low:g} to {high:g}")
    return value


def _full_year(year: int, digits: str) -> int:
    return 2000 + year if len(digits) == 2 else year


# -- the shared import loop ----------------------------------------------------------------------


class RowRejected(Exception):
    """Raised by a row parser: the row is bad. The message is the reason and holds no patient data."""


class RowRecord(NamedTuple):
    """What a row parser returns: the identity the key is built from, and the data to keep."""

    identity: tuple[str, ...]
    data: dict[str, Any]
    occurred_on: str | None = None


RowParser = Callable[[Row], RowRecord]


@dataclass(frozen=True)
class TableImport:
    """How one CSV importer reads its files.

    ``repeats``: what a row whose identity was already seen in the same file means. ``"count"``
    for event logs (two uses of a probe in one slot are two uses: each occurrence is its own
    entry); ``"reject"`` for registers, where the same item twice is a mistake.

    Rows are grouped by their identity (and occurrence) and keyed by group and content: the same
    export imported twice is found as duplicates, and a corrected re-export replaces the entries it
    corrects (the old ones kept as history). So ``identity`` is what a row is about (probe and time,
    licence holder and type), never the values a correction could change.
    """

    name: str
    columns: Mapping[str, Sequence[str]]
    required: tuple[str, ...]
    parse: RowParser
    repeats: Literal["count", "reject"] = "count"

    def read(
        self, path: Path, context: ImportContext, *, max_bytes: int = MAX_BYTES
    ) -> Iterator[ImportedRecord | ImportIssue]:
        """An importer's ``read``: ``Importer(read=SPEC.read, ...)``."""
        return read_table_records(self, path, context, max_bytes=max_bytes)

    def run(self, paths: Sequence[Path], context: ImportContext, *, max_bytes: int = MAX_BYTES) -> ImportBatch:
        """Every file in one batch, for tests and scripts (the app streams through ``read``)."""
        return run_table_import(self, paths, context, max_bytes=max_bytes)


def run_table_import(
    spec: TableImport,
    paths: Sequence[Path],
    context: ImportContext,
    *,
    max_bytes: int = MAX_BYTES,
) -> ImportBatch:
    """Read every file into one batch (API 1 importers and tests); never raises for a bad file or row."""
    batch = ImportBatch()
    total = len(paths)
    for done, path in enumerate(paths):
        if context.is_cancelled():
            batch.cancelled = True
            break
        batch.files += 1
        for item in read_table_records(spec, Path(path), context, max_bytes=max_bytes):
            if isinstance(item, ImportedRecord):
                batch.records.append(item)
            else:
                (batch.skipped if item.kind == "skipped" else batch.rejected).append(item)
        if context.is_cancelled():
            batch.cancelled = True
            break
        context.progress(done + 1, total, f"read {Path(path).name}")
    return batch


def read_table_records(
    spec: TableImport, path: Path, context: ImportContext, *, max_bytes: int = MAX_BYTES
) -> Iterator[ImportedRecord | ImportIssue]:
    """Stream one file's records and issues (an importer's ``read``); never raises for bad input.

    Stops early, after the row being read, when ``context.is_cancelled()``.
    """
    name = path.name
    try:
        yield from _read_file(spec, path, context, max_bytes)
    except Exception as exc:  # a bug met by odd data must not sink the batch
        # Only the exception's type: its message could quote a cell, and cells may hold patient data.
        log.error("%s: %s while importing %s", spec.name, type(exc).__name__, name)
        yield ImportIssue(name, f"could not be read ({type(exc).__name__}); the rest of the file was skipped")


def with_chosen_headers(
    columns: Mapping[str, Sequence[str]], chosen: Mapping[str, str] | None
) -> Mapping[str, Sequence[str]]:
    """``columns`` with the user's choices (header -> column): each chosen header names its column and no
    other, so a vendor's own words map where the accepted spellings do not reach."""
    if not chosen:
        return columns
    keys = {header_key(header) for header in chosen}
    merged = {name: [a for a in aliases if header_key(a) not in keys] for name, aliases in columns.items()}
    for header, name in chosen.items():
        if name != NOT_READ:
            merged[name].insert(0, header)
    return {name: tuple(aliases) for name, aliases in merged.items()}


NOT_READ = "-"  # a chosen "column" for a header the user says not to read (a spelling that misleads)


def read_first_row(path: Path, max_bytes: int = MAX_BYTES) -> list[str]:
    """The first non-blank row of a CSV file or of a workbook's first sheet with rows, to show the user
    on screen when no header was recognised (it is never stored or logged). Raises TableError."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES or _is_workbook(path):
        sheets = _worksheets_as_csv(path, max_bytes)
        text, delimiter = (sheets[0][1] if sheets else ""), ","
    else:
        data = _read_bytes(path, max_bytes)
        _refuse_binary(path, data)
        text, _encoding = _decode(path.name, data)
        if directive := _SEP_DIRECTIVE.match(text):
            delimiter, text = directive.group(1), text[directive.end() :]
        else:
            delimiter = _sniff_delimiter(text, path.suffix.lower())
    for cells in csv.reader(io.StringIO(text[:262144], newline=""), delimiter=delimiter):
        if any(cell.strip() for cell in cells):
            return [cell.strip() for cell in cells]
    return []


def _read_file(
    spec: TableImport, path: Path, context: ImportContext, max_bytes: int
) -> Iterator[ImportedRecord | ImportIssue]:
    name = path.name
    # The core's contexts carry the columns the user chose for this import (``qsi import --map``).
    columns = with_chosen_headers(spec.columns, getattr(context, "chosen_columns", None))
    try:
        table, _sheet = open_any_table(path, columns, required=spec.required, max_bytes=max_bytes)
    except TableError as exc:
        yield ImportIssue(name, str(exc))
        return
    if table.repeated:
        canonical, first, again = table.repeated[0]
        yield ImportIssue(
            name,
            f"two columns give the {canonical}: {first} and {again}; keep one (or rename the other) and import again",
            table.header_row,
        )
        return
    if table.dropped:
        yield ImportIssue(
            name, f"patient-identifying columns not read: {', '.join(table.dropped)}", table.header_row, "skipped"
        )
    damaged = bool(table.bad_byte_lines)
    if damaged:
        lines = table.bad_byte_lines
        shown = ", ".join(map(str, lines[:10])) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")
        yield ImportIssue(
            name,
            f"bytes that are not valid UTF-8 on line(s) {shown}: the rest of the file was read as UTF-8; rows with "
            "them in a column the importer keeps are rejected (save the file again as 'CSV UTF-8')",
            None,
            "skipped",
        )
    seen: dict[str, int] = {}  # keyed identity -> first row (reject) or occurrences (count)
    count = 0
    try:
        for row in table.rows():
            count += 1
            if count % PROGRESS_EVERY == 0:
                context.progress(count, 0, f"{name}: {count:,} rows read")
                if context.is_cancelled():
                    return
            if row.blank:
                yield ImportIssue(name, "blank row", row.number, "skipped")
                continue
            if row.cut and row.short:
                yield ImportIssue(
                    name,
                    f"the file ends in the middle of this row ({row.cells} of {row.width} cells): "
                    "it seems to have been cut short; the rows before it were read",
                    row.number,
                )
                continue
            if damaged and (bad := [c for c, v in row.values.items() if REPLACEMENT in v]):
                yield ImportIssue(name, f"the {', '.join(bad)} value holds bytes that are not valid UTF-8", row.number)
                continue
            yield _import_row(spec, row, name, context, seen)
    except TableError as exc:
        yield ImportIssue(name, str(exc), exc.row)
        return
    if count == 0:
        yield ImportIssue(name, "the file has a header row but no entries below it", table.header_row, "skipped")


# The text a record's key is made from: what json.dumps(data, sort_keys=True, default=str) gives, with one
# encoder for every row (keys must stay the same from version to version: they find duplicates).
_CONTENT_JSON = json.JSONEncoder(sort_keys=True, default=str).encode
_PLAIN_JSON = json.JSONEncoder(sort_keys=True).encode  # the same text when the data is plain JSON


@dataclass(frozen=True)
class EncodedRecord(ImportedRecord):
    """A record read by a table importer, its data already encoded as JSON (keys sorted) for its key:
    the core checks and stores that text instead of encoding the data a second time."""

    text: str = field(default="", repr=False, compare=False)


def _import_row(
    spec: TableImport, row: Row, name: str, context: ImportContext, seen: dict[str, int]
) -> ImportedRecord | ImportIssue:
    try:
        parsed = spec.parse(row)
    except RowRejected as exc:
        reason = str(exc)
        if row.short:
            reason += f" (the row has {row.cells} of the header's {row.width} cells)"
        if row.cut:
            reason += " (the file ends in this row without a line end: it may have been cut short)"
        return ImportIssue(name, reason, row.number)
    # The group is what the row is about (its identity, and for logs which occurrence of it); the key
    # adds the content. So the same export twice gives the same keys (duplicates), and a corrected
    # re-export gives the same groups with new keys (the correction replaces the entry it corrects).
    group = context.keyed_hash(spec.name, *parsed.identity)
    if group in seen:
        if spec.repeats == "reject":
            return ImportIssue(name, f"the same entry as row {seen[group]}", row.number)
        seen[group] += 1
        group = context.keyed_hash(spec.name, *parsed.identity, str(seen[group]))
    else:
        seen[group] = row.number if spec.repeats == "reject" else 1
    try:
        content = _PLAIN_JSON(parsed.data)
    except TypeError:  # a value JSON has no type for: the key uses its text; storing it is refused
        key = context.keyed_hash(spec.name, group, _CONTENT_JSON(parsed.data))
        return ImportedRecord(key, parsed.data, name, row.number, parsed.occurred_on, group=group)
    key = context.keyed_hash(spec.name, group, content)
    return EncodedRecord(key, parsed.data, name, row.number, parsed.occurred_on, group=group, text=content)
