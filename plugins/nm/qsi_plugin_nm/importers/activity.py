"""Importer ``nm-activity``: the administered-activity log (CSV exported from Excel, or .tsv).

One row per administration: date, procedure, radiopharmaceutical, administered activity in MBq, and
optionally an age band and the patient's weight (for weight-based reference activities). No patient
identifiers are read: patient columns are dropped by :mod:`qsi_desktop.tabular` before a row gets here.
The administrations are compared with the reference activities the service keeps in the register
``nm.reference-activities`` (none are shipped: ARSAC's Notes for Guidance are the source to copy from).
"""

from __future__ import annotations

from qsi_desktop.plugins.types import Importer
from qsi_desktop.tabular import TABLE_PATTERNS, Row, RowRecord, RowRejected, TableImport, parse_date, parse_measure

NAME = "nm-activity"

COLUMNS = {
    "date": ("date", "administration date", "date administered", "injection date", "date of administration"),
    "time": ("time", "administration time", "injection time"),
    "procedure": ("procedure", "examination", "exam", "study", "test", "scan type"),
    "radiopharmaceutical": ("radiopharmaceutical", "radiopharmaceutical agent", "agent", "tracer", "product"),
    "activity": (
        "administered activity",
        "activity",
        "activity mbq",
        "administered activity mbq",
        "dose mbq",
        "mbq",
    ),
    "age_band": ("age band", "age group", "age range"),
    "weight": ("weight", "weight kg", "patient weight", "body weight"),
    "room": ("room", "camera", "location", "site"),
}
REQUIRED = ("date", "procedure", "activity")


def _number(text: str, what: str, upper: float) -> float | None:
    value = parse_measure(text, what, 0.0, upper, units=("mbq", "kg"))
    if value == 0:
        raise RowRejected(f"{what}: 0 is not an administration")
    return value


def parse_row(row: Row) -> RowRecord:
    try:
        given = parse_date(row.get("date"))
    except ValueError as exc:
        raise RowRejected(f"date: {exc}") from None
    procedure = " ".join(row.get("procedure").split())
    if not procedure:
        raise RowRejected("no procedure")
    activity = _number(row.get("activity"), "administered activity (MBq)", 20_000)
    if activity is None:
        raise RowRejected("no administered activity")
    iso = given.isoformat()
    return RowRecord(
        identity=(iso, row.get("time"), procedure.lower(), row.get("room")),
        data={
            "date": iso,
            "month": iso[:7],
            "procedure": procedure,
            "radiopharmaceutical": " ".join(row.get("radiopharmaceutical").split()) or None,
            "activity_mbq": activity,
            "age_band": row.get("age_band") or None,
            "weight_kg": _number(row.get("weight"), "weight (kg)", 400),
            "room": row.get("room") or None,
        },
        occurred_on=iso,
    )


SPEC = TableImport(name=NAME, columns=COLUMNS, required=REQUIRED, parse=parse_row, repeats="count")
read = SPEC.read
run = SPEC.run  # every file in one batch, for tests and scripts

IMPORTER = Importer(
    name=NAME,
    title="Administered activity log",
    read=read,
    parallel=True,  # a long log is read in another process while the core stores it
    patterns=TABLE_PATTERNS,
    modality="NM",
    description=(
        "CSV log of administered activities: date, procedure, radiopharmaceutical, activity in MBq, and "
        "optionally age band and weight. No patient identifiers are kept."
    ),
    statement_refs=("NM-905", "XR-501"),
    columns=("date", "procedure", "radiopharmaceutical", "activity_mbq", "weight_kg", "age_band"),
    free_text=("procedure", "radiopharmaceutical", "room"),
)
