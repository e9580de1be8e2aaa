"""Privacy helpers: keyed hashing of identifiers and a check for NHS numbers in text.

Identifiers (UIDs, patient IDs) never reach the database: importers keep only an HMAC of them,
keyed with a per-workspace secret, so records de-duplicate without being linkable elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import re


def keyed_hash(secret: bytes, *values: str) -> str:
    """HMAC-SHA256 over the values, separated so ("ab", "c") and ("a", "bc") differ."""
    message = "\x1f".join(values).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


_TEN_DIGITS = re.compile(r"(?<!\d)(\d{3})[ .-]?(\d{3})[ .-]?(\d{4})(?!\d)")


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
    """NHS-number-like strings in free text (10 digits, optionally 3-3-4 with spaces, dots or dashes,
    passing the check)."""
    found = []
    for match in _TEN_DIGITS.finditer(text):
        digits = "".join(match.groups())
        if is_valid_nhs_number(digits):
            found.append(match.group(0))
    return found


def redact_nhs_numbers(text: str) -> str:
    """``text`` with every NHS-number-like string replaced by ``[NHS number removed]``."""

    def replace(match: re.Match[str]) -> str:
        return "[NHS number removed]" if is_valid_nhs_number("".join(match.groups())) else match.group(0)

    return _TEN_DIGITS.sub(replace, text)
