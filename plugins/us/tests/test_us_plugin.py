"""The ultrasound plugin: registrations, the decontamination log importer, its report and panel."""

from __future__ import annotations

import json
import os
import time
import zipfile
from pathlib import Path

import pytest
from qsi_plugin_us import plugin
from qsi_plugin_us.importers.decontamination import classify_category, is_high_level, run
from qsi_plugin_us.report import render

from qsi_desktop.plugins.manager import PluginManager
from qsi_desktop.plugins.testing import SimpleImportContext, SimpleReportContext, check_plugin
from qsi_desktop.plugins.types import Figure, Paragraph, Table

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GOOD_LOG = """Probe ID,Date,Time,Examination category,Method,Cycle ID,Operator,Result
TV-01,05/03/2026,09:10,Transvaginal,Trophon 2,C1001,Jane Sonographer,Pass
TV-01,05/03/2026,11:40,Transvaginal,Clinell detergent wipe,,Jane Sonographer,Pass
AB-07,2026-03-05,09:30,Surface (abdomen),Low level wipe,,Sam Operator,Pass
TOE-2,06-Mar-2026,14:00,TOE,Tristel Trio HLD wipe,T77,,Fail
TV-01,2 April 2026,08:55,intracavity,UV (Astech),A55,Jane Sonographer,pass
,,,,,,,
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding, newline="")
    return path


def dump(batch) -> str:
    """Everything a user or the store would see, except the keys (hex digests can hold any digits)."""
    records = [(r.data, r.file, r.row, r.occurred_on) for r in batch.records]
    return json.dumps(records) + json.dumps([i.to_dict() for i in batch.rejected + batch.skipped])


# -- the importer ----------------------------------------------------------------------------------


def test_good_log_gives_records_and_compliance(tmp_path: Path) -> None:
    context = SimpleImportContext()
    batch = run([write(tmp_path / "decon.csv", GOOD_LOG)], context)

    assert batch.files == 1 and not batch.rejected and not batch.cancelled
    assert [r.row for r in batch.records] == [2, 3, 4, 5, 6]
    assert [i.row for i in batch.skipped] == [7]  # the blank spreadsheet row
    first = batch.records[0]
    assert first.data == {
        "probe": "TV-01",
        "date": "2026-03-05",
        "month": "2026-03",
        "category": "Transvaginal",
        "criticality": "semi-critical",
        "method": "Trophon 2",
        "hld": True,
        "hld_required": True,
        "cycle_recorded": True,
        "operator_recorded": True,
        "result": "pass",
        "compliant": True,
    }
    assert first.occurred_on == "2026-03-05" and first.file == "decon.csv"
    compliant = [r.data["compliant"] for r in batch.records]
    # a detergent wipe after a TV scan and a failed TOE cycle are the two non-compliant uses
    assert compliant == [True, False, True, False, True]
    assert batch.records[2].data["criticality"] == "non-critical"
    assert batch.records[3].data["operator_recorded"] is False
    assert "Jane" not in dump(batch)  # operator names are never kept
    assert context.calls[-1][:2] == (1, 1)


def test_reimporting_the_same_log_gives_the_same_keys(tmp_path: Path) -> None:
    log = write(tmp_path / "decon.csv", GOOD_LOG + "AB-07,2026-03-05,,Surface,Wipe,,,Pass\n" * 2)
    first = run([log], SimpleImportContext())
    again = run([log], SimpleImportContext())
    keys = [r.key for r in first.records]
    assert keys == [r.key for r in again.records]
    assert len(set(keys)) == len(keys) == 7  # two identical uses on one day stay two uses


def test_patient_columns_are_dropped_and_never_echoed(tmp_path: Path) -> None:
    log = write(
        tmp_path / "with-patients.csv",
        (
            "Patient Name,Hospital Number,NHS Number,DOB,Accession,Probe,Date,Category,Method,Result\n"
            "Mary Patientson,RX1234567,943 476 5919,01/02/1960,ACC998877,TV-01,05/03/2026,TV,Trophon,Pass\n"
            "Mary Patientson,RX1234567,943 476 5919,01/02/1960,ACC998877,TV-01,31/02/2026,TV,Trophon,Pass\n"
        ),
    )
    batch = run([log], SimpleImportContext())

    assert len(batch.records) == 1 and len(batch.rejected) == 1
    text = dump(batch)
    for value in ("Mary", "Patientson", "RX1234567", "943 476 5919", "9434765919", "1960", "ACC998877"):
        assert value not in text
    assert "Patient Name" in batch.skipped[0].reason  # the user is told which columns were not read


def test_bad_rows_are_rejected_with_row_numbers_and_good_rows_import(tmp_path: Path) -> None:
    log = write(
        tmp_path / "mixed.csv",
        (
            "probe_id;DATE;exam type;decontamination method;outcome\n"
            "TV-01;05/03/2026;TV;Trophon;pass\n"
            "TV-01;35/03/2026;TV;Trophon;pass\n"
            "TV-01;06/03/2026;knee;Trophon;pass\n"
            ";06/03/2026;TV;Trophon;pass\n"
            "TV-01;07/03/2026;TV;Trophon;maybe\n"
            "TV-01;08/03/2026;TV;Trophon;fail\n"
        ),
    )
    batch = run([log], SimpleImportContext())

    assert [r.row for r in batch.records] == [2, 7]
    reasons = {i.row: i.reason for i in batch.rejected}
    assert set(reasons) == {3, 4, 5, 6}
    assert "35/03/2026" in reasons[3] and "not a date" in reasons[3]
    assert "knee" in reasons[4] and "not recognised" in reasons[4]
    assert "probe" in reasons[5]
    assert "neither pass nor fail" in reasons[6]


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    batch = run([write(tmp_path / "empty.csv", "")], SimpleImportContext())
    assert batch.files == 1 and not batch.records
    assert batch.rejected[0].row is None and "empty" in batch.rejected[0].reason


def test_truncated_file_keeps_whole_rows_and_rejects_the_cut_one(tmp_path: Path) -> None:
    cut = GOOD_LOG.splitlines()[:4]
    log = write(tmp_path / "cut.csv", "\n".join(cut) + "\nTOE-2,06-Mar-2026,14:00,TO")
    batch = run([log], SimpleImportContext())
    assert len(batch.records) == 3
    assert batch.rejected[0].row == 5
    assert "cut short" in batch.rejected[0].reason


def test_binary_and_workbook_files_are_rejected(tmp_path: Path) -> None:
    binary = tmp_path / "scan.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    workbook = tmp_path / "decon.csv"  # an .xlsx renamed to .csv
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    good = write(tmp_path / "good.csv", GOOD_LOG)

    batch = run([binary, workbook, good], SimpleImportContext())

    assert batch.files == 3 and len(batch.records) == 5  # the good file still imports
    reasons = [i.reason for i in batch.rejected]
    assert "scan.csv" in reasons[0] and "binary" in reasons[0]
    assert "is not an Excel workbook that can be read" in reasons[1]


def test_cp1252_export_is_read(tmp_path: Path) -> None:
    text = "Probe,Date,Category,Method,Result,Notes\nTV-01,05/03/2026,Endocavité,Trophon,Pass,£5 cover\n"
    log = tmp_path / "excel.csv"
    log.write_bytes(text.encode("cp1252"))
    batch = run([log], SimpleImportContext())
    assert not batch.rejected
    assert batch.records[0].data["category"] == "Endocavité"
    assert batch.records[0].data["criticality"] == "semi-critical"


def test_huge_log_completes_with_progress(tmp_path: Path) -> None:
    rows = 200_000
    line = "TV-{n},{d:02d}/03/2026,{h:02d}:00,Transvaginal,Trophon,C{i},Op,Pass\n"
    body = "".join(line.format(n=i % 40, d=i % 28 + 1, h=i % 24, i=i) for i in range(rows))
    log = write(tmp_path / "year.csv", "Probe,Date,Time,Category,Method,Cycle,Operator,Result\n" + body)
    context = SimpleImportContext()

    started = time.perf_counter()
    batch = run([log], context)

    assert time.perf_counter() - started < 15  # about 4 s on 2 cores; generous for a busy machine
    assert len(batch.records) == rows and not batch.rejected
    assert len(context.calls) >= rows // 500  # progress every 500 rows, then per file
    assert context.calls[-1][:2] == (1, 1)


def test_file_over_the_size_limit_is_rejected(tmp_path: Path) -> None:
    batch = run([write(tmp_path / "decon.csv", GOOD_LOG)], SimpleImportContext(), max_bytes=100)
    assert not batch.records and "too large" in batch.rejected[0].reason


def test_cancel_stops_between_files(tmp_path: Path) -> None:
    paths = [write(tmp_path / f"log{i}.csv", GOOD_LOG) for i in range(3)]
    batch = run(paths, SimpleImportContext(cancel_after=1))
    assert batch.cancelled and batch.files == 1 and len(batch.records) == 5


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("Intracavity", "semi-critical"),
        ("Trans-rectal", "semi-critical"),
        ("TRUS", "semi-critical"),
        ("TOE", "semi-critical"),
        ("Semi-critical", "semi-critical"),
        ("non-intact skin", "semi-critical"),
        ("Non-critical", "non-critical"),
        ("Surface", "non-critical"),
        ("Obstetric TA", "non-critical"),
        ("Intraoperative", "critical"),
        ("critical", "critical"),
        ("knee", None),
    ],
)
def test_categories_are_classified(category: str, expected: str | None) -> None:
    assert classify_category(category) == expected


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("Trophon EPR", True),
        ("UV-C (Astech)", True),
        ("HLD wipe", True),
        ("Tristel Trio", True),
        ("Low level wipe", False),
        ("Clinell detergent", False),
        ("", False),
    ],
)
def test_methods_are_classified(method: str, expected: bool) -> None:
    assert is_high_level(method) is expected


# -- registrations and report ------------------------------------------------------------------------


def test_plugin_registers_modality_checklists_importer_and_report() -> None:
    manager = PluginManager(plugins=["qsi_plugin_us.plugin"])
    assert not [f for f in manager.failures if f.name == "us"]
    assert manager.modalities() == [plugin.MODALITY]
    assert manager.importer("us-decontamination") is not None
    assert [s.id for s in manager.report_sections()] == ["us.decontamination-compliance"]
    templates = [t for t in manager.checklists() if t.modality == "US"]
    assert len(templates) == 4 and all(t.items for t in templates)


def test_report_tables_by_probe_and_month(tmp_path: Path) -> None:
    batch = run([write(tmp_path / "decon.csv", GOOD_LOG)], SimpleImportContext())
    blocks = render(SimpleReportContext({"us-decontamination": [r.data for r in batch.records]}, frozenset({"US"})))

    summary = blocks[0]
    assert isinstance(summary, Paragraph)
    assert "5 uses of 3 transducers" in summary.text
    assert "2 of 4 uses needing high-level disinfection" in summary.text and "(50%)" in summary.text
    assert any(isinstance(b, Paragraph) and b.style == "warning" for b in blocks)
    (by_probe,) = (b for b in blocks if isinstance(b, Table))
    (chart,) = (b for b in blocks if isinstance(b, Figure))  # the monthly chart, its data the month table
    by_month = chart.table
    assert chart.png.startswith(b"\x89PNG") and "%" in chart.alt_text
    assert by_probe.rows == (
        ("AB-07", "1", "0", "0", "n/a", "0"),
        ("TOE-2", "1", "1", "0", "0%", "0"),
        ("TV-01", "3", "3", "2", "66.6%", "1"),
    )
    assert by_month.rows == (("Mar 2026", "4", "3", "1", "33.3%"), ("Apr 2026", "1", "1", "1", "100%"))


def test_report_without_a_log_says_so() -> None:
    blocks = render(SimpleReportContext({"us-decontamination": []}, frozenset({"US"})))
    assert len(blocks) == 1 and "No transducer decontamination log" in blocks[0].text


# -- GUI ----------------------------------------------------------------------------------------------


def test_conformance() -> None:
    """Loads cleanly, refs resolve, ids prefixed, no Qt, reports render empty, bad files give issues."""
    manager = check_plugin("qsi_plugin_us.plugin")
    assert [m.code for m in manager.modalities()] == ["US"]


def test_a_real_workbook_export_is_read_like_its_csv(tmp_path: Path) -> None:
    """Vendor systems export .xlsx: a title row, the header, UK dates as real dates, a merged title cell."""
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Decontamination log export", None, None])
    sheet.merge_cells("A1:C1")
    rows = [line.split(",") for line in GOOD_LOG.strip().splitlines()]
    sheet.append(rows[0])
    for row in rows[1:]:
        if not any(row):
            continue
        sheet.append([datetime(2026, 3, 5, 9, 10) if cell == "05/03/2026" else cell for cell in row])
    book.save(tmp_path / "export.xlsx")
    from_csv = run([write(tmp_path / "decon.csv", GOOD_LOG)], SimpleImportContext())
    from_xlsx = run([tmp_path / "export.xlsx"], SimpleImportContext())
    assert [r.data for r in from_xlsx.records] == [r.data for r in from_csv.records]
    assert not from_xlsx.rejected
