"""A check of evidence files for likely NHS numbers before they leave the workspace in an export.

Evidence documents are the user's own and are exported as they are, but an audit spreadsheet or a
minuted incident can carry a patient's NHS number by mistake. The scan says where (``page 3``,
``sheet Audit, cell C14``), never what: its report must not repeat patient data. Each reader yields
(location, text) pairs; a number counts when it passes the modulus-11 check (``qsi_desktop.privacy``).

The scan is bounded, because it runs on whatever users stored: files over a size limit and Office
files that unpack to far more than that are not read, a file stops after a number of findings, and a
damaged file or one of another type becomes a note, never an exception.
"""

from __future__ import annotations

import codecs
import logging
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from qsi_desktop.privacy import find_nhs_numbers, redact_nhs_numbers

if TYPE_CHECKING:
    from docx.blkcntnr import BlockItemContainer
    from docx.table import Table

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 500 * 1024 * 1024  # .docx and .xlsx are zips: a small file can unpack to gigabytes
MAX_FINDINGS = 20  # per file: enough to show the file needs attention
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Finding:
    """A place in a file where an NHS number seems to be; the number itself is never kept."""

    file: str
    location: str


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why it was not (fully) checked)
    cancelled: bool = False

    def add(self, other: ScanResult) -> None:
        self.findings.extend(other.findings)
        self.skipped.extend(other.skipped)

    @property
    def clean(self) -> bool:
        """Nothing found and every file fully checked."""
        return not self.findings and not self.skipped and not self.cancelled


class TextNotRead(Exception):
    """:func:`texts` cannot read (the rest of) a document; the message says why."""


class _NotChecked(Exception):
    """A reader gives up on a file (or the rest of it); the message is the note the user sees."""


Texts = Iterator[tuple[str, str]]  # (location, text)


def scan_file(
    path: Path, name: str, *, max_bytes: int = MAX_FILE_BYTES, max_findings: int = MAX_FINDINGS
) -> ScanResult:
    """Where ``path`` (shown to the user as ``name``, whose extension says how to read it) seems to hold
    NHS numbers; a file that was not read, or not to the end, is listed in ``skipped`` with the reason."""
    result = ScanResult()
    suffix = PurePath(name).suffix.lower()
    reader = _READERS.get(suffix)
    try:
        if reader is None:
            raise _NotChecked(f"{suffix or 'files without an extension'} files are not checked")
        size = path.stat().st_size
        if size > max_bytes:
            raise _NotChecked(f"larger than {max_bytes // (1024 * 1024)} MB ({size // (1024 * 1024)} MB); not checked")
        seen: set[str] = set()
        with _quiet_pypdf(), closing(reader(path)) as texts:
            for location, text in texts:
                if location in seen or not find_nhs_numbers(text):
                    continue
                seen.add(location)
                result.findings.append(Finding(name, location))
                if len(seen) >= max_findings:
                    raise _NotChecked(f"stopped after {max_findings} places; the rest of the file was not checked")
    except _NotChecked as note:
        result.skipped.append((name, str(note)))
    except OSError as exc:
        result.skipped.append((name, f"could not be read ({exc.strerror or type(exc).__name__}); not checked"))
    except Exception as exc:  # parsers of damaged files raise anything: the scan goes on to the next file
        what = _KINDS.get(suffix, "a file")
        result.skipped.append((name, f"could not be read as {what} ({type(exc).__name__}); damaged or of another type"))
    return result


