"""Importer ``ct-dose``: CT Radiation Dose SRs (TID 10011) and CT dose summary images, one record per exam.

The reading is the core's (:mod:`qsi_desktop.dose`); patient data is dropped as files are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from qsi_desktop.plugins.types import ImportContext, ImportedRecord, Importer, ImportIssue

NAME = "ct-dose"
VERSION = 1


def read(path: Path, context: ImportContext) -> Iterator[ImportedRecord | ImportIssue]:
    from qsi_desktop.dose.records import read_dose_records  # pydicom only when files are read, not at start-up

    return read_dose_records(path, context, "ct")


IMPORTER = Importer(
    name=NAME,
    title="CT dose reports (DICOM RDSR)",
    patterns=("*",),  # DICOM files often have no extension: every file is looked at
    read=read,
    modality="CT",
    description=(
        "DICOM CT Radiation Dose Structured Reports (TID 10011, as X-Ray Radiation Dose SR or Enhanced SR) "
        "and CT dose summary images, in folders, zip files or DICOMDIRs: per exam the device, month, "
        "patient age, sex and size, DLP total and every acquisition's CTDIvol, DLP and phantom. "
        "Names, IDs, birth dates and accession numbers are dropped as files are read."
    ),
    statement_refs=("CT-901", "CT-904", "XR-501", "XR-604"),
    columns=("exam_month", "device", "station", "study_description", "age_years", "sex", "dlp_total_mgycm", "source"),
    version=VERSION,
    parallel=True,
    # Typed text: the study description (from the RIS) and protocol names; device and station are codes.
    free_text=("study_description", "events.protocol"),
)
