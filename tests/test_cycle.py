"""The next cycle (qsi cycle new) and what changed since a submission (qsi compare)."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from qsi_desktop.services import cycle, demo, evidence, stored_tables
from qsi_desktop.services.assessments import AssessmentChange, assess, statement_details
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.tracker_export import statement_rows

TODAY = date(2026, 12, 1)


@pytest.fixture
def demo_ws(full_app, tmp_path: Path):
    demo.build_demo(tmp_path / "demo", full_app, today=TODAY)
    ws = full_app.open_workspace(tmp_path / "demo")
    yield ws
    ws.close()


def test_new_cycle_carries_over_and_resets(full_app, demo_ws) -> None:
    rows = {r.ref: r for r in statement_rows(demo_ws, full_app)}
    judged = {ref for ref, r in rows.items() if r.applicable and r.status in ("met", "partially_met", "not_met")}
    assert cycle.current_cycle(demo_ws).number == 1
    start = cycle.new_cycle(demo_ws, full_app, reset_statuses=True, actor="lead", today=TODAY)
    assert start.number == 2 and set(start.reset) == judged
    assert start.past_review and all(day < TODAY for _ref, day in start.past_review)
    after = {r.ref: r for r in statement_rows(demo_ws, full_app)}
    for ref, row in rows.items():
        assert after[ref].status == ("in_progress" if ref in judged else row.status)
        assert after[ref].assessment.narrative == row.assessment.narrative  # carried over
        assert [e.id for e in after[ref].evidence] == [e.id for e in row.evidence]  # evidence and links kept
        assert not (ref in judged and after[ref].assessment.signed_off_by)  # a reset needs signing again
    info = cycle.current_cycle(demo_ws)
    assert (info.number, info.started_on, info.started_by, info.reset_statuses) == (2, TODAY, "lead", True)
    snapshot = stored_tables.get(demo_ws, "cycle", "snapshot-1")
    assert snapshot["cycle"] == 1 and len(snapshot["statements"]) == len(rows)
    # What changed since the cycle began: exactly the statuses reset.
    result = cycle.compare(demo_ws, full_app, cycle.cycle_snapshot(demo_ws), source="cycle 1")
    assert {c.ref for c in result.changes} == judged
    assert all(c.what() == ["status"] for c in result.changes)


def test_new_cycle_without_reset_changes_no_status(full_app, demo_ws) -> None:
    before = [(r.ref, r.status) for r in statement_rows(demo_ws, full_app)]
    start = cycle.new_cycle(demo_ws, full_app, reset_statuses=False, actor="lead", today=TODAY)
    assert start.reset == ()
    assert [(r.ref, r.status) for r in statement_rows(demo_ws, full_app)] == before
    assert cycle.compare(demo_ws, full_app, cycle.cycle_snapshot(demo_ws), source="c").changes == []
    cycle.new_cycle(demo_ws, full_app, reset_statuses=False, actor="lead", today=TODAY)
    assert cycle.current_cycle(demo_ws).number == 3
    assert cycle.cycle_snapshot(demo_ws, 1)["cycle"] == 1


def test_first_cycle_has_nothing_to_compare_with(full_app, make_workspace) -> None:
    ws = make_workspace()
    with pytest.raises(UserError, match="first cycle"):
        cycle.cycle_snapshot(ws)


def test_compare_with_a_submitted_bundle(cli, full_app, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert cli("demo", workspace).code == 0
    bundle = tmp_path / "bundle.zip"
    assert cli("export", workspace, tmp_path / "pack.docx", "--bundle", bundle, "--no-scan").code in (0, 1)
    unchanged = json.loads(cli("compare", workspace, bundle, "--json").out)
    assert unchanged["changed"] == 0 and unchanged["compared"] > 50
    ws = full_app.open_workspace(workspace)
    try:
        linked = next(
            r for r in statement_rows(ws, full_app) if r.evidence and r.applicable and r.ref not in ("XR-101", "XR-102")
        )
        assess(ws, full_app, "XR-101", AssessmentChange(narrative="Rewritten after the visit"), actor="t")
        assess(ws, full_app, "XR-102", AssessmentChange(status="not_met"), actor="t")
        new_file = tmp_path / "audit 2027.pdf"
        new_file.write_bytes(b"%PDF new audit")
        old = linked.evidence[0]
        replacement = evidence.add_file(
            ws, full_app, new_file, evidence.EvidenceDetails(supersedes=old.id), actor="t"
        )  # a new version: the old one is no longer current
    finally:
        ws.close()
    result = cli("compare", workspace, bundle, "--json")
    assert result.code == 0
    changes = {c["ref"]: c for c in json.loads(result.out)["changes"]}
    assert changes["XR-101"]["changed"] == ["narrative"]
    assert changes["XR-102"]["changed"] == ["status"] and changes["XR-102"]["status_now"] == "not_met"
    assert f"E-{replacement.id:03d}" in changes[linked.ref]["evidence_added"]
    assert f"E-{old.id:03d}" in changes[linked.ref]["evidence_removed"]
    text = cli("compare", workspace, bundle).out
    assert "XR-101" in text and "changed" in text


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("missing.zip", None, "file not found"),
        ("pack.zip", lambda p: p.write_bytes(b"not a zip at all"), "is not a zip file"),
        ("truncated.zip", "truncated", "is not a zip file"),
        ("other.zip", lambda p: _zip(p, {"readme.txt": b"hi"}), "has no snapshot.json"),
        ("badjson.zip", lambda p: _zip(p, {"snapshot.json": b"{not json"}), "not valid JSON"),
        ("latin.zip", lambda p: _zip(p, {"snapshot.json": '{"a": "\xe9"}'.encode("cp1252")}), "not valid JSON"),
        ("list.zip", lambda p: _zip(p, {"snapshot.json": b"[1, 2]"}), "no statements"),
        ("newer.zip", lambda p: _zip(p, {"snapshot.json": b'{"format": 99, "statements": []}'}), "newer"),
        ("noref.zip", lambda p: _zip(p, {"snapshot.json": b'{"format": 1, "statements": [{}]}'}), "no reference"),
    ],
)
def test_bad_bundles_are_refused_clearly(tmp_path: Path, name, make, message) -> None:
    path = tmp_path / name
    if make == "truncated":
        _zip(tmp_path / "whole.zip", {"snapshot.json": b'{"format": 1, "statements": []}' * 200})
        path.write_bytes((tmp_path / "whole.zip").read_bytes()[:60])
    elif make is not None:
        make(path)
    with pytest.raises(UserError) as caught:
        cycle.read_bundle_snapshot(path)
    assert name in str(caught.value) and message in str(caught.value)


def test_snapshot_of_another_framework_is_refused(full_app, make_workspace) -> None:
    ws = make_workspace()
    snapshot = {"format": 1, "framework": {"id": "qsi-2031"}, "statements": []}
    with pytest.raises(UserError, match="framework"):
        cycle.compare(ws, full_app, snapshot, source="old.zip")


def test_cli_cycle_new(cli, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert cli("demo", workspace).code == 0
    assert cli("compare", workspace).code == 2  # the first cycle: nothing to compare with
    plain = cli("cycle", "new", workspace)  # the demo has one statement and one item past review
    assert "1 statement past their review date" in plain.out and "1 evidence item past" in plain.out
    assert "1 statements" not in plain.out and "1 evidence items" not in plain.out  # found in review
    result = cli("cycle", "new", workspace, "--reset-statuses", "--json")
    assert result.code == 0
    summary = json.loads(result.out)
    assert summary["cycle"] == 3 and summary["reset"]
    assert {"ref", "next_review_on"} <= set(summary["past_review"][0])
    text = cli("compare", workspace).out
    assert f"{len(summary['reset'])} of" in text
    assert "In progress" in text


def test_reset_keeps_not_applicable_with_its_reason(full_app, make_workspace) -> None:
    ws = make_workspace()
    assess(ws, full_app, "XR-105", AssessmentChange(status="not_applicable", justification="No wards"), actor="t")
    assess(ws, full_app, "XR-106", AssessmentChange(status="met"), actor="t")
    cycle.new_cycle(ws, full_app, reset_statuses=True, actor="t")
    assert statement_details(ws, full_app, "XR-105").applicability.reason == "No wards"
    assert statement_details(ws, full_app, "XR-105").status == "not_applicable"
    assert statement_details(ws, full_app, "XR-106").status == "in_progress"
