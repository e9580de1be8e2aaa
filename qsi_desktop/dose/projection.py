"""Projection X-Ray Radiation Dose (PS3.16 TID 10001): fluoroscopy and acquisition totals and events.

A biplane system writes one Accumulated X-Ray Dose Data container (TID 10002) per plane: the
study's totals are their sums (for the reference-point dose that is the cautious figure a skin-dose
follow-up wants).
"""

from __future__ import annotations

from typing import Any

from pydicom.dataset import Dataset

from qsi_desktop.dose import codes
from qsi_desktop.dose.content import DATETIME, UID, concept, index, item_code, item_number, item_text, items
from qsi_desktop.dose.events import Event, Extracted
from qsi_desktop.dose.units import Quantity

# record field -> (TID 10004 concept, quantity)
TOTALS: dict[str, tuple[codes.Code, Quantity]] = {
    "dap_total_gycm2": (codes.DAP_TOTAL, "dose_area"),
    "rp_dose_total_mgy": (codes.RP_DOSE_TOTAL, "dose"),
    "fluoro_dap_total_gycm2": (codes.FLUORO_DAP_TOTAL, "dose_area"),
    "acquisition_dap_total_gycm2": (codes.ACQUISITION_DAP_TOTAL, "dose_area"),
    "fluoro_rp_total_mgy": (codes.FLUORO_RP_TOTAL, "dose"),
    "acquisition_rp_total_mgy": (codes.ACQUISITION_RP_TOTAL, "dose"),
    "fluoro_time_s": (codes.TOTAL_FLUORO_TIME, "time"),
}
_TOTAL_ITEMS = frozenset(code for code, _ in TOTALS.values())
_EVENT_ITEMS = frozenset(
    {
        codes.ACQUISITION_PLANE,
        codes.IRRADIATION_EVENT_TYPE,
        codes.ACQUISITION_PROTOCOL,
        codes.TARGET_REGION,
        codes.IRRADIATION_EVENT_UID,
        codes.DATETIME_STARTED,
        codes.DOSE_AREA_PRODUCT,
        codes.DOSE_RP,
        codes.IRRADIATION_DURATION,
    }
)
# When a file gives no total, the events' sum stands in: (total field, event field, event kind or None)
_FROM_EVENTS = (
    ("dap_total_gycm2", "dap_gycm2", None),
    ("rp_dose_total_mgy", "rp_dose_mgy", None),
    ("fluoro_time_s", "time_s", "fluoroscopy"),
)


def extract(ds: Dataset) -> Extracted:
    found = Extracted()
    sums: dict[str, float | None] = dict.fromkeys(TOTALS)
    planes = 0
    for item in items(ds):
        name = concept(item)
        if name == codes.IRRADIATION_EVENT_XRAY_DATA:
            found.events.append(_event(item))
        elif name == codes.ACCUMULATED_XRAY_DOSE_DATA:
            planes += 1
            values = index(item, _TOTAL_ITEMS)
            for field, (code, quantity) in TOTALS.items():
                value = item_number(values.get(code), quantity)
                if value is not None:
                    sums[field] = round((sums[field] or 0.0) + value, 6)
        elif name == codes.START_OF_IRRADIATION:
            found.started = item_text(item, DATETIME)
    for total, field, kind in _FROM_EVENTS:
        if sums[total] is None:
            values = [e.data[field] for e in found.events if kind in (None, e.data["event_type"])]
            values = [v for v in values if v is not None]
            sums[total] = round(sum(values), 6) if values else None
    found.totals = {**sums, "planes": planes or None}
    return found


def _event(event: Dataset) -> Event:
    found = index(event, _EVENT_ITEMS)
    plane, _ = item_code(found.get(codes.ACQUISITION_PLANE))
    kind, kind_text = item_code(found.get(codes.IRRADIATION_EVENT_TYPE))
    fluoro = kind in codes.FLUOROSCOPY_EVENT_TYPES
    data: dict[str, Any] = {
        "plane": codes.PLANES.get(plane) if plane else None,
        "event_type": "fluoroscopy" if fluoro else "acquisition" if kind else None,
        "acquisition_type": None if fluoro else codes.PROJECTION_EVENT_TYPES.get(kind, kind_text) if kind else None,
        "protocol": item_text(found.get(codes.ACQUISITION_PROTOCOL)),
        "target_region": item_code(found.get(codes.TARGET_REGION))[1],
        "dap_gycm2": item_number(found.get(codes.DOSE_AREA_PRODUCT), "dose_area"),
        "rp_dose_mgy": item_number(found.get(codes.DOSE_RP), "dose"),
        "time_s": item_number(found.get(codes.IRRADIATION_DURATION), "time"),
    }
    return Event(
        data,
        uid=item_text(found.get(codes.IRRADIATION_EVENT_UID), UID) or "",
        started=item_text(found.get(codes.DATETIME_STARTED), DATETIME),
    )