def scan_files(
    files: Iterable[tuple[Path, str]],
    *,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ScanResult:
    """Every file of ``files`` ((path, name) pairs), in order; stops early, ``cancelled``, when asked."""
    files = list(files)
    result = ScanResult()
    for done, (path, name) in enumerate(files):
        if progress is not None:
            progress(done, len(files), f"checking {name}")
        if cancel is not None and cancel():
            result.cancelled = True
            return result
        result.add(scan_file(path, name))
    if progress is not None:
        progress(len(files), len(files), "checked")
    return result


def texts(path: Path, name: str) -> Texts:
    """(location, text) pairs of a document whose type (``name``'s extension) the scan reads, for
    other uses of a document's text (mapping suggestions). Raises :class:`TextNotRead` for another
    type or a document it gives up on; a damaged file raises whatever its parser raises."""
    reader = _READERS.get(PurePath(name).suffix.lower())
    if reader is None:
        raise TextNotRead(f"{PurePath(name).suffix or 'files without an extension'} files are not read")
    try:
        with _quiet_pypdf():
            yield from reader(path)
    except _NotChecked as note:
        raise TextNotRead(str(note).removesuffix("; not checked")) from None


# -- readers ---------------------------------------------------------------------------------------


def _docx_texts(path: Path) -> Texts:
    import docx  # the parsers are imported when a file of their type is read: importing scan stays light
    from docx.table import Table

    _check_unpacked_size(path)
    document = docx.Document(str(path))
    paragraphs = tables = 0
    for block in document.iter_inner_content():  # the body in reading order
        if isinstance(block, Table):
            tables += 1
            for row, text in enumerate(_row_texts(block), 1):
                yield f"table {tables}, row {row}", text
        else:
            paragraphs += 1
            yield f"paragraph {paragraphs}", block.text
    for number, section in enumerate(document.sections, 1):
        for label, part in (
            ("header", section.header),
            ("first-page header", section.first_page_header),
            ("even-page header", section.even_page_header),
            ("footer", section.footer),
            ("first-page footer", section.first_page_footer),
            ("even-page footer", section.even_page_footer),
        ):
            if not part.is_linked_to_previous:  # a linked one shows another section's text: read once
                yield f"{label} of section {number}", "\n".join(_block_texts(part))
    props = document.core_properties
    yield (
        "document properties",
        "\n".join(
            str(v or "")
            for v in (props.title, props.subject, props.author, props.keywords, props.comments, props.category)
        ),
    )


def _block_texts(container: BlockItemContainer) -> Iterator[str]:
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            yield from _row_texts(block)
        else:
            yield block.text


def _row_texts(table: Table) -> Iterator[str]:
    """One text per row; cells are joined by newlines, which a number cannot span, nested tables included."""
    for row in table.rows:
        yield "\n".join(text for cell in row.cells for text in _block_texts(cell))


def _xlsx_texts(path: Path) -> Texts:
    import openpyxl

    _check_unpacked_size(path)
    # A stream, not the path: openpyxl refuses a path without a workbook's extension, and stored
    # evidence files are named by their hash.
    stream = path.open("rb")
    workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    try:
        for number, sheet in enumerate(workbook.worksheets, 1):
            title = redact_nhs_numbers(sheet.title)  # the location must not repeat a number either
            yield f"name of sheet {number}", sheet.title
            sheet.reset_dimensions()  # the stored dimensions can be wrong; read every row there is
            for row in sheet.iter_rows():
                for cell in row:
                    text = _cell_text(cell.value)
                    if text:
                        yield f"sheet {title}, cell {cell.coordinate}", text
    finally:
        workbook.close()  # read-only mode keeps the file open until closed
        stream.close()


def _cell_text(value: object) -> str:
    """A cell as text; a number typed into Excel (9434765919, or 9434765919.0) is a number too."""
    if value is None or isinstance(value, bool | date | datetime | time | timedelta):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text_lines(path: Path) -> Texts:
    with path.open(encoding=_text_encoding(path), errors="replace", newline="") as handle:
        for number, line in enumerate(handle, 1):
            yield f"line {number}", line


def _text_encoding(path: Path) -> str:
    """UTF-8 (or UTF-16 when marked so, as Excel's "Unicode text" is); otherwise Windows-1252, which
    decodes any byte: older NHS systems export in it."""
    with path.open("rb") as handle:
        start = handle.read(4)
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _pdf_texts(path: Path) -> Texts:
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted and not reader.decrypt(""):
        raise _NotChecked("the PDF is password-protected; not checked")
    failed = with_text = 0
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages, 1):
        try:
            text = page.extract_text() or ""
        except Exception:  # one damaged page must not hide the others
            failed += 1
            continue
        with_text += bool(text.strip())
        yield f"page {number}", text
    if failed:
        raise _NotChecked(f"{failed} of {pages} pages could not be read; those pages were not checked")
    if pages and not with_text:
        raise _NotChecked("the PDF has no text (a scanned image?); not checked")


def _check_unpacked_size(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise _NotChecked(f"unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB; not checked")


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs a warning for every oddity of a damaged PDF; the scan's note says it once."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


_READERS: dict[str, Callable[[Path], Texts]] = {
    ".docx": _docx_texts,
    ".xlsx": _xlsx_texts,
    ".xlsm": _xlsx_texts,
    ".csv": _text_lines,
    ".txt": _text_lines,
    ".pdf": _pdf_texts,
}
_KINDS = {".docx": "a Word document", ".xlsx": "a workbook", ".xlsm": "a workbook", ".pdf": "a PDF"}
