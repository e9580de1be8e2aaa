"""Reading an SR content tree (PS3.3 C.17.3) by tag, without converting what is not needed.

pydicom keeps elements it read as raw bytes until they are used; these helpers read the few they
need straight from those bytes (no value validation, no warnings quoting a value), decode text
that is UTF-8 even when the file claims Latin-1, and walk containers depth first. A value that
cannot be read gives None: the caller decides whether the report is still usable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydicom.dataset import Dataset

from qsi_desktop.dose.codes import Code
from qsi_desktop.dose.units import Quantity, parse_decimal, to_audit_unit

CONTENT_SEQUENCE = 0x0040A730
CONCEPT_NAME_CODE_SEQUENCE = 0x0040A043
CONCEPT_CODE_SEQUENCE = 0x0040A168
MEASURED_VALUE_SEQUENCE = 0x0040A300
MEASUREMENT_UNITS_CODE_SEQUENCE = 0x004008EA
NUMERIC_VALUE = 0x0040A30A
FLOATING_POINT_VALUE = 0x0040A161
TEXT_VALUE = 0x0040A160
UID = 0x0040A124
DATETIME = 0x0040A120
CODE_VALUE = 0x00080100
CODING_SCHEME = 0x00080102
CODE_MEANING = 0x00080104
LONG_CODE_VALUE = 0x00080119
URN_CODE_VALUE = 0x00080120


def text(ds: Dataset, tag: int) -> str | None:
    """A string element's value, stripped; None when absent or empty."""
    try:
        element = ds.get_item(tag)
    except Exception:  # a damaged element: treated as absent
        return None
    if element is None:
        return None
    value: Any = element.value
    if isinstance(value, bytes):
        value = decode(value, ds)
    elif value is not None and not isinstance(value, str):
        value = str(value[0]) if isinstance(value, list | tuple) and value else str(value)
    value = (value or "").strip(" \x00\r\n\t")
    return value or None


def decode(raw: bytes, ds: Dataset | None = None) -> str:
    """Bytes of a text element. UTF-8 is tried first: Latin-1 text is almost never valid UTF-8 once
    it holds an accented letter, while scanners often write UTF-8 under a Latin-1 character set."""
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    charset = _charset(ds)
    try:
        return raw.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return raw.decode("latin-1")  # never fails: every byte is a character


_CHARSETS = {"ISO_IR 100": "latin-1", "ISO_IR 101": "iso8859-2", "ISO_IR 144": "iso8859-5", "ISO_IR 192": "utf-8"}


def _charset(ds: Dataset | None) -> str:
    """The Python codec for a dataset's Specific Character Set (0008,0005); cp1252 otherwise (a
    superset of Latin-1 for the printable range, what Windows-made files hold)."""
    if ds is None:
        return "cp1252"
    names = getattr(ds, "_character_set", None) or []
    name = names[-1] if isinstance(names, list | tuple) and names else names
    return _CHARSETS.get(str(name).strip(), "cp1252") if name else "cp1252"


def items(ds: Dataset, tag: int = CONTENT_SEQUENCE) -> list[Dataset]:
    """The items of a sequence (an empty list when absent)."""
    if tag not in ds:
        return []
    value = ds[tag].value
    return list(value) if value else []


def first(ds: Dataset, tag: int) -> Dataset | None:
    found = items(ds, tag)
    return found[0] if found else None


def code_of(item: Dataset | None) -> Code | None:
    """``(CodeValue, CodingSchemeDesignator)`` of a code sequence item."""
    if item is None:
        return None
    value = text(item, CODE_VALUE) or text(item, LONG_CODE_VALUE) or text(item, URN_CODE_VALUE)
    return (value, (text(item, CODING_SCHEME) or "").upper()) if value else None


def concept(item: Dataset) -> Code | None:
    """The concept name of a content item: what it is."""
    return code_of(first(item, CONCEPT_NAME_CODE_SEQUENCE))


def coded_value(item: Dataset) -> tuple[Code | None, str | None]:
    """A CODE item's value and the file's meaning text (used only for codes we do not list)."""
    code = first(item, CONCEPT_CODE_SEQUENCE)
    return code_of(code), text(code, CODE_MEANING) if code is not None else None


def numeric(item: Dataset) -> tuple[float | None, str]:
    """A NUM item's value and its unit's code value (UCUM)."""
    measured = first(item, MEASURED_VALUE_SEQUENCE)
    if measured is None:
        return None, ""
    value = parse_decimal(_raw_or_text(measured, NUMERIC_VALUE))
    if value is None and FLOATING_POINT_VALUE in measured:
        try:
            value = float(measured[FLOATING_POINT_VALUE].value)
        except (TypeError, ValueError):
            value = None
    units = code_of(first(measured, MEASUREMENT_UNITS_CODE_SEQUENCE))
    return value, units[0] if units else ""


def _raw_or_text(ds: Dataset, tag: int) -> bytes | str | None:
    element = ds.get_item(tag) if tag in ds else None
    if element is None:
        return None
    value = element.value
    return value if isinstance(value, bytes | str) or value is None else str(value)


def walk(ds: Dataset, skip: frozenset[Code] = frozenset()) -> Iterator[tuple[Code | None, Dataset]]:
    """Every content item under ``ds``, depth first, with its concept name; the items of containers
    named in ``skip`` are not visited (pydicom parses a sequence only when it is read)."""
    stack = list(reversed(items(ds)))
    while stack:
        item = stack.pop()
        code = concept(item)
        yield code, item
        if code not in skip and CONTENT_SEQUENCE in item:
            stack.extend(reversed(items(item)))


def index(ds: Dataset, wanted: frozenset[Code], skip: frozenset[Code] = frozenset()) -> dict[Code, Dataset]:
    """The first item of each wanted concept under ``ds`` (at any depth, ``skip`` left out)."""
    found: dict[Code, Dataset] = {}
    for code, item in walk(ds, skip):
        if code in wanted and code not in found:
            found[code] = item
    return found


# -- the same for an item that may be missing ---------------------------------------------------


def item_code(item: Dataset | None) -> tuple[Code | None, str | None]:
    return coded_value(item) if item is not None else (None, None)


def item_text(item: Dataset | None, tag: int = TEXT_VALUE) -> str | None:
    return text(item, tag) if item is not None else None


def item_number(item: Dataset | None, quantity: Quantity) -> float | None:
    """A NUM item's value in the audit unit of ``quantity``."""
    return to_audit_unit(*numeric(item), quantity) if item is not None else None
