"""The MR plugin: registrations, the equipment register importer, its report and panel."""

from __future__ import annotations

import json
import os
import time
import zipfile
from pathlib import Path

from qsi_plugin_mr import plugin
from qsi_plugin_mr.importers.equipment import run
from qsi_plugin_mr.report import render

from qsi_desktop.plugins.manager import PluginManager
from qsi_desktop.plugins.testing import SimpleImportContext, SimpleReportContext, check_plugin
from qsi_desktop.plugins.types import Paragraph, Table

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HEADER = (
    "Item,Location,MR label,Field strength (T),Spatial gradient (T/m),SAR (W/kg),Conditions,Last checked,Asset number\n"
)
GOOD_REGISTER = (
    HEADER
    + """MR anaesthetic machine,MR1 (3T),MR Conditional,3,20,,,05/03/2026,A1001
Infusion pump,MR1 (3T),mr-conditional,,,,"1.5T and 3T, 720 G/cm, SAR 2 W/kg",2026-03-05,A1002
Wheelchair (non-magnetic),MR1 (3T),MR safe,,,,,,A1003
Oxygen cylinder (steel),MR2 (1.5T),MR UNSAFE,,,,,,A1004
Patient monitor,MR2 (1.5T),Conditional,,,,,01-Feb-2026,A1005
Fire extinguisher,MR2 (1.5T),unlabelled,,,,,,
"""
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def dump(batch) -> str:
    records = [(r.data, r.file, r.row, r.occurred_on) for r in batch.records]
    return json.dumps(records) + json.dumps([i.to_dict() for i in batch.rejected + batch.skipped])


# -- the importer ----------------------------------------------------------------------------------


def test_good_register_normalises_labels_and_conditions(tmp_path: Path) -> None:
    context = SimpleImportContext()
    batch = run([write(tmp_path / "register.csv", GOOD_REGISTER)], context)

    assert batch.files == 1 and not batch.rejected and not batch.skipped
    data = [r.data for r in batch.records]
    assert [d["label"] for d in data] == [
        "MR Conditional",
        "MR Conditional",
        "MR Safe",
        "MR Unsafe",
        "MR Conditional",
        "Unlabelled",
    ]
    assert data[0] == {
        "item": "MR anaesthetic machine",
        "location": "MR1 (3T)",
        "label": "MR Conditional",
        "field_strength_t": 3.0,
        "spatial_gradient_t_per_m": 20.0,
        "sar_w_per_kg": None,
        "conditions": "",
        "conditions_recorded": True,
        "missing_conditions": False,
        "last_checked": "2026-03-05",
        "asset": "A1001",
    }
    # conditions read from the text column: the highest field, G/cm converted to T/m
    assert (data[1]["field_strength_t"], data[1]["spatial_gradient_t_per_m"], data[1]["sar_w_per_kg"]) == (
        3.0,
        7.2,
        2.0,
    )
    assert [d["missing_conditions"] for d in data] == [False, False, False, False, True, False]
    assert data[4]["last_checked"] == "2026-02-01"
    assert [r.row for r in batch.records] == [2, 3, 4, 5, 6, 7]
    assert context.calls[-1][:2] == (1, 1)


def test_reimporting_the_register_gives_the_same_keys(tmp_path: Path) -> None:
    register = write(tmp_path / "register.csv", GOOD_REGISTER)
    first = [r.key for r in run([register], SimpleImportContext()).records]
    assert first == [r.key for r in run([register], SimpleImportContext()).records]
    assert len(set(first)) == 6


def test_patient_columns_are_dropped(tmp_path: Path) -> None:
    register = write(
        tmp_path / "register.csv",
        (
            "Item,Label,Patient name,MRN,Date of birth\n"
            "Pacemaker programmer,MR Unsafe,Arthur Patientson,MRN5550123,12/12/1950\n"
            "Implant card,MR Conditional,Arthur Patientson,MRN5550123,12/12/1950\n"
        ),
    )
    batch = run([register], SimpleImportContext())
    assert len(batch.records) == 2
    text = dump(batch)
    for value in ("Arthur", "Patientson", "MRN5550123", "12/12/1950", "1950-12-12"):
        assert value not in text


def test_bad_rows_are_rejected_with_row_numbers(tmp_path: Path) -> None:
    register = write(
        tmp_path / "register.csv",
        HEADER
        + (
            "Scanner table,MR1,MR Safe,,,,,,B1\n"
            "Old trolley,MR1,MR compatible,,,,,,B2\n"
            "Drip stand,MR1,MR Safe,,,,,32/13/2026,B3\n"
            "Copy of scanner table,MR1,MR Safe,,,,,,B1\n"
            "Ventilator,MR1,MR Conditional,lots,,,,,B4\n"
            ",MR1,MR Safe,,,,,,B5\n"
            "Headphones,MR1,,,,,,,B6\n"
            "Gurney,MR1,MR Unsafe,,,,,,B7\n"
        ),
    )
    batch = run([register], SimpleImportContext())

    assert [r.row for r in batch.records] == [2, 9]
    reasons = {i.row: i.reason for i in batch.rejected}
    assert set(reasons) == {3, 4, 5, 6, 7, 8}
    assert "unknown MR label 'MR compatible'" in reasons[3] and "old term" in reasons[3]
    assert "32/13/2026" in reasons[4]
    assert reasons[5] == "the same entry as row 2"
    assert "field strength 'lots'" in reasons[6]
    assert "no item" in reasons[7]
    assert "no MR label" in reasons[8]


def test_empty_truncated_binary_workbook_and_oversized_files(tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.csv", "")
    cut = write(tmp_path / "cut.csv", GOOD_REGISTER.split("Oxygen")[0] + "Oxygen cylinder (steel),MR2 (1.5T),MR UNS")
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4)
    workbook = tmp_path / "register.xlsx"
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    pdf = tmp_path / "register.pdf.csv"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")

    batch = run([empty, cut, binary, workbook, pdf], SimpleImportContext())

    assert batch.files == 5 and len(batch.records) == 3  # the three whole rows of the cut file
    reasons = {(i.file, i.row): i.reason for i in batch.rejected}
    assert "empty" in reasons[("empty.csv", None)]
    assert "cut short" in reasons[("cut.csv", 5)]
    assert "binary" in reasons[("photo.csv", None)]
    assert "is not an Excel workbook that can be read" in reasons[("register.xlsx", None)]
    assert "PDF" in reasons[("register.pdf.csv", None)]

    small = run([write(tmp_path / "r.csv", GOOD_REGISTER)], SimpleImportContext(), max_bytes=50)
    assert not small.records and "too large" in small.rejected[0].reason


def test_cp1252_register_is_read(tmp_path: Path) -> None:
    register = tmp_path / "excel.csv"
    register.write_bytes((HEADER + "Défibrillateur,Salle IRM,MR Unsafe,,,,,,£1\n").encode("cp1252"))
    batch = run([register], SimpleImportContext())
    assert [(r.data["item"], r.data["location"], r.data["asset"]) for r in batch.records] == [
        ("Défibrillateur", "Salle IRM", "£1"),
    ]


def test_huge_register_completes_with_progress(tmp_path: Path) -> None:
    rows = 200_000
    body = "".join(
        f"Item {i},MR{i % 3},MR Conditional,{1.5 + i % 2 * 1.5},{i % 30 + 1},2,,05/03/2026,A{i}\n" for i in range(rows)
    )
    context = SimpleImportContext()
    started = time.perf_counter()
    batch = run([write(tmp_path / "big.csv", HEADER + body)], context)
    assert time.perf_counter() - started < 15  # about 4 s on 2 cores
    assert len(batch.records) == rows and not batch.rejected
    assert len(context.calls) > rows // 500


def test_cancel_stops_between_files(tmp_path: Path) -> None:
    paths = [write(tmp_path / f"r{i}.csv", GOOD_REGISTER) for i in range(3)]
    batch = run(paths, SimpleImportContext(cancel_after=1))
    assert batch.cancelled and batch.files == 1 and len(batch.records) == 6


# -- registrations and report ------------------------------------------------------------------------


def test_plugin_registers_modality_checklists_importer_and_report() -> None:
    manager = PluginManager(plugins=["qsi_plugin_mr.plugin"])
    assert not [f for f in manager.failures if f.name == "mr"]
    assert manager.modalities() == [plugin.MODALITY]
    assert [i.name for i in manager.importers()] == ["mr-equipment-register", "mr-environment"]
    assert [s.id for s in manager.report_sections()] == ["mr.zone-maps", "mr.equipment-register", "mr.environment"]
    templates = manager.checklists()
    assert {t.id for t in templates} == {"mr.safety-roles", "mr.zone-map", "mr.qa-environment"}
    assert all(t.items and t.modality == "MR" for t in templates)


def test_report_counts_labels_and_lists_conditional_items_without_conditions(tmp_path: Path) -> None:
    batch = run([write(tmp_path / "register.csv", GOOD_REGISTER)], SimpleImportContext())
    blocks = render(SimpleReportContext({"mr-equipment-register": [r.data for r in batch.records]}, frozenset({"MR"})))

    tables = {b.caption: b for b in blocks if isinstance(b, Table)}
    assert tables["MR equipment by label"].rows == (
        ("MR Safe", "1"),
        ("MR Conditional", "3"),
        ("MR Unsafe", "1"),
        ("Unlabelled", "1"),
        ("Total", "6"),
    )
    assert tables["MR equipment by location"].rows == (
        ("MR1 (3T)", "1", "2", "0", "0", "3"),
        ("MR2 (1.5T)", "0", "1", "1", "1", "3"),
    )
    assert tables["MR Conditional items missing their conditions"].rows == (
        ("Patient monitor", "MR2 (1.5T)", "A1005", "2026-02-01"),
    )
    assert any(isinstance(b, Paragraph) and b.style == "warning" and "1 MR Conditional" in b.text for b in blocks)


def test_report_without_a_register_says_so() -> None:
    (block,) = render(SimpleReportContext({"mr-equipment-register": []}, frozenset({"MR"})))
    assert "No MR equipment register" in block.text


# -- GUI ----------------------------------------------------------------------------------------------


def test_conformance() -> None:
    """Loads cleanly, refs resolve, ids prefixed, no Qt, reports render empty, bad files give issues."""
    manager = check_plugin("qsi_plugin_mr.plugin")
    assert [m.code for m in manager.modalities()] == ["MR"]


# -- the environment monitoring log ------------------------------------------------------------------

ENVIRONMENT_LOG = """Date,Time,Room,Temperature (C),Humidity (%),O2 (%)
03/03/2026,08:00,MR 1,20.5,45,20.9
03/03/2026,08:05,MR 2,24.1,50,20.8
04/03/2026,08:00,MR 1,19.0,,19.2
04/03/2026,08:00,MR 3,21,40,20.9
05/03/2026,08:00,MR 1,hot,45,20.9
"""


def test_environment_log_against_the_limits_each_room_keeps(tmp_path: Path) -> None:
    from qsi_plugin_mr import environment

    batch = environment.run([write(tmp_path / "environment.csv", ENVIRONMENT_LOG)], SimpleImportContext())
    assert [(r.data["room"], r.data["temperature_c"], r.data["oxygen_pct"]) for r in batch.records] == [
        ("MR 1", 20.5, 20.9),
        ("MR 2", 24.1, 20.8),
        ("MR 1", 19.0, 19.2),
        ("MR 3", 21.0, 20.9),
    ]
    assert [(i.row, i.reason) for i in batch.rejected] == [(6, "temperature: 'hot' is not a number")]
    records = [{**r.data, "occurred_on": r.occurred_on} for r in batch.records]
    summary, _table = environment.render(SimpleReportContext({"mr-environment": records}, frozenset({"MR"})))
    assert "No limits are recorded yet" in summary.text
    limits = [
        {"room": "mr 1", "temperature_c_min": 18, "temperature_c_max": 22, "oxygen_pct_min": 19.5},
        {"room": "MR 2", "temperature_c_max": 22},
    ]
    context = SimpleReportContext(
        {"mr-environment": records}, frozenset({"MR"}), rows_by_register={"mr.environment-limits": limits}
    )
    summary, by_month, outside = environment.render(context)
    assert summary.text.startswith("4 readings in 3 rooms; 2 outside the room's limits.")
    assert outside.rows == (("2026-03-03", "MR 2", "temperature"), ("2026-03-04", "MR 1", "oxygen"))
    assert ("MR 3", "2026-03", 1, 0, 1) in by_month.rows  # no limits for MR 3: counted as not checked
