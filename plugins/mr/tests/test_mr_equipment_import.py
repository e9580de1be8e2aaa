"""The MR equipment safety register from the files services keep: one source. What the retired
``mr-equipment-register`` importer read (label spellings, conditions in one text column, G/cm, UK
dates, patient columns, bad rows by number, damaged files, cp1252, a large register) now goes through
the register's import (``Register.prepare``)."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from qsi_plugin_mr.importers.equipment import prepare
from qsi_plugin_mr.registers import EQUIPMENT
from qsi_plugin_mr.report import render

from qsi_desktop.plugins.testing import SimpleReportContext
from qsi_desktop.plugins.types import Paragraph, Table
from qsi_desktop.services import register_io, registers
from qsi_desktop.services.app import App
from qsi_desktop.services.errors import UserError
from qsi_desktop.store.workspace import NewProfile, Workspace

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


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    app = App.load(plugins=["qsi_plugin_mr.plugin"])
    workspace = Workspace.create(
        tmp_path / "ws", NewProfile("Riverside", "", ("Main",), ("MR",), {}), framework_id=app.framework_id, actor="t"
    )
    yield workspace
    workspace.close()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def _import(ws: Workspace, path: Path) -> register_io.ImportPreview:
    result = register_io.preview(ws, EQUIPMENT, path)
    register_io.commit(ws, EQUIPMENT, result, actor="t")
    return result


def test_labels_and_conditions_are_read_the_register_way(ws: Workspace, tmp_path: Path) -> None:
    result = _import(ws, write(tmp_path / "register.csv", GOOD_REGISTER))
    assert not result.issues and result.new == 6
    assert [number for number, _ in result.rows] == [2, 3, 4, 5, 6, 7]
    rows = {r.values["item"]: r.values for r in registers.list_rows(ws, EQUIPMENT)}
    assert [v["label"] for v in rows.values()] == [
        "MR Conditional",
        "MR Conditional",
        "MR Safe",
        "MR Unsafe",
        "MR Conditional",
        "MR Unlabelled",
    ]
    assert rows["MR anaesthetic machine"] == {
        "item": "MR anaesthetic machine",
        "location": "MR1 (3T)",
        "label": "MR Conditional",
        "field_strength": 3,
        "spatial_gradient": 20,
        "last_checked": "2026-03-05",
        "asset": "A1001",
    }
    # conditions read from the text column: the highest field, G/cm converted to T/m
    pump = rows["Infusion pump"]
    assert (pump["field_strength"], pump["spatial_gradient"], pump["sar"]) == (3, 7.2, 2)
    assert pump["conditions"] == "1.5T and 3T, 720 G/cm, SAR 2 W/kg"
    assert rows["Patient monitor"]["last_checked"] == "2026-02-01"
    flagged = [k for k, v in rows.items() if "conditions not recorded" in EQUIPMENT.flags(v, result_date())]
    assert flagged == ["Patient monitor"]


def result_date():
    from datetime import date

    return date(2026, 6, 1)


def test_reimporting_the_register_changes_nothing(ws: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "register.csv", GOOD_REGISTER)
    _import(ws, path)
    again = register_io.preview(ws, EQUIPMENT, path)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 6)


def test_patient_columns_are_dropped(ws: Workspace, tmp_path: Path) -> None:
    path = write(
        tmp_path / "register.csv",
        (
            "Item,Location,Label,Patient name,MRN,Date of birth\n"
            "Pacemaker programmer,MR1,MR Unsafe,Arthur Patientson,MRN5550123,12/12/1950\n"
            "Implant card,MR1,MR Conditional,Arthur Patientson,MRN5550123,12/12/1950\n"
        ),
    )
    result = register_io.preview(ws, EQUIPMENT, path)
    assert {c.header for c in result.columns if c.use == "patient"} == {"Patient name", "MRN", "Date of birth"}
    assert len(result.rows) == 2
    register_io.commit(ws, EQUIPMENT, result, actor="t")
    ws.close()
    for file in ws.path.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            for value in (b"Arthur", b"Patientson", b"MRN5550123", b"12/12/1950", b"1950-12-12"):
                assert value not in data, (file, value)


def test_bad_rows_are_listed_with_row_numbers(ws: Workspace, tmp_path: Path) -> None:
    path = write(
        tmp_path / "register.csv",
        HEADER
        + (
            "Scanner table,MR1,MR Safe,,,,,,B1\n"
            "Old trolley,MR1,MR compatible,,,,,,B2\n"
            "Drip stand,MR1,MR Safe,,,,,32/13/2026,B3\n"
            "Scanner table,MR1,MR Safe,,,,,,B1\n"
            "Ventilator,MR1,MR Conditional,lots,,,,,B4\n"
            ",MR1,MR Safe,,,,,,B5\n"
            "Headphones,MR1,,,,,,,B6\n"
            "Gurney,MR1,MR Unsafe,,,,,,B7\n"
        ),
    )
    result = register_io.preview(ws, EQUIPMENT, path)
    assert [number for number, _ in result.rows] == [2, 9]
    reasons = {i.row: i.reason for i in result.issues}
    assert set(reasons) == {3, 4, 5, 6, 7, 8}
    assert "unknown MR label 'MR compatible'" in reasons[3] and "old term" in reasons[3]
    assert reasons[4].startswith("Last checked: not a date")  # the cell is not quoted back
    assert reasons[5] == "the same Item and Location as row 2"
    assert "field strength 'lots'" in reasons[6]
    assert "no item" in reasons[7]
    assert "no MR label" in reasons[8]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("photo.csv", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4, "binary|not text|header"),
        ("register.pdf.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
    ],
)
def test_damaged_files_are_refused_naming_the_file(ws: Workspace, tmp_path: Path, name, content, message) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UserError, match=message) as caught:
        register_io.preview(ws, EQUIPMENT, path)
    assert name in str(caught.value) and "\n" not in str(caught.value)
    assert registers.list_rows(ws, EQUIPMENT) == []


def test_a_broken_workbook_and_a_cut_file(ws: Workspace, tmp_path: Path) -> None:
    workbook = tmp_path / "register.xlsx"
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    with pytest.raises(UserError, match=r"register\.xlsx"):
        register_io.preview(ws, EQUIPMENT, workbook)
    cut = write(tmp_path / "cut.csv", GOOD_REGISTER.split("Oxygen")[0] + "Oxygen cylinder (steel),MR2 (1.5T),MR UNS")
    result = register_io.preview(ws, EQUIPMENT, cut)
    assert len(result.rows) == 3 and any(i.row == 5 for i in result.issues)


def test_cp1252_register_is_read(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes((HEADER + "Défibrillateur,Salle IRM,MR Unsafe,,,,,,£1\n").encode("cp1252"))
    _import(ws, path)
    (row,) = registers.list_rows(ws, EQUIPMENT)
    assert (row.values["item"], row.values["location"], row.values["asset"]) == ("Défibrillateur", "Salle IRM", "£1")


def test_a_large_register_imports(ws: Workspace, tmp_path: Path) -> None:
    rows = 20_000
    body = "".join(
        f"Item {i},MR{i % 3},MR Conditional,{1.5 + i % 2 * 1.5},{i % 30 + 1},2,,05/03/2026,A{i}\n" for i in range(rows)
    )
    path = write(tmp_path / "big.csv", HEADER + body)
    started = time.perf_counter()
    result = _import(ws, path)
    elapsed = time.perf_counter() - started
    assert result.new == rows and not result.issues
    assert elapsed < 30, elapsed  # about 6 s here with other work running


def test_prepare_leaves_the_date_to_the_field_and_rejects_with_a_reason() -> None:
    values = prepare({"item": " Pump ", "label": "MRC", "field_strength": 3.0, "last_checked": "05/03/2026"})
    assert values == {
        "item": "Pump",
        "label": "MR Conditional",
        "conditions": "",
        "field_strength": 3.0,
        "spatial_gradient": None,
        "sar": None,
        "last_checked": "05/03/2026",
    }
    with pytest.raises(ValueError, match="no MR label"):
        prepare({"item": "Pump", "label": ""})


def test_the_summary_reads_the_register(ws: Workspace, tmp_path: Path) -> None:
    _import(ws, write(tmp_path / "register.csv", GOOD_REGISTER))
    rows = [{**r.values, "id": r.id} for r in registers.list_rows(ws, EQUIPMENT)]
    blocks = render(SimpleReportContext(provided=frozenset({"MR"}), rows_by_register={"mr.equipment": rows}))
    tables = {b.caption: b for b in blocks if isinstance(b, Table)}
    assert tables["MR equipment by label"].rows == (
        ("MR Safe", "1"),
        ("MR Conditional", "3"),
        ("MR Unsafe", "1"),
        ("MR Unlabelled", "1"),
        ("Total", "6"),
    )
    assert tables["MR equipment by location"].rows == (
        ("MR1 (3T)", "1", "2", "0", "0", "3"),
        ("MR2 (1.5T)", "0", "1", "1", "1", "3"),
    )
    assert tables["MR Conditional items missing their conditions"].rows == (
        ("Patient monitor", "MR2 (1.5T)", "A1005", "01/02/2026"),
    )
    assert any(isinstance(b, Paragraph) and b.style == "warning" and "1 MR Conditional" in b.text for b in blocks)
    (empty,) = render(SimpleReportContext(provided=frozenset({"MR"})))
    assert "no items yet" in empty.text
