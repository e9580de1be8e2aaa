"""Privacy helpers: keyed hashing of identifiers and a check for NHS numbers in text.

Identifiers (UIDs, patient IDs) never reach the database: importers keep only an HMAC of them,
keyed with a per-workspace secret, so records de-duplicate without being linkable elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date
from functools import lru_cache


def keyed_hash(secret: bytes, *values: str) -> str:
    """HMAC-SHA256 over the values, separated so ("ab", "c") and ("a", "bc") differ."""
    message = "\x1f".join(values).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


class KeyedHasher:
    """:func:`keyed_hash` for one secret, made twice as fast for an import's two hashes per row: the
    HMAC's inner and outer key blocks are hashed once (RFC 2104), and each value copies those states."""

    def __init__(self, secret: bytes):
        key = hashlib.sha256(secret).digest() if len(secret) > _BLOCK else secret
        key = key.ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def __call__(self, *values: str) -> str:
        inner = self._inner.copy()
        inner.update("\x1f".join(values).encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


_BLOCK = hashlib.sha256().block_size


# Ten digits however they are grouped (3-3-4 as the NHS writes it, 4-3-3, in one run...), with a space,
# dot or dash between groups. Every grouping people write has two groups of three or more digits side
# by side somewhere, which a much cheaper search finds first: most imported text has no such run.
_SIX_DIGITS = re.compile(r"\d\d\d[ .-]?\d\d\d")
_TEN_DIGITS = re.compile(r"(?<!\d)\d(?:[ .-]?\d){9}(?!\d)")
_NOT_DIGITS = re.compile(r"\D")


def is_valid_nhs_number(digits: str) -> bool:
    """True if ten digits pass the NHS number modulus-11 check."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def find_nhs_numbers(text: str) -> list[str]:
    """NHS-number-like strings in free text (10 digits, in groups split by spaces, dots or dashes, passing
    the check)."""
    if not _SIX_DIGITS.search(text):
        return []
    return [m.group(0) for m in _TEN_DIGITS.finditer(text) if is_valid_nhs_number(_NOT_DIGITS.sub("", m.group(0)))]


def redact_nhs_numbers(text: str) -> str:
    """``text`` with every NHS-number-like string replaced by ``[NHS number removed]``."""

    def replace(match: re.Match[str]) -> str:
        return "[NHS number removed]" if is_valid_nhs_number(_NOT_DIGITS.sub("", match.group(0))) else match.group(0)

    return _TEN_DIGITS.sub(replace, text)


# -- identifier-shaped text in free-text columns -----------------------------------------------------
# Beyond NHS numbers: what a patient's identity looks like when typed into a notes column. Patterns
# stay narrow on purpose (uppercase prefixes, labels, titles with a capital): realistic notes, probe
# models ("C5-1") and serials in their own columns must pass. Serial columns are not free text: the
# importer declares which fields are, and only those are checked.

HOSPITAL_NUMBER = "a hospital number"
DATE_OF_BIRTH = "a date of birth"
NAME_AFTER_TITLE = "a name after a title"
NAME_AND_DATE = "a name next to a date of birth"

_DATE = r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}|\d{1,2}\s+[A-Za-z]{3,9}\.?\s+\d{4})"
# Letters then 6-10 digits as one token (RX1234567, K0123456); serial, lot and catalogue prefixes are not.
_MRN_TOKEN = re.compile(r"(?<![\w/-])(?!(?:SN|SER|LOT|REF|CAT|BN|PO|INV|ISO|EN)\d)[A-Z]{1,3}\d{6,10}(?![\w/-])")
# A label for a hospital or patient number, then a number (MRN 00123456, Hosp no: A123456).
_MRN_LABELLED = re.compile(
    r"\b(?:MRN|PID|CRN|RTX|hosp(?:ital)?\.?\s*(?:no|num|number|id|#)|unit\s*(?:no|number)|"
    r"patient\s*(?:id|no|num|number|#)|case\s*note\s*(?:no|number)?)\b\.?\s*[:#=\-]?\s*[A-Z]{0,3}\d{5,10}\b",
    re.IGNORECASE,
)
_DOB = re.compile(rf"\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|born|b\.)\s*[:\-]?\s*{_DATE}", re.IGNORECASE)
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\b\.?\s+(?:[A-Z]\.?\s+)*[A-Z][a-z][A-Za-z'\-]*")
_NAME_DATE = re.compile(rf"\b[A-Z][a-z]+\s+[A-Z][a-z'\-]+,?\s*\(?\s*({_DATE})")
_YEAR = re.compile(r"(\d{4}|\d{2})$")
_HINT = re.compile(r"\d|\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\b")  # nothing to find without a digit or a title


def find_identifier_kinds(text: str, today: date | None = None) -> list[str]:
    """What identifier-shaped text ``text`` holds (``HOSPITAL_NUMBER``, ...), never the text itself.

    A name next to a date counts only when the date is at least two years old: a log's own dates
    ("checked by Sam Jones 05/03/2026") are recent; a birth date usually is not."""
    if not _HINT.search(text):
        return []
    if today is None:
        return list(_identifier_kinds(text, date.today().year))
    return list(_identifier_kinds(text, today.year))


@lru_cache(maxsize=8192)  # a log repeats the same few methods, rooms and results on every row
def _identifier_kinds(text: str, this_year: int) -> tuple[str, ...]:
    kinds = []
    if _MRN_LABELLED.search(text) or _MRN_TOKEN.search(text):
        kinds.append(HOSPITAL_NUMBER)
    if _DOB.search(text):
        kinds.append(DATE_OF_BIRTH)
    if _TITLE.search(text):
        kinds.append(NAME_AFTER_TITLE)
    for match in _NAME_DATE.finditer(text):
        year = _YEAR.search(match.group(1).strip())
        if year is not None:
            value = int(year.group(1))
            value += (2000 if value <= this_year % 100 else 1900) if value < 100 else 0
            if value <= this_year - 2 and DATE_OF_BIRTH not in kinds:
                kinds.append(NAME_AND_DATE)
                break
    return tuple(kinds)
