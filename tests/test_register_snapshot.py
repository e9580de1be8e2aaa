"""Registers as dated evidence: ``qsi register snapshot`` stores a register's rows as a workbook linked
to its statements; the next snapshot supersedes it; a register whose statements do not apply is refused."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from qsi_desktop.services import evidence, registers
from qsi_desktop.services.app import App
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.register_snapshot import latest, snapshot
from qsi_desktop.store.workspace import Workspace


def _book(ws: Workspace, sha256: str):
    return load_workbook(io.BytesIO(ws.files.path_for(sha256).read_bytes()))  # stored without an extension


def _equipment(ws: Workspace, app: App):
    register = app.plugins.register("mr.equipment")
    registers.add_row(
        ws,
        register,
        {"item": "Wheelchair", "location": "MR1", "label": "MR Safe", "last_checked": "05/03/2026"},
        actor="t",
    )
    return register


def test_a_snapshot_is_dated_evidence_for_the_registers_statements(make_workspace, full_app: App) -> None:
    ws = make_workspace(modalities=("MR",))
    register = _equipment(ws, full_app)
    first = snapshot(ws, full_app, register, as_of=date(2026, 11, 30), actor="lead")
    assert first.title == "MR equipment safety register (register snapshot)"
    assert (first.version, first.approved_on, first.document_ref) == (
        "2026-11-30",
        date(2026, 11, 30),
        "register:mr.equipment",
    )
    assert first.file_name == "MR equipment safety register 2026-11-30.xlsx"
    assert [t.ref for t in first.targets] == ["MR-903"]
    sheet = _book(ws, first.file_sha256).active
    assert [c.value for c in sheet[2]][:3] == ["Wheelchair", "MR1", "MR Safe"]

    registers.add_row(ws, register, {"item": "Trolley", "location": "MR1", "label": "MR Unsafe"}, actor="t")
    second = snapshot(ws, full_app, register, as_of=date(2026, 12, 2), actor="lead")
    assert latest(ws, register).id == second.id
    assert evidence.get_evidence(ws, first.id).superseded_by_id == second.id  # kept as its history
    current = [e for e in evidence.list_evidence(ws, "MR-903") if e.document_ref == "register:mr.equipment"]
    assert [e.id for e in current] == [second.id]
    assert _book(ws, second.file_sha256).active.max_row == 3


def test_the_command_snapshots_every_register_that_applies(make_workspace, full_app: App, cli) -> None:
    ws = make_workspace(modalities=("MR",))
    _equipment(ws, full_app)
    ws.close()
    result = cli("register", "snapshot", ws.path, "--as-of", "30/11/2026")
    assert result.code == 0, result.err
    assert "MR equipment safety register 2026-11-30.xlsx: MR equipment safety register as of 2026-11-30" in result.out
    assert "MR units: no rows in use, no snapshot stored" in result.out  # an empty table is not evidence
    one = cli("register", "snapshot", ws.path, "mr.equipment", "--json")
    assert one.code == 0 and '"register:mr.equipment"' in one.out
    assert cli("register", "snapshot", ws.path, "us.transducers").code == 2  # US is not provided
    assert "unknown register" in cli("register", "snapshot", ws.path, "mr.nothing").err


def test_an_empty_register_or_an_earlier_date_is_refused(make_workspace, full_app: App, cli) -> None:
    """Found in review: an empty register was stored as evidence for its statements, and a snapshot
    dated before the current one replaced it (the older date became the current evidence)."""
    ws = make_workspace(modalities=("MR",))
    register = _equipment(ws, full_app)
    units = full_app.plugins.register("mr.units")
    with pytest.raises(UserError, match="no rows in use"):
        snapshot(ws, full_app, units, actor="lead")
    current = snapshot(ws, full_app, register, as_of=date(2026, 12, 2), actor="lead")
    with pytest.raises(UserError, match="current snapshot is as of 02/12/2026"):
        snapshot(ws, full_app, register, as_of=date(2026, 1, 1), actor="lead")
    assert latest(ws, register).id == current.id
    ws.close()
    result = cli("register", "snapshot", ws.path, "--as-of", "01/01/2026")
    assert result.code == 2 and "older date" in result.err
    listed = cli("evidence", "list", ws.path, "--all").out
    assert listed.count("(register snapshot)") == 1  # the refusal came before anything was stored


def test_a_second_snapshot_of_the_same_day_and_rows_stores_nothing(make_workspace, full_app: App, cli) -> None:
    """Found in review: a second click (or the command run twice) stored a second copy of the same evidence."""
    ws = make_workspace(modalities=("MR",))
    register = _equipment(ws, full_app)
    first = snapshot(ws, full_app, register, as_of=date(2026, 12, 2), actor="lead")
    assert snapshot(ws, full_app, register, as_of=date(2026, 12, 2), actor="lead").id == first.id
    registers.add_row(ws, register, {"item": "Trolley", "location": "MR1", "label": "MR Unsafe"}, actor="t")
    changed = snapshot(ws, full_app, register, as_of=date(2026, 12, 2), actor="lead")  # the rows changed today
    assert changed.id != first.id and latest(ws, register).id == changed.id
    ws.close()
    again = cli("register", "snapshot", ws.path, "mr.equipment", "--as-of", "02/12/2026")
    assert again.code == 0 and "unchanged since that snapshot" in again.out
    listed = cli("evidence", "list", ws.path, "--all").out
    assert listed.count("(register snapshot)") == 2
