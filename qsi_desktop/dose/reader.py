"""Reads one DICOM file into an exam's dose report, or says why it is not one.

What is recognised (PS3.4 SOP classes, PS3.16 templates):

- X-Ray Radiation Dose SR (``...88.67``), and Enhanced or Comprehensive SR (``...88.22``,
  ``...88.33``: some GE CT scanners) holding the same content, as TID 10011 (CT) or TID 10001
  (projection X-ray). The template comes from Content Template Sequence or, when a file has none,
  from its first containers: CT Accumulated Dose Data (113811) or CT Acquisition (113819) say CT,
  Accumulated X-Ray Dose Data (113702) or Irradiation Event X-Ray Data (113706) say projection.
- CT dose summary images (Secondary Capture): see :mod:`qsi_desktop.dose.summary_image`.
- Radiopharmaceutical dose SR (``...88.68``, TID 10021), images and other objects: skipped.

Nothing identifying leaves this module except the UIDs on :class:`DoseReport`, for hashing.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from pydicom import config, dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID

from qsi_desktop.dose import codes, ct, projection, summary_image
from qsi_desktop.dose.content import concept, first, items, text
from qsi_desktop.dose.events import earliest
from qsi_desktop.dose.header import (
    SOP_CLASS,
    SOP_INSTANCE,
    STUDY_INSTANCE,
    exam_fields,
    header_month,
    month_of,
    uid,
)
from qsi_desktop.dose.model import DoseReport, NotUsable, skipped

CONTENT_TEMPLATE_SEQUENCE = 0x0040A504
TEMPLATE_IDENTIFIER = 0x0040DB00
SUMMARY_IMAGE = "dose summary image"
RDSR = "dose report"
CUT_SHORT = "the DICOM file is cut short or corrupt: it ends inside an element"
_UNDEFINED_LENGTH = 0xFFFFFFFF

_CT_CONTAINERS = frozenset({codes.CT_ACCUMULATED_DOSE_DATA, codes.CT_ACQUISITION})
_PROJECTION_CONTAINERS = frozenset({codes.ACCUMULATED_XRAY_DOSE_DATA, codes.IRRADIATION_EVENT_XRAY_DATA})


def read_dicom(source: str | Path | IO[bytes], *, force: bool = False) -> DoseReport:
    """The dose report in a DICOM file (a path or an open binary file); raises :class:`NotUsable`.

    ``force``: the file has no preamble and "DICM" (checked by the caller), parse it anyway.
    """
    with quiet():
        try:
            ds = dcmread(source, stop_before_pixels=True, force=force)
        except InvalidDicomError:
            raise skipped("not a DICOM file") from None
        except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
            raise NotUsable(f"cannot read the file ({exc.strerror or type(exc).__name__})") from None
        except Exception:  # OSError, EOFError, struct.error...: pydicom stopped mid-element
            raise NotUsable(CUT_SHORT) from None
        try:
            if _cut_short(ds):  # reads every top-level element: a damaged one raises here (unknown VR...)
                raise NotUsable(CUT_SHORT)
            return read_dataset(ds)
        except NotUsable:
            raise
        except Exception as exc:  # never the message: pydicom's can quote a value
            raise NotUsable(
                f"the DICOM file is cut short or corrupt: its dose content cannot be read ({type(exc).__name__})"
            ) from None


def read_dataset(ds: Dataset) -> DoseReport:
    sop_class = uid(ds, SOP_CLASS) or str(getattr(getattr(ds, "file_meta", None), "MediaStorageSOPClassUID", ""))
    if sop_class == codes.RADIOPHARMACEUTICAL_DOSE_SR:
        raise skipped("a radiopharmaceutical dose report (TID 10021), not a CT or X-ray dose report")
    if sop_class in codes.DOSE_SR_CLASSES:
        kind = template(ds)
        if kind is None:
            raise skipped("a structured report without X-ray dose content")
        extracted = ct.extract(ds) if kind == "ct" else projection.extract(ds)
        source = RDSR
    elif sop_class in codes.SECONDARY_CAPTURE_CLASSES:
        kind, extracted, source = "ct", summary_image.extract(ds), SUMMARY_IMAGE
        if not extracted.events and extracted.totals["dlp_total_mgycm"] is None:
            raise skipped("a secondary capture without dose values")
    elif not sop_class:
        raise NotUsable("the DICOM file has no SOP Class UID: it cannot be identified")
    elif "Image" in UID(sop_class).name:
        raise skipped("a DICOM image, not a dose report")
    else:
        name = UID(sop_class).name or "an unknown SOP class"
        raise skipped(f"a DICOM object of another kind ({name}), not a dose report")

    if not extracted.events and all(v is None for k, v in extracted.totals.items() if k != "planes"):
        raise NotUsable("no dose values found in the dose report: it may be cut short")
    sop = uid(ds, SOP_INSTANCE)
    if not sop:
        raise NotUsable("the dose report has no SOP Instance UID: it cannot be told apart from others")
    first_event = earliest(extracted.events)
    first_dated = first_event.started if first_event else None  # earliest() puts dated events first
    month = header_month(ds) or month_of(first_dated) or month_of(extracted.started)
    head = exam_fields(ds)
    data: dict[str, Any] = {
        "source": source,
        "device": head["device"],
        "station": head["station"],
        "study_description": head["study_description"],
        "exam_month": month,
        "age_years": head["age_years"],
        "sex": head["sex"],
        "weight_kg": head["weight_kg"],
        "height_m": head["height_m"],
        **extracted.totals,
        "events": [event.data for event in extracted.events],
    }
    return DoseReport(
        kind=kind,
        data=data,
        sop_uid=sop,
        study_uid=uid(ds, STUDY_INSTANCE),
        first_event_uid=first_event.uid if first_event else "",
    )


def _cut_short(ds: Dataset) -> bool:
    """pydicom reads a file cut inside a defined-length element without complaint, handing out fewer
    bytes than the element declares: a cut anywhere shows in the top-level element holding it."""
    for tag in tuple(ds.keys()):
        element = ds.get_item(tag)
        value = getattr(element, "value", None)
        length = getattr(element, "length", 0)
        if isinstance(value, bytes) and length != _UNDEFINED_LENGTH and len(value) < length:
            return True
    return False


def template(ds: Dataset) -> str | None:
    """ "ct" (TID 10011), "projection" (TID 10001) or None, from the template id or the containers."""
    declared = text(first(ds, CONTENT_TEMPLATE_SEQUENCE) or Dataset(), TEMPLATE_IDENTIFIER)
    if declared == codes.TID_CT:
        return "ct"
    if declared == codes.TID_PROJECTION:
        return "projection"
    if declared == codes.TID_RADIOPHARMACEUTICAL or concept(ds) == codes.RADIOPHARMACEUTICAL_DOSE_REPORT:
        raise skipped("a radiopharmaceutical dose report (TID 10021), not a CT or X-ray dose report")
    for item in items(ds):
        name = concept(item)
        if name in _CT_CONTAINERS:
            return "ct"
        if name in _PROJECTION_CONTAINERS:
            return "projection"
    return None


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """pydicom's warnings and log lines can quote element values (patient data): none while reading."""
    logger = logging.getLogger("pydicom")
    disabled = logger.disabled
    logger.disabled = True
    try:
        with warnings.catch_warnings(), config.disable_value_validation():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.disabled = disabled
