"""The ``read`` both dose importers share: files to records, keyed and grouped by hashed UIDs.

- key: the SOP Instance UID, hashed: the same report twice is a duplicate;
- group: the Study Instance UID with the study's earliest Irradiation Event UID (113769), hashed:
  a cumulative re-send (same study, a growing set of events starting with the same one) replaces
  the one before, the fullest winning (``rank`` = number of events); a continued study (same study,
  other events) is a group of its own, so both count.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from qsi_desktop.dose.files import read_path
from qsi_desktop.dose.model import DoseReport, Kind
from qsi_desktop.plugins.types import ImportContext, ImportedRecord, ImportIssue

OTHER_KIND = {
    "ct": "a projection (fluoroscopy/radiography) dose report: import it with ir-dose",
    "projection": "a CT dose report: import it with ct-dose",
}


def read_dose_records(path: Path, context: ImportContext, kind: Kind) -> Iterator[ImportedRecord | ImportIssue]:
    """Records of ``kind`` ("ct" or "projection") in ``path``; issues for everything else."""
    for entry in read_path(path):
        report = entry.result
        if not isinstance(report, DoseReport):
            yield ImportIssue(path.name, entry.reason, kind=report.kind)
        elif report.kind != kind:
            where = f"{entry.where}: " if entry.where else ""
            yield ImportIssue(path.name, where + OTHER_KIND[kind], kind="skipped")
        else:
            yield record(report, path.name, context)


def record(report: DoseReport, file: str, context: ImportContext) -> ImportedRecord:
    identified = report.study_uid or report.first_event_uid
    return ImportedRecord(
        key=context.keyed_hash("sop", report.sop_uid),
        data=report.data,
        file=file,
        occurred_on=report.data["exam_month"],
        group=context.keyed_hash("study", report.study_uid, report.first_event_uid) if identified else None,
        rank=report.events,
    )
