"""What a dose report's header gives an audit: device, exam month and the patient's age, sex and size.

Privacy (DOMAIN.md section 4): only these are read. The birth date is read only to work out an age
when Patient's Age is missing, and is dropped at once; names, IDs and accession numbers are never
read at all.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydicom.dataset import Dataset

from qsi_desktop.dose.content import text
from qsi_desktop.dose.units import parse_decimal

MANUFACTURER = 0x00080070
MODEL = 0x00081090
STATION = 0x00081010
STUDY_DESCRIPTION = 0x00081030
STUDY_DATE = 0x00080020
CONTENT_DATE = 0x00080023
PATIENT_AGE = 0x00101010
PATIENT_BIRTH_DATE = 0x00100030
PATIENT_SEX = 0x00100040
PATIENT_WEIGHT = 0x00101030
PATIENT_SIZE = 0x00101020
SOP_CLASS = 0x00080016
SOP_INSTANCE = 0x00080018
STUDY_INSTANCE = 0x0020000D

_AGE = re.compile(r"^\s*(\d{1,3})\s*([DWMY]?)\s*$", re.IGNORECASE)
_DAYS_PER = {"D": 1.0, "W": 7.0, "M": 365.25 / 12, "Y": 365.25}


def uid(ds: Dataset, tag: int) -> str:
    """A UID as written, trailing padding dropped; invalid ones (letters, leading zeros, too long)
    are kept as they are: they are only ever hashed."""
    return text(ds, tag) or ""


def exam_fields(ds: Dataset) -> dict[str, Any]:
    """Device, station and study description, and the patient's age, sex, weight and height."""
    device = " ".join(filter(None, (text(ds, MANUFACTURER), text(ds, MODEL)))) or None
    return {
        "device": device,
        "station": text(ds, STATION),
        "study_description": text(ds, STUDY_DESCRIPTION),
        "age_years": age_years(ds),
        "sex": sex(text(ds, PATIENT_SEX)),
        "weight_kg": _plausible(parse_decimal(text(ds, PATIENT_WEIGHT)), 0.2, 500),
        "height_m": height_m(parse_decimal(text(ds, PATIENT_SIZE))),
    }


def header_month(ds: Dataset) -> str | None:
    """YYYY-MM of Study Date, else Content Date."""
    return month_of(text(ds, STUDY_DATE)) or month_of(text(ds, CONTENT_DATE))


def month_of(value: str | None) -> str | None:
    """YYYY-MM of a DICOM DA or DT value (``20240315``, ``20240315101500.000``, ``2024.03.15``)."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) < 6:
        return None
    year, month = int(digits[:4]), int(digits[4:6])
    return f"{year:04d}-{month:02d}" if 1900 <= year <= 2200 and 1 <= month <= 12 else None


def age_years(ds: Dataset) -> float | int | None:
    """Patient's Age (``045Y``, ``006M``, ``010W``, ``020D``), else birth date to study date."""
    match = _AGE.match(text(ds, PATIENT_AGE) or "")
    if match:
        days = int(match.group(1)) * _DAYS_PER[(match.group(2) or "Y").upper()]
        return _years(days)
    born, seen = _date(text(ds, PATIENT_BIRTH_DATE)), _date(text(ds, STUDY_DATE) or text(ds, CONTENT_DATE))
    if born is None or seen is None or seen < born:
        return None
    return _years((seen - born).days)  # the birth date goes no further than this line


def _years(days: float) -> float | int | None:
    """Whole years from one year on; under one, to two decimals (paediatric bands need them)."""
    years = days / 365.25
    if years > 130:
        return None
    return int(years + 1e-9) if years >= 1 else round(years, 2)


def _date(value: str | None) -> date | None:
    digits = re.sub(r"\D", "", value or "")
    if len(digits) < 8:
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def sex(value: str | None) -> str | None:
    code = (value or "").strip().upper()[:1]
    return code if code in ("M", "F", "O") else None


def height_m(value: float | None) -> float | None:
    """Patient's Size is metres; some systems write centimetres (``175``)."""
    if value is not None and 50 <= value <= 250:
        value = round(value / 100, 3)
    return _plausible(value, 0.2, 2.5)


def _plausible(value: float | None, low: float, high: float) -> float | None:
    return value if value is not None and low <= value <= high else None
