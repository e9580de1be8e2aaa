"""CT Radiation Dose (PS3.16 TID 10011): the exam's DLP total and one entry per CT acquisition."""

from __future__ import annotations

from typing import Any

from pydicom.dataset import Dataset

from qsi_desktop.dose import codes
from qsi_desktop.dose.content import (
    DATETIME,
    UID,
    concept,
    index,
    item_code,
    item_number,
    item_text,
    items,
)
from qsi_desktop.dose.events import Event, Extracted

_EVENT_ITEMS = frozenset(
    {
        codes.ACQUISITION_PROTOCOL,
        codes.TARGET_REGION,
        codes.CT_ACQUISITION_TYPE,
        codes.IRRADIATION_EVENT_UID,
        codes.DATETIME_STARTED,
        codes.MEAN_CTDIVOL,
        codes.CTDIW_PHANTOM_TYPE,
        codes.DLP,
    }
)
_NOT_READ = frozenset({codes.CT_ACQUISITION_PARAMETERS})


def extract(ds: Dataset) -> Extracted:
    """TID 10012 CT Accumulated Dose Data gives the DLP total; each TID 10013 CT Acquisition an event."""
    found = Extracted()
    dlp_total = None
    for item in items(ds):
        name = concept(item)
        if name == codes.CT_ACQUISITION:
            found.events.append(_event(item))
        elif name == codes.CT_ACCUMULATED_DOSE_DATA:
            total = index(item, frozenset({codes.CT_DLP_TOTAL})).get(codes.CT_DLP_TOTAL)
            dlp_total = item_number(total, "dose_length")
        elif name == codes.START_OF_IRRADIATION:
            found.started = item_text(item, DATETIME)
    if dlp_total is None:  # no accumulated container (or no total in it): the sum of the events
        dlps = [e.data["dlp_mgycm"] for e in found.events if e.data["dlp_mgycm"] is not None]
        dlp_total = round(sum(dlps), 4) if dlps else None
    found.totals = {"dlp_total_mgycm": dlp_total}
    return found


def _event(acquisition: Dataset) -> Event:
    found = index(acquisition, _EVENT_ITEMS, _NOT_READ)
    kind, kind_text = item_code(found.get(codes.CT_ACQUISITION_TYPE))
    localiser = kind == codes.CONSTANT_ANGLE
    phantom, _ = item_code(found.get(codes.CTDIW_PHANTOM_TYPE))
    data: dict[str, Any] = {
        "protocol": item_text(found.get(codes.ACQUISITION_PROTOCOL)),
        "acquisition_type": codes.CT_ACQUISITION_TYPES.get(kind, kind_text) if kind else None,
        "localiser": localiser,
        # A localiser's CTDIvol (often 0 or absent) is not a sequence's: audits must never see it.
        "ctdivol_mgy": None if localiser else item_number(found.get(codes.MEAN_CTDIVOL), "dose"),
        "dlp_mgycm": item_number(found.get(codes.DLP), "dose_length"),
        "phantom": codes.PHANTOMS.get(phantom) if phantom else None,
        "target_region": item_code(found.get(codes.TARGET_REGION))[1],
    }
    return Event(
        data,
        uid=item_text(found.get(codes.IRRADIATION_EVENT_UID), UID) or "",
        started=item_text(found.get(codes.DATETIME_STARTED), DATETIME),
    )
