"""Tracker export: the workbook's shape, and the import reading it back without loss."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qsi_desktop.colours import STATUS_BADGE
from qsi_desktop.services import demo, tracker, tracker_export
from qsi_desktop.services.assessments import AssessmentChange, assess, statement_details
from qsi_desktop.services.errors import UserError


@pytest.fixture
def demo_ws(full_app, tmp_path: Path):
    demo.build_demo(tmp_path / "demo", full_app, today=date(2026, 12, 1))
    ws = full_app.open_workspace(tmp_path / "demo")
    yield ws
    ws.close()


def _values(path: Path) -> list[list[object]]:
    sheet = load_workbook(path).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_workbook_shape(full_app, demo_ws, tmp_path: Path) -> None:
    assess(demo_ws, full_app, "XR-102", AssessmentChange(narrative='=HYPERLINK("http://x","y")'), actor="t")
    out = tmp_path / "tracker.xlsx"
    count = tracker_export.export_xlsx(demo_ws, full_app, out)
    assert count == len(full_app.catalogue)
    book = load_workbook(out)
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:M{count + 1}"
    header = [c.value for c in sheet[1]]
    assert header == list(tracker_export.HEADERS)
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    status = header.index("Status")
    met = next(row for row in rows.values() if row[status].value == "Met")
    assert met[status].fill.fgColor.rgb == "FF" + STATUS_BADGE["met"][0][1:].upper()  # colour and word
    narrative = rows["XR-102"][header.index("Narrative")]
    assert narrative.data_type == "s" and narrative.value.startswith("'=")  # shown, never run
    evidence_cells = [
        row[header.index("Evidence")].value for row in rows.values() if row[header.index("Evidence")].value
    ]
    assert evidence_cells and all(part.startswith("E-") for cell in evidence_cells for part in cell.split("\n"))
    reviewed = next(row for row in rows.values() if row[header.index("Next review")].value)
    assert reviewed[header.index("Next review")].number_format == "dd/mm/yyyy"
    not_applicable = next(row for row in rows.values() if row[status].value == "Not applicable")
    assert str(not_applicable[header.index("Applicability")].value).startswith("Does not apply")


def test_round_trip_without_loss(full_app, demo_ws, tmp_path: Path) -> None:
    assess(demo_ws, full_app, "XR-102", AssessmentChange(narrative="=1+1 is a formula-looking narrative"), actor="t")
    first = tmp_path / "first.xlsx"
    tracker_export.export_xlsx(demo_ws, full_app, first)
    # Read back into the same workspace: nothing to change.
    result = tracker.preview(demo_ws, full_app, first)
    assert not result.rejected and not result.planned and not result.warnings
    assert len(result.unchanged) == len(full_app.catalogue)
    # Lose things, then import the export: everything it holds comes back.
    # (A blank cell leaves the stored value: statements with an owner and a narrative are the ones to change.)
    kept = [
        r.ref for r in tracker_export.statement_rows(demo_ws, full_app) if r.assessment.owner and r.assessment.narrative
    ]
    before = {ref: statement_details(demo_ws, full_app, ref) for ref in kept[:6]}
    assert len(before) == 6
    for ref in before:
        assess(
            demo_ws,
            full_app,
            ref,
            AssessmentChange(status="in_progress", owner="Someone else", narrative="overwritten"),
            actor="t",
        )
    result = tracker.preview(demo_ws, full_app, first)
    assert {p.ref for p in result.planned} == set(before) and not result.rejected
    tracker.commit(demo_ws, full_app, result, actor="t")
    second = tmp_path / "second.xlsx"
    tracker_export.export_xlsx(demo_ws, full_app, second)
    assert _values(first) == _values(second)
    for ref, was in before.items():
        now = statement_details(demo_ws, full_app, ref)
        assert (now.status, now.assessment.owner, now.assessment.narrative) == (
            was.status,
            was.assessment.owner,
            was.assessment.narrative,
        )


def test_export_into_a_fresh_workspace(full_app, demo_ws, make_workspace, tmp_path: Path) -> None:
    out = tmp_path / "tracker.xlsx"
    tracker_export.export_xlsx(demo_ws, full_app, out)
    fresh = make_workspace("fresh", modalities=("CT", "IR", "MR", "NM", "US"))
    result = tracker.preview(fresh, full_app, out)
    assert not result.rejected
    tracker.commit(fresh, full_app, result, actor="t")
    rows = {r.ref: r for r in tracker_export.statement_rows(fresh, full_app)}
    for row in tracker_export.statement_rows(demo_ws, full_app):
        if row.applicable:
            assert (rows[row.ref].status, rows[row.ref].assessment.narrative) == (row.status, row.assessment.narrative)
            assert rows[row.ref].assessment.next_review_on == row.assessment.next_review_on


def test_export_refuses_other_names_and_leaves_no_partial_file(full_app, demo_ws, tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"\.xlsx"):
        tracker_export.export_xlsx(demo_ws, full_app, tmp_path / "tracker.csv")
    with pytest.raises(UserError, match="cannot write"):
        tracker_export.export_xlsx(demo_ws, full_app, tmp_path / "no-such-folder" / "t.xlsx")
    assert not list(tmp_path.glob("**/.*.part"))


def test_cli_export(cli, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert cli("demo", workspace).code == 0
    result = cli("tracker", "export", workspace, tmp_path / "t.xlsx")
    assert result.code == 0 and "statements written" in result.out
    again = cli("tracker", "import", workspace, tmp_path / "t.xlsx")
    assert again.code == 0 and "would import" not in again.out and "imported 0" in again.out
