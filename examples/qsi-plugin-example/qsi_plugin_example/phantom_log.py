"""Importer ``mg-phantom-log``: a mammography QA phantom image-quality log (CSV exported from Excel).

One row per test: date (and time), the unit (room) tested, the phantom, the score and the result.
Built on :mod:`qsi_desktop.tabular`, which finds the header, decodes cp1252 and UTF-8, drops
patient-identifying columns by name before a row reaches :func:`parse_row`, and never hands out a
column this importer did not ask for (the "Comments" column of a log is never read).

Privacy: the name of whoever ran the test is read only to record that one was given
(``operator_recorded``); reasons for rejected rows never quote a cell.

Record shape, version 2 (``data``)::

    {"date": "2026-03-09", "month": "2026-03", "unit": "Room 2", "phantom": "TORMAM",
     "score": 8.0, "result": "fail", "operator_recorded": True}

Version 1 stored ``{"date", "unit", "phantom", "passed": bool}``; :func:`upgrade` turns such a
record into version 2 when the core reads it back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qsi_desktop.plugins.types import ImportContext, ImportedRecord, Importer, ImportIssue
from qsi_desktop.tabular import Row, RowRecord, RowRejected, TableImport, parse_date, read_table_records

NAME = "mg-phantom-log"
VERSION = 2
SAMPLE = Path(__file__).parent / "data" / "sample-phantom-log.csv"

# Canonical column -> other spellings seen in exports (case, spaces and punctuation do not matter).
COLUMNS = {
    "date": ("test date", "date of test", "qa date"),
    "time": ("test time",),
    "unit": ("room", "x-ray unit", "mammography unit", "equipment", "system", "machine"),
    "phantom": ("phantom type", "test object"),
    "score": ("image quality score", "iq score", "total score", "points"),
    "result": ("outcome", "pass/fail", "pass or fail", "status"),
    "operator": ("tested by", "performed by", "radiographer", "initials", "signature"),
}
REQUIRED = ("date", "unit", "result")

_PASS = frozenset({"pass", "passed", "p", "ok", "yes", "y", "satisfactory"})
_FAIL = frozenset({"fail", "failed", "f", "no", "n", "unsatisfactory", "x"})


def parse_row(row: Row) -> RowRecord:
    """One row as a record; :class:`RowRejected` (a reason that quotes no cell) for a bad row."""
    unit = " ".join(row.get("unit").split())
    if not unit:
        raise RowRejected("no unit or room")
    if not row.get("date"):
        raise RowRejected("no date")
    try:
        tested_on = parse_date(row.get("date")).isoformat()
    except ValueError:
        raise RowRejected("the date is not a date (use e.g. 2026-03-05 or 05/03/2026)") from None
    result = row.get("result").lower()
    if result in _PASS:
        result = "pass"
    elif result in _FAIL:
        result = "fail"
    else:
        raise RowRejected("the result is neither pass nor fail")
    score: float | None = None
    if row.get("score"):
        try:
            score = float(row.get("score"))
        except ValueError:
            raise RowRejected("the score is not a number") from None
    phantom = " ".join(row.get("phantom").split())
    return RowRecord(
        identity=(unit, tested_on, row.get("time"), phantom),
        data={
            "date": tested_on,
            "month": tested_on[:7],
            "unit": unit,
            "phantom": phantom,
            "score": score,
            "result": result,
            "operator_recorded": bool(row.get("operator")),
        },
        occurred_on=tested_on,
    )


# "count": two tests of one unit at the same date and time are two tests (an event log).
SPEC = TableImport(name=NAME, columns=COLUMNS, required=REQUIRED, parse=parse_row, repeats="count")


def read(path: Path, context: ImportContext) -> Iterator[ImportedRecord | ImportIssue]:
    """Stream one file's records and issues; never raises for bad input."""
    return read_table_records(SPEC, path, context)


def upgrade(data: dict[str, Any], stored_version: int) -> dict[str, Any]:
    """Bring a record stored with an older shape up to version 2 (called by the core on read)."""
    if stored_version < 2:
        passed = data.pop("passed", None)
        data["result"] = "pass" if passed else "fail"
        data.setdefault("score", None)
        data.setdefault("operator_recorded", False)  # version 1 did not look
        data["month"] = str(data.get("date", ""))[:7]
    return data


IMPORTER = Importer(
    name=NAME,
    title="Mammography phantom QA log",
    patterns=("*.csv", "*.tsv", "*.txt"),
    read=read,
    modality="MG",
    description=(
        "CSV export of a mammography phantom image-quality log: date, unit or room, phantom, score, "
        "result and who tested. Names are not kept; patient columns are dropped."
    ),
    statement_refs=("MG-901",),
    columns=("date", "unit", "phantom", "score", "result", "operator_recorded"),
    version=VERSION,
    upgrade=upgrade,
)
