"""Services hand out frozen records, and own the rules the GUI shows (applicability, effective status)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from qsi_desktop.services import actions, checklists, evidence, readiness
from qsi_desktop.services.assessments import AssessmentChange, assess, statement_details
from qsi_desktop.services.audit import audit_dict, list_audit
from qsi_desktop.services.evidence import EvidenceDetails
from qsi_desktop.services.records import Target
from qsi_desktop.store.workspace import Workspace


def test_records_are_frozen_copies_that_outlive_the_workspace(make_workspace, full_app, tmp_path: Path) -> None:
    ws = make_workspace()
    source = tmp_path / "policy.docx"
    source.write_bytes(b"PK\x03\x04 policy")
    item = evidence.add_file(ws, full_app, source, EvidenceDetails(targets=["XR-501,XR-502:1"]), actor="test-user")
    action = actions.add_action(ws, full_app, "XR-501", "Audit it", due_on=date(2020, 1, 1), actor="test-user")
    answer = checklists.answer_item(ws, full_app, "us.decontamination", "protocol", "yes", actor="test-user")
    saved = assess(ws, full_app, "XR-501", AssessmentChange(status="met", owner="RPS"), actor="test-user")
    done = actions.update_action(ws, action.id, status="done", actor="test-user")
    ws.close()  # nothing below reads the database again

    assert item.kind == "file" and item.targets == (Target("XR-501"), Target("XR-502", "1"))
    assert item.refs == {"XR-501", "XR-502"} and item.added_by == "test-user" and item.row_version == 1
    assert action.overdue(date(2026, 1, 1)) and not done.overdue(date(2026, 1, 1))
    assert (action.row_version, done.row_version, done.completed_on) == (1, 2, date.today())
    assert (answer.answer, answer.updated_by, answer.row_version) == ("yes", "test-user", 1)
    assert (saved.status, saved.owner, saved.row_version) == ("met", "RPS", 1) and saved.updated_at is not None
    for record in (item, action, answer, saved):
        with pytest.raises(dataclasses.FrozenInstanceError):
            record.owner = "someone else"  # type: ignore[misc]


def test_statement_details_carry_applicability_and_the_effective_status(make_workspace, full_app) -> None:
    ws = make_workspace()  # CT, MR and US: the NM section does not apply
    fresh = statement_details(ws, full_app, "xr-501")
    assert (fresh.ref, fresh.status, fresh.assessment.row_version) == ("XR-501", "not_started", 0)
    assert fresh.applicability.applicable and fresh.applicability.source == "profile"
    assert fresh.evidence == () and fresh.actions == ()

    excluded = statement_details(ws, full_app, "NM-901")
    assert excluded.status == "not_applicable" and not excluded.by_profile.applicable
    assert excluded.applicability == excluded.by_profile
    assert excluded.by_profile.reason == "NM is not provided by this service (service profile)"

    change = AssessmentChange(status="met", justification="NM is bought in from the hub")
    assess(ws, full_app, "NM-901", change, actor="test-user")
    overridden = statement_details(ws, full_app, "NM-901")
    assert overridden.status == "met" and not overridden.by_profile.applicable
    assert (overridden.applicability.applicable, overridden.applicability.source) == (True, "override")
    assert overridden.applicability.reason == "NM is bought in from the hub"

    assess(ws, full_app, "XR-501", AssessmentChange(status="not_applicable", justification="No X-ray"), actor="u")
    link = evidence.add_link(ws, full_app, "https://example.org/p", EvidenceDetails(targets=["XR-501"]), actor="u")
    action = actions.add_action(ws, full_app, "XR-501", "Check again", actor="u")
    marked = statement_details(ws, full_app, "XR-501")
    assert marked.status == "not_applicable" and marked.by_profile.applicable
    assert (marked.applicability.applicable, marked.applicability.reason) == (False, "No X-ray")
    assert [e.id for e in marked.evidence] == [link.id] and [a.id for a in marked.actions] == [action.id]

    state = {s.ref: s for s in readiness.readiness(ws, full_app).statements}
    for details in (fresh, excluded, overridden, marked):
        current = statement_details(ws, full_app, details.ref)
        assert state[details.ref].status == current.status  # the same rule for the tree and the form


def test_list_audit_gives_the_newest_entries_first(make_workspace, full_app) -> None:
    ws: Workspace = make_workspace()
    actions.add_action(ws, full_app, "XR-501", "First", actor="alice")
    actions.add_action(ws, full_app, "XR-502", "Second", actor="bob")
    entries = list_audit(ws, limit=2)
    assert [(e.actor, e.entity, e.action) for e in entries] == [
        ("bob", "action", "create"),
        ("alice", "action", "create"),
    ]
    assert entries[0].id > entries[1].id
    data = audit_dict(entries[0])
    assert list(data) == ["audit_id", "at", "actor", "action", "entity", "id", "summary", "before", "after"]
    assert data["after"]["description"] == "Second" and data["before"] is None
