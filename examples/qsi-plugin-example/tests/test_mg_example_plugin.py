"""The example plugin's own tests: the conformance check, the importer on good and bad files, the
record upgrade and the report section. No workspace needed: the core's test contexts stand in."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

from qsi_plugin_example.phantom_log import IMPORTER, SAMPLE, read, upgrade
from qsi_plugin_example.report import render

from qsi_desktop.plugins.testing import SimpleImportContext, SimpleReportContext, check_plugin
from qsi_desktop.plugins.types import ImportedRecord, ImportIssue, Paragraph, Table

HEADER = "Date,Time,Room,Phantom,Score,Result,Tested by\n"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def read_all(path: Path) -> tuple[list[ImportedRecord], list[ImportIssue]]:
    items = list(read(path, SimpleImportContext()))
    records = [i for i in items if isinstance(i, ImportedRecord)]
    issues = [i for i in items if isinstance(i, ImportIssue)]
    assert len(records) + len(issues) == len(items)
    return records, issues


def shown(records: list[ImportedRecord], issues: list[ImportIssue]) -> str:
    """Everything the core would store or show, keys aside (hex digests can hold any digits)."""
    return json.dumps([(r.data, r.file, r.row, r.occurred_on) for r in records]) + json.dumps(
        [i.to_dict() for i in issues]
    )


def test_conformance() -> None:
    """Loads cleanly beside the core, refs resolve, ids prefixed, no Qt, reports render, bad files give issues."""
    manager = check_plugin("qsi_plugin_example.plugin")
    assert [m.code for m in manager.modalities()] == ["MG"]
    assert [s.id for s in manager.scopes()] == ["paediatric", "breast-screening"]
    assert manager.catalogue().get("MG-903").scope == ("breast-screening",)


def test_the_sample_log_imports_whole() -> None:
    records, issues = read_all(SAMPLE)
    assert not issues
    assert [r.row for r in records] == [2, 3, 4, 5, 6, 7, 8]
    assert records[3].data == {
        "date": "2026-03-09",
        "month": "2026-03",
        "unit": "Room 2",
        "phantom": "TORMAM",
        "score": 8.0,
        "result": "fail",
        "operator_recorded": True,
    }
    assert records[3].occurred_on == "2026-03-09" and records[3].group  # a corrected row replaces it
    assert records[4].data["operator_recorded"] is False  # the re-test has no tester's initials
    assert "engineer" not in shown(records, issues)  # the Comments column is never read
    again, _ = read_all(SAMPLE)
    assert [r.key for r in again] == [r.key for r in records]  # the same file gives the same keys
    assert len({r.key for r in records}) == 7


def test_empty_file_is_one_rejected_issue(tmp_path: Path) -> None:
    records, issues = read_all(write(tmp_path / "empty.csv", ""))
    assert not records
    assert [(i.kind, i.row) for i in issues] == [("rejected", None)] and "empty" in issues[0].reason


def test_truncated_file_keeps_the_whole_rows(tmp_path: Path) -> None:
    text = HEADER + "02/03/2026,08:05,Room 1,TORMAM,12,Pass,AR\n02/03/2026,08:20,Room 2,TOR"
    records, issues = read_all(write(tmp_path / "cut.csv", text))
    assert [r.row for r in records] == [2]
    assert [(i.kind, i.row) for i in issues] == [("rejected", 3)] and "cut short" in issues[0].reason


def test_files_of_the_wrong_type_are_rejected(tmp_path: Path) -> None:
    workbook = tmp_path / "phantom.csv"  # an .xlsx renamed to .csv
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    _, issues = read_all(workbook)
    assert "is not an Excel workbook that can be read" in issues[0].reason

    decontamination_log = "Probe ID,Date,Category,Method,Result\nTV-01,05/03/2026,TV,Trophon,Pass\n"
    other_log = write(tmp_path / "decon.csv", decontamination_log)
    records, issues = read_all(other_log)
    assert not records and "required columns missing: unit" in issues[0].reason


def test_cp1252_export_from_excel_is_read(tmp_path: Path) -> None:
    text = HEADER.replace("Tested by", "Tested by,Comments") + "05/03/2026,,Salle é,TORMAM,12,Pass,AR,£40 part\n"
    records, issues = read_all(write(tmp_path / "excel.csv", text, "cp1252"))
    assert not issues
    assert records[0].data["unit"] == "Salle é"


def test_patient_columns_are_dropped_and_never_echoed(tmp_path: Path) -> None:
    text = (
        "Patient Name,NHS Number,Date,Room,Phantom,Result\n"
        "Mary Patientson,943 476 5919,05/03/2026,Room 1,TORMAM,Pass\n"
        "Mary Patientson,943 476 5919,31/02/2026,Room 1,TORMAM,Pass\n"
    )
    records, issues = read_all(write(tmp_path / "with-patients.csv", text))
    assert len(records) == 1
    assert [(i.kind, i.row) for i in issues] == [("skipped", 1), ("rejected", 3)]
    assert "Patient Name, NHS Number" in issues[0].reason  # the user is told which columns were not read
    text = shown(records, issues)
    for value in ("Mary", "Patientson", "943 476 5919", "9434765919"):
        assert value not in text


def test_bad_rows_are_rejected_without_quoting_them(tmp_path: Path) -> None:
    text = HEADER + (
        "05/03/2026,,Room 1,TORMAM,12,Pass,AR\n"
        "35/03/2026,,Room 1,TORMAM,12,Pass,AR\n"
        "06/03/2026,,Room 1,TORMAM,twelve,Pass,AR\n"
        "07/03/2026,,Room 1,TORMAM,12,Maybe,AR\n"
        "08/03/2026,,,TORMAM,12,Pass,AR\n"
        ",,,,,,\n"
    )
    records, issues = read_all(write(tmp_path / "mixed.csv", text))
    assert [r.row for r in records] == [2]
    reasons = {i.row: (i.kind, i.reason) for i in issues}
    assert reasons == {
        3: ("rejected", "the date is not a date (use e.g. 2026-03-05 or 05/03/2026)"),
        4: ("rejected", "the score is not a number"),
        5: ("rejected", "the result is neither pass nor fail"),
        6: ("rejected", "no unit or room"),
        7: ("skipped", "blank row"),
    }


def test_cancel_stops_a_big_file_early(tmp_path: Path) -> None:
    rows = "".join(f"05/03/2026,{i // 60:02d}:{i % 60:02d},Room 1,TORMAM,12,Pass,AR\n" for i in range(1200))
    context = SimpleImportContext(cancel_after=1)  # cancelled at the first progress report (row 500)
    items = list(read(write(tmp_path / "big.csv", HEADER + rows), context))
    assert 0 < len(items) < 1200 and context.is_cancelled()


def test_version_1_records_are_upgraded() -> None:
    assert IMPORTER.version == 2 and IMPORTER.upgrade is upgrade
    old = {"date": "2025-11-04", "unit": "Room 1", "phantom": "TORMAM", "passed": False}
    assert upgrade(dict(old), 1) == {
        "date": "2025-11-04",
        "month": "2025-11",
        "unit": "Room 1",
        "phantom": "TORMAM",
        "score": None,
        "result": "fail",
        "operator_recorded": False,
    }


def test_report_gives_the_pass_rate_per_unit_over_the_last_year() -> None:
    records, _ = read_all(SAMPLE)
    stored = [{"occurred_on": r.occurred_on, **r.data} for r in records]  # as the workspace hands them out
    stored.append({"occurred_on": "2024-01-10", "date": "2024-01-10", "unit": "Room 3", "result": "fail"})
    blocks = render(SimpleReportContext({"mg-phantom-log": stored}, frozenset({"MG"}), as_of=date(2026, 4, 1)))

    summary, table, warning = blocks
    assert isinstance(summary, Paragraph) and summary.text.startswith("7 phantom image quality tests of 2 units")
    assert isinstance(table, Table)
    assert table.rows == (
        ("Room 1", "3", "3", "0", "100%", "2026-03-16"),
        ("Room 2", "4", "3", "1", "75%", "2026-03-16"),
    )  # Room 3's test is older than a year: left out
    assert isinstance(warning, Paragraph) and warning.style == "warning"


def test_report_without_tests_says_so() -> None:
    (block,) = render(SimpleReportContext(as_of=date(2026, 4, 1)))
    assert isinstance(block, Paragraph) and block.style == "note" and "No phantom tests" in block.text
