"""The MR registers: the equipment safety register imported from a realistic workbook, its flags,
units and safety roles, through the core's register service."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from qsi_plugin_mr.registers import EQUIPMENT, ROLES, UNITS, equipment_flags, roles_flags

from qsi_desktop.services import register_io, registers
from qsi_desktop.services.app import App
from qsi_desktop.services.errors import UserError
from qsi_desktop.store.workspace import NewProfile, Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    app = App.load(plugins=["qsi_plugin_mr.plugin"])
    workspace = Workspace.create(
        tmp_path / "ws", NewProfile("Riverside", "", ("Main",), ("MR",), {}), framework_id=app.framework_id, actor="t"
    )
    yield workspace
    workspace.close()


def test_the_equipment_register_imports_a_kept_workbook(ws: Workspace, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    for row in (
        ["MR equipment safety register: Riverside"],
        [],
        ["Equipment", "MR unit", "MR safety status", "MR conditions", None, None, "Date checked"],
        [None, None, None, "Field strength (T)", "Spatial gradient (T/m)", "SAR (W/kg)", None],
        ["Anaesthetic machine", "MR1", "Conditional", 3, 20, None, datetime(2026, 3, 5)],
        ["Wheelchair", "MR1", "MR safe", None, None, None, "05/03/2026"],
        ["Infusion pump", "MR1", "MR-Conditional", None, None, None, None],
        ["Oxygen cylinder", "MR2", "MR compatible", None, None, None, None],
        ["Old trolley", "MR2", "unlabelled", None, None, None, "01/01/2024"],
    ):
        sheet.append(row)
    for cells in ("A3:A4", "B3:B4", "C3:C4", "D3:F3", "G3:G4"):
        sheet.merge_cells(cells)
    path = tmp_path / "equipment.xlsx"
    book.save(path)
    result = register_io.preview(ws, EQUIPMENT, path)
    assert [(i.row, i.reason) for i in result.issues] == [
        (
            8,
            "unknown MR label 'MR compatible' ('MR compatible' is an old term): use MR Safe, MR Conditional, "
            "MR Unsafe or MR Unlabelled",
        )
    ]
    register_io.commit(ws, EQUIPMENT, result, actor="t")
    rows = {r.values["item"]: r.values for r in registers.list_rows(ws, EQUIPMENT)}
    assert rows["Anaesthetic machine"]["label"] == "MR Conditional"
    assert rows["Anaesthetic machine"]["spatial_gradient"] == 20
    as_of = date(2026, 6, 1)
    assert equipment_flags(rows["Anaesthetic machine"], as_of) == []
    assert equipment_flags(rows["Infusion pump"], as_of) == ["conditions not recorded", "no check recorded"]
    assert equipment_flags(rows["Old trolley"], as_of) == [
        "unlabelled: treat as MR Unsafe until assessed",
        "last check over a year ago",
    ]


def test_units_and_roles(ws: Workspace) -> None:
    registers.add_row(
        ws, UNITS, {"site": "Main", "room": "MR1", "scanner": "Siemens Vida", "field_strength": "3T"}, actor="t"
    )
    with pytest.raises(UserError, match="Field strength: outside"):
        registers.add_row(ws, UNITS, {"site": "Main", "room": "MR2", "scanner": "X", "field_strength": "30"}, actor="t")
    role = registers.add_row(
        ws,
        ROLES,
        {"role": "authorised person", "name": "A. Radiographer", "unit": "MR1", "trained_on": "01/02/2025"},
        actor="t",
    )
    assert role.values["role"] == "Authorised person"
    assert roles_flags(role.values, date(2026, 6, 1)) == ["trained over a year ago"]
    assert roles_flags({**role.values, "training_due": "2026-01-01"}, date(2026, 6, 1)) == ["training overdue"]
