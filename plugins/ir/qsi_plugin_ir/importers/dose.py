"""Importer ``ir-dose``: Projection X-Ray Radiation Dose SRs (TID 10001), one record per study.

The reading is the core's (:mod:`qsi_desktop.dose`); patient data is dropped as files are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from qsi_desktop.plugins.types import ImportContext, ImportedRecord, Importer, ImportIssue

NAME = "ir-dose"
VERSION = 1


def read(path: Path, context: ImportContext) -> Iterator[ImportedRecord | ImportIssue]:
    from qsi_desktop.dose.records import read_dose_records  # pydicom only when files are read, not at start-up

    return read_dose_records(path, context, "projection")


IMPORTER = Importer(
    name=NAME,
    title="Fluoroscopy dose reports (DICOM RDSR)",
    patterns=("*",),  # DICOM files often have no extension: every file is looked at
    read=read,
    modality="IR",
    description=(
        "DICOM Projection X-Ray Radiation Dose Structured Reports (TID 10001) in folders, zip files or "
        "DICOMDIRs: per study the device, month, patient age, sex and size, DAP and reference-point dose "
        "totals (fluoroscopy and acquisition), fluoroscopy time and every irradiation event. "
        "Names, IDs, birth dates and accession numbers are dropped as files are read."
    ),
    # IR-901: governance and safety (IR(ME)R compliance, routine safety audits); IR-903: equipment
    # optimised for the procedure; XR-501: diagnostic reference levels.
    statement_refs=("IR-901", "IR-903", "XR-501"),
    columns=(
        "exam_month",
        "device",
        "station",
        "study_description",
        "dap_total_gycm2",
        "rp_dose_total_mgy",
        "fluoro_time_s",
        "source",
    ),
    version=VERSION,
    parallel=True,
    # Typed text: the study description (from the RIS) and protocol names; device and station are codes.
    free_text=("study_description", "events.protocol"),
)
