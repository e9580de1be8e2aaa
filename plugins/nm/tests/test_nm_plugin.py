"""The nuclear medicine plugin: registrations, the licence register importer, its report and panel."""

from __future__ import annotations

import json
import os
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

from qsi_plugin_nm import plugin
from qsi_plugin_nm.importers.licences import run
from qsi_plugin_nm.report import render, status

from qsi_desktop.plugins.manager import PluginManager
from qsi_desktop.plugins.testing import SimpleImportContext, SimpleReportContext, check_plugin
from qsi_desktop.plugins.types import Figure, Paragraph, Table


def _context(records: list[dict], as_of: date | None = None) -> SimpleReportContext:
    return SimpleReportContext({"nm-licences": records}, frozenset({"NM"}), as_of=as_of or date.today())


os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HEADER = "Type,Holder,Reference,Issued,Expires\n"
REGISTER = (
    HEADER
    + """ARSAC employer licence,Riverside NHS Trust,EMP-0001,01/04/2021,31/03/2026
ARSAC employer licence,Riverside NHS Trust,EMP-0002,01/03/2026,28/02/2031
ARSAC practitioner licence,Dr A Consultant,PRA-1234,15/06/2021,20/05/2026
ARSAC practitioner licence,Dr B Consultant,PRA-5678,01/01/2024,31/12/2028
Medical Physics Expert,C Physicist,MPE-01,01/09/2023,
Radiation Protection Adviser,RPA Services Ltd,RPA-2020-77,01/01/2020,01-Apr-2026
RWA,RWA Services Ltd,RWA-9,2024-01-01,1 January 2029
Environmental permit (EPR),Riverside NHS Trust,EPR/AB1234CD,2019-05-01,
ARSAC practitioner licence,Dr C Consultant,PRA-9999,2021-02-01,
HSE consent,Riverside NHS Trust,HSE-42,2021-01-31,2026-01-31
"""
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def dump(batch) -> str:
    records = [(r.data, r.file, r.row, r.occurred_on) for r in batch.records]
    return json.dumps(records) + json.dumps([i.to_dict() for i in batch.rejected + batch.skipped])


# -- the importer ----------------------------------------------------------------------------------


def test_register_types_and_dates_are_normalised(tmp_path: Path) -> None:
    context = SimpleImportContext()
    batch = run([write(tmp_path / "licences.csv", REGISTER)], context)

    assert batch.files == 1 and not batch.rejected and len(batch.records) == 10
    data = [r.data for r in batch.records]
    assert [d["type"] for d in data] == [
        "ARSAC employer licence",
        "ARSAC employer licence",
        "ARSAC practitioner licence",
        "ARSAC practitioner licence",
        "MPE appointment",
        "RPA appointment",
        "RWA appointment",
        "Environmental permit",
        "ARSAC practitioner licence",
        "HSE authorisation",
    ]
    assert data[0] == {
        "type": "ARSAC employer licence",
        "holder": "Riverside NHS Trust",
        "reference": "EMP-0001",
        "issued": "2021-04-01",
        "expires": "2026-03-31",
    }
    assert (data[5]["expires"], data[6]["expires"], data[4]["expires"]) == ("2026-04-01", "2029-01-01", None)
    assert batch.records[0].occurred_on == "2021-04-01"
    assert context.calls[-1][:2] == (1, 1)


def test_patient_columns_are_dropped_but_holders_kept(tmp_path: Path) -> None:
    register = write(
        tmp_path / "licences.csv",
        (
            "Name,Licence type,Licence number,Valid from,Expiry date,Patient ID,NHS No\n"
            "Dr A Consultant,Practitioner,PRA-1,2021-01-01,2026-01-01,PID777111,943 476 5919\n"
        ),
    )
    batch = run([register], SimpleImportContext())
    assert batch.records[0].data["holder"] == "Dr A Consultant"  # a register of appointments names people
    text = dump(batch)
    assert "PID777111" not in text and "943 476 5919" not in text


def test_bad_rows_are_rejected_with_row_numbers(tmp_path: Path) -> None:
    register = write(
        tmp_path / "licences.csv",
        HEADER
        + (
            "RPA appointment,RPA Ltd,R1,2024-01-01,2029-01-01\n"
            "ARSAC licence,Dr X,L1,2024-01-01,2029-01-01\n"
            "Fire warden,Dr X,L2,2024-01-01,2029-01-01\n"
            "MPE,Dr Y,M1,2024-01-01,31/02/2029\n"
            "RWA,Dr Z,W1,2029-01-01,2024-01-01\n"
            "MPE,,M2,2024-01-01,\n"
            "RPA appointment,RPA Ltd,R1,2024-01-01,2029-01-01\n"
            "\n"
            "MPE,Dr Y,M3,2024-01-01,\n"
        ),
    )
    batch = run([register], SimpleImportContext())

    assert [r.row for r in batch.records] == [2, 10]
    reasons = {i.row: i.reason for i in batch.rejected}
    assert set(reasons) == {3, 4, 5, 6, 7, 8}
    assert "employer's or a practitioner's" in reasons[3]
    assert "'Fire warden' not recognised" in reasons[4]
    assert "'31/02/2029' is not a date" in reasons[5]
    assert "expires before it was issued" in reasons[6]
    assert "no holder" in reasons[7]
    assert reasons[8] == "the same entry as row 2"
    assert [i.row for i in batch.skipped] == [9]


def test_unusable_files_are_rejected_and_the_batch_goes_on(tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.csv", "   \r\n")
    cut = write(tmp_path / "cut.csv", REGISTER[: REGISTER.index("Dr B") + 10])
    binary = tmp_path / "licences.csv"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    workbook = tmp_path / "licences-export.csv"
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    no_expiry_column = write(tmp_path / "no-expiry.csv", "Type,Holder\nMPE,Dr Y\n")

    batch = run([empty, cut, binary, workbook, no_expiry_column], SimpleImportContext())

    assert batch.files == 5
    assert [r.data["reference"] for r in batch.records] == ["EMP-0001", "EMP-0002", "PRA-1234"]
    reasons = {(i.file, i.row): i.reason for i in batch.rejected}
    assert "empty" in reasons[("empty.csv", None)]
    assert "cut short" in reasons[("cut.csv", 5)]
    assert "binary" in reasons[("licences.csv", None)]
    assert "is not an Excel workbook that can be read" in reasons[("licences-export.csv", None)]
    assert "required columns missing: expires" in reasons[("no-expiry.csv", None)]

    small = run([write(tmp_path / "r.csv", REGISTER)], SimpleImportContext(), max_bytes=64)
    assert not small.records and "too large" in small.rejected[0].reason


def test_cp1252_register_is_read(tmp_path: Path) -> None:
    register = tmp_path / "excel.csv"
    row = "Practitioner licence,Dr Zoë Médecin,PRA-£1,2024-01-01,2029-01-01\n"
    register.write_bytes((HEADER + row).encode("cp1252"))
    batch = run([register], SimpleImportContext())
    assert [(r.data["holder"], r.data["reference"]) for r in batch.records] == [("Dr Zoë Médecin", "PRA-£1")]


def test_huge_register_completes_with_progress(tmp_path: Path) -> None:
    rows = 200_000
    body = "".join(f"Practitioner licence,Dr {i},PRA-{i},01/01/2024,{i % 28 + 1:02d}/12/2028\n" for i in range(rows))
    context = SimpleImportContext()
    started = time.perf_counter()
    batch = run([write(tmp_path / "big.csv", HEADER + body)], context)
    assert time.perf_counter() - started < 15  # about 4 s on 2 cores
    assert len(batch.records) == rows and not batch.rejected
    assert len(context.calls) > rows // 500


def test_cancel_stops_between_files(tmp_path: Path) -> None:
    paths = [write(tmp_path / f"r{i}.csv", REGISTER) for i in range(3)]
    batch = run(paths, SimpleImportContext(cancel_after=1))
    assert batch.cancelled and batch.files == 1 and len(batch.records) == 10


# -- registrations and report ------------------------------------------------------------------------


def test_plugin_registers_modality_checklists_importer_and_report() -> None:
    manager = PluginManager(plugins=["qsi_plugin_nm.plugin"])
    assert not [f for f in manager.failures if f.name == "nm"]
    assert manager.modalities() == [plugin.MODALITY]
    assert [i.name for i in manager.importers()] == ["nm-licences", "nm-activity"]
    assert [s.id for s in manager.report_sections()] == [
        "nm.licences-expiry",
        "nm.radiopharmaceutical-sops",
        "nm.administered-activity",
    ]
    assert [r.id for r in manager.registers()] == ["nm.radiopharmaceutical-sops", "nm.reference-activities"]
    report = next(t for t in manager.checklists() if t.id == "nm.annual-compliance-report")
    assert [i.text[:2] for i in report.items[1:9]] == [f"{c}." for c in "abcdefgh"]
    sop = next(t for t in manager.checklists() if t.id == "nm.radiopharmaceutical-sop")
    assert [i.key for i in sop.items] == [f"sop-{c}" for c in "abcdef"]


def test_report_lists_expired_and_expiring_items(tmp_path: Path) -> None:
    batch = run([write(tmp_path / "licences.csv", REGISTER)], SimpleImportContext())
    blocks = render(_context([r.data for r in batch.records], as_of=date(2026, 3, 5)))

    assert isinstance(blocks[0], Paragraph)
    assert "10 licences, appointments and permits, as of 5 March 2026: 4 need attention" in blocks[0].text
    attention, register = (b for b in blocks if isinstance(b, Table))
    assert attention.rows == (
        ("ARSAC practitioner licence", "Dr C Consultant", "PRA-9999", "", "no expiry date recorded"),
        ("HSE authorisation", "Riverside NHS Trust", "HSE-42", "31 January 2026", "expired 33 days ago"),
        ("RPA appointment", "RPA Services Ltd", "RPA-2020-77", "1 April 2026", "expires in 27 days"),
        (
            "ARSAC practitioner licence",
            "Dr A Consultant",
            "PRA-1234",
            "20 May 2026",
            "expires in 76 days: prepare the renewal (submit 8 weeks before)",
        ),
    )
    statuses = {row[2]: row[5] for row in register.rows}
    assert statuses["EMP-0001"] == "superseded by a renewal"  # renewed by EMP-0002
    assert statuses["EMP-0002"] == "in date"
    assert statuses["MPE-01"] == "no expiry date"
    assert register.rows[0][:4] == ("ARSAC employer licence", "Riverside NHS Trust", "EMP-0001", "1 April 2021")


def test_report_is_judged_on_the_day_it_is_made() -> None:
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    record = {"type": "RPA appointment", "holder": "RPA Ltd", "reference": "R1", "issued": None, "expires": yesterday}
    blocks = render(_context([record]))
    attention = next(b for b in blocks if isinstance(b, Table))
    assert attention.rows[0][4] == "expired 1 day ago"


def test_report_without_a_register_says_so() -> None:
    (block,) = render(_context([]))
    assert "No register" in block.text


# -- GUI ----------------------------------------------------------------------------------------------


def test_conformance() -> None:
    """Loads cleanly, refs resolve, ids prefixed, no Qt, reports render empty, bad files give issues."""
    manager = check_plugin("qsi_plugin_nm.plugin")
    assert [m.code for m in manager.modalities()] == ["NM"]


# -- the administered activity log --------------------------------------------------------------------

ACTIVITY_LOG = """Administered activity log, Riverside NM
Date,Time,Procedure,Radiopharmaceutical,Administered activity (MBq),Weight (kg),Age band,Room,Patient name
03/03/2026,09:10,Bone scan,Tc-99m HDP,600,80,adult,Gamma 1,Jane Patient
03/03/2026,09:40,Bone scan,Tc-99m HDP,650,90,adult,Gamma 1,John Patient
04/03/2026,10:00,Bone scan,Tc-99m HDP,520,,adult,Gamma 1,
04/03/2026,11:00,FDG PET,F-18 FDG,400,100,adult,PET,
05/03/2026,11:00,FDG PET,F-18 FDG,300,60,adult,PET,
06/03/2026,12:00,Renogram,Tc-99m MAG3,lots,,adult,Gamma 2,
"""


def test_activity_log_reads_rows_and_drops_patient_columns(tmp_path: Path) -> None:
    from qsi_plugin_nm.importers import activity

    batch = activity.run([write(tmp_path / "activity.csv", ACTIVITY_LOG)], SimpleImportContext())
    assert [r.data["activity_mbq"] for r in batch.records] == [600, 650, 520, 400, 300]
    assert batch.records[0].data["weight_kg"] == 80 and batch.records[2].data["weight_kg"] is None
    assert "Patient" not in json.dumps([r.data for r in batch.records])
    assert [(i.row, i.reason) for i in batch.rejected] == [(8, "administered activity (MBq): 'lots' is not a number")]
    assert "patient-identifying columns not read: Patient name" in batch.skipped[0].reason


def test_activity_audit_against_fixed_and_weight_based_references(tmp_path: Path) -> None:
    from qsi_plugin_nm.activity_audit import render
    from qsi_plugin_nm.importers import activity

    records = [
        {**r.data, "occurred_on": r.occurred_on}
        for r in activity.run([write(tmp_path / "activity.csv", ACTIVITY_LOG)], SimpleImportContext()).records
    ]
    (note,) = render(SimpleReportContext({"nm-activity": []}, frozenset({"NM"})))
    assert "No administered activity log" in note.text
    blocks = render(SimpleReportContext({"nm-activity": records}, frozenset({"NM"})))
    assert "No reference activities are recorded yet" in blocks[0].text
    references = [
        {"procedure": "Bone scan", "reference": 600, "unit": "MBq"},
        {"procedure": "fdg pet", "reference": 3.5, "unit": "MBq/kg"},  # 350 MBq for 100 kg, 210 for 60 kg
    ]
    context = SimpleReportContext(
        {"nm-activity": records}, frozenset({"NM"}), rows_by_register={"nm.reference-activities": references}
    )
    blocks = render(context)
    assert blocks[0].text.startswith("5 administrations of 2 procedures; 3 above their reference activity.")
    (chart,) = [b for b in blocks if isinstance(b, Figure)]
    by_procedure = {row[0]: row for row in chart.table.rows}
    assert by_procedure["Bone scan"] == ("Bone scan", 3, 600.0, 650.0, "600 MBq", 1)
    assert by_procedure["FDG PET"] == ("FDG PET", 2, 350.0, 400.0, "3.5 MBq/kg", 2)
    outliers = [b for b in blocks if isinstance(b, Table)][-1]
    assert [row[:4] for row in outliers.rows] == [
        ("2026-03", "Bone scan", 650.0, 600.0),
        ("2026-03", "FDG PET", 400.0, 350.0),
        ("2026-03", "FDG PET", 300.0, 210.0),
    ]


def test_arsac_licences_follow_arsacs_renewal_timings() -> None:
    licence = {"type": "ARSAC employer licence", "expires": "2026-06-30"}
    assert status(licence, date(2026, 3, 1)) == ("in date", False)  # 121 days
    assert status(licence, date(2026, 4, 1))[0].endswith("prepare the renewal (submit 8 weeks before)")  # 90 days
    assert status(licence, date(2026, 5, 10))[0].endswith("submit the renewal to ARSAC now")  # 51 days
    permit = {"type": "Environmental permit (EPR)", "expires": "2026-06-30"}
    assert status(permit, date(2026, 5, 10)) == ("expires in 51 days", True)
