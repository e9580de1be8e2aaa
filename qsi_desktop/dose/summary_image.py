"""CT dose summary images: a Secondary Capture "dose info" page (Philips and others) instead of an RDSR.

The values are in the header, not in an SR tree: CTDIvol (0018,9345) and its phantom (0018,9346,
PS3.16 CID 4052), and text such as ``Total DLP = 123.4 mGy-cm`` in Image Comments (0020,4000) or in
private elements. Only the numbers are taken from that text.
"""

from __future__ import annotations

import re
from typing import Any

from pydicom.dataset import Dataset

from qsi_desktop.dose import codes
from qsi_desktop.dose.content import code_of, decode, first, text
from qsi_desktop.dose.events import Event, Extracted
from qsi_desktop.dose.units import parse_decimal, to_audit_unit

CTDIVOL = 0x00189345
CTDI_PHANTOM = 0x00189346
IMAGE_COMMENTS = 0x00204000
_MAX_PRIVATE_TEXT = 4096  # bytes: a private element longer than this is not a dose line

_NUMBER = r"([0-9]+(?:[.,][0-9]+)?)"
_DLP = re.compile(rf"(total\s*)?\bDLP\b[^=:\n]{{0,20}}[=:]\s*{_NUMBER}\s*([mµu]?Gy[\s.*·\-]?cm)?", re.IGNORECASE)
_CTDIVOL = re.compile(rf"\bCTDI\s*vol\b[^=:\n]{{0,20}}[=:]\s*{_NUMBER}\s*([mµu]?Gy)?", re.IGNORECASE)


def extract(ds: Dataset) -> Extracted:
    """The dose values of a summary image; no events or totals when it holds none."""
    lines = _texts(ds)
    ctdivols = _header_ctdivol(ds)
    if ctdivols is None:
        ctdivols = [to_audit_unit(parse_decimal(v), unit or "mGy", "dose") for v, unit in _values(_CTDIVOL, lines)]
    phantom = code_of(first(ds, CTDI_PHANTOM))
    found = Extracted(totals={"dlp_total_mgycm": _dlp_total(lines)})
    found.events = [
        Event(
            {
                "protocol": None,
                "acquisition_type": None,
                "localiser": False,
                "ctdivol_mgy": value,
                "dlp_mgycm": None,
                "phantom": codes.PHANTOMS.get(phantom) if phantom else None,
                "target_region": None,
            }
        )
        for value in ctdivols
        if value is not None
    ]
    return found


def _header_ctdivol(ds: Dataset) -> list[float | None] | None:
    if CTDIVOL not in ds:
        return None
    try:
        value: Any = ds[CTDIVOL].value
        values = list(value) if isinstance(value, list | tuple) else [value]
        return [float(v) for v in values if v is not None]
    except (TypeError, ValueError):
        return None


def _dlp_total(lines: list[str]) -> float | None:
    """``Total DLP`` when written; otherwise the only DLP given (several lines: we cannot tell)."""
    matches = [(total, value, unit) for line in lines for total, value, unit in _DLP.findall(line)]
    totals = [m for m in matches if m[0]] or (matches if len(matches) == 1 else [])
    if not totals:
        return None
    _, value, unit = totals[-1]
    return to_audit_unit(parse_decimal(value), unit or "mGy.cm", "dose_length")


def _values(pattern: re.Pattern[str], lines: list[str]) -> list[tuple[str, str]]:
    return [match for line in lines for match in pattern.findall(line)]


def _texts(ds: Dataset) -> list[str]:
    """Image Comments and short private text elements, where summary pages keep their dose lines."""
    lines = [text(ds, IMAGE_COMMENTS) or "", *_private(ds)]
    return [line for line in lines if line]


def _private(ds: Dataset) -> list[str]:
    found = []
    for tag in tuple(ds.keys()):  # keys, not elements: iterating a Dataset converts every value
        if not tag.is_private or tag.element < 0x1000:  # skip private creators
            continue
        raw = ds.get_item(tag)
        value = getattr(raw, "value", None)
        if isinstance(value, bytes) and 0 < len(value) <= _MAX_PRIVATE_TEXT and b"\x00" not in value.rstrip(b"\x00"):
            found.append(decode(value, ds))
        elif isinstance(value, str) and len(value) <= _MAX_PRIVATE_TEXT:
            found.append(value)
    return found
