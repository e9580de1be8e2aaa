"""Numbers and units as dose reports write them, normalised to what audits compare.

A NUM content item gives its unit as a UCUM code (MeasurementUnitsCodeSequence, scheme ``UCUM``:
PS3.16 CID 7181 and the dose templates' ``mGy``, ``mGy.cm``, ``Gy.m2``, ``Gy``, ``s``), but real
files spell them ``mGycm``, ``Gym2``, ``dGy.cm2``, ``uGy.m2``... The code value is normalised
(separators dropped, ``µ`` as ``u``) and looked up with its dimension, so a DLP never reads as a DAP.

Audit units: dose (CTDIvol, reference-point air kerma) in mGy, DLP in mGy.cm, DAP in Gy.cm2
(``Gy.m2`` = 10^4 ``Gy.cm2``), time in s.
"""

from __future__ import annotations

import re
from typing import Literal

Quantity = Literal["dose", "dose_length", "dose_area", "time"]

_PREFIX = {"": 1.0, "d": 0.1, "c": 0.01, "m": 1e-3, "u": 1e-6}  # multiple of a gray
_LENGTH = {"cm": 1.0, "mm": 0.1, "m": 100.0}  # in cm

# dimension -> {normalised spelling: factor to the audit unit}
_UNITS: dict[Quantity, dict[str, float]] = {
    "dose": {f"{p}gy": f / 1e-3 for p, f in _PREFIX.items()},  # to mGy
    "dose_length": {f"{p}gy{length}": f / 1e-3 * cm for p, f in _PREFIX.items() for length, cm in _LENGTH.items()},
    "dose_area": {  # to Gy.cm2
        f"{p}gy{length}2": f * cm * cm for p, f in _PREFIX.items() for length, cm in _LENGTH.items()
    },
    "time": {"s": 1.0, "sec": 1.0, "ms": 1e-3, "min": 60.0, "h": 3600.0},
}
_SEPARATORS = re.compile(r"[\s.*·^\-_]")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?")


def unit_key(code: str) -> str:
    """``mGy.cm``, ``mGycm``, ``mGy*cm`` and ``mGy cm`` all give ``mgycm``."""
    return _SEPARATORS.sub("", code.replace("µ", "u").replace("μ", "u")).lower()


def to_audit_unit(value: float | None, unit_code: str, quantity: Quantity) -> float | None:
    """``value`` in ``unit_code`` converted to the audit unit of ``quantity``; None if the unit is
    unknown or of another dimension (a value we cannot place is left out, not guessed)."""
    if value is None:
        return None
    factor = _UNITS[quantity].get(unit_key(unit_code))
    return None if factor is None else _round(value * factor)


def parse_decimal(text: str | bytes | None) -> float | None:
    """The first number of a DICOM decimal string, read the way vendors write it.

    ``"10.50/ 15.00"`` (a slash where DICOM puts a backslash between values) gives 10.5, as does
    ``"10.50\\15.00"``; ``"12,5"`` (a comma decimal) gives 12.5. None when there is no number.
    """
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    match = _NUMBER.search(text)
    if match is None:
        return None
    try:
        value = float(match.group().replace(",", "."))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None  # no NaN, no infinity


def _round(value: float) -> float:
    """Six significant figures: enough for any dosimeter, and no 0.30000000000000004 in reports."""
    return float(f"{value:.6g}")
