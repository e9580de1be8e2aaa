"""Everyday evidence work in the services and on the command line: the unsorted inbox, the same file
twice, editing, retiring (out of counts, reminders and the pack) and where an item is used."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from qsi_desktop.export.pack_data import PackOptions, gather
from qsi_desktop.services import checklists, evidence, readiness, reminders
from qsi_desktop.services.audit import list_audit
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.evidence import EvidenceDetails, EvidenceEdit
from qsi_desktop.services.records import Target


def _file(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_the_inbox_holds_files_added_without_a_statement_until_linked(make_workspace, full_app, tmp_path) -> None:
    ws = make_workspace()
    item = evidence.add_file(ws, full_app, _file(tmp_path, "rota.pdf", b"%PDF rota"), EvidenceDetails(), actor="u")
    assert item.is_unsorted and item.title == "rota"
    assert [i.id for i in evidence.list_evidence(ws, unsorted=True)] == [item.id]
    assert readiness.readiness(ws, full_app).statements[0].evidence == 0
    linked = evidence.add_targets(ws, full_app, item.id, ["XR-101,XR-102:1"], actor="u")
    assert linked.targets == (Target("XR-101"), Target("XR-102", "1")) and not linked.is_unsorted
    assert evidence.list_evidence(ws, unsorted=True) == []
    again = evidence.add_targets(ws, full_app, item.id, ["XR-101"], actor="u")  # already linked: no change
    assert again.targets == linked.targets
    with pytest.raises(UserError, match="no evidence with id 99"):
        evidence.add_targets(ws, full_app, 99, ["XR-101"], actor="u")


def test_the_same_file_is_found_by_its_hash(make_workspace, full_app, tmp_path) -> None:
    ws = make_workspace()
    first = evidence.add_file(
        ws, full_app, _file(tmp_path, "policy.docx", b"PK policy"), EvidenceDetails(targets=["XR-501"]), actor="u"
    )
    copy = _file(tmp_path, "policy (copy).docx", b"PK policy")
    other = _file(tmp_path, "other.docx", b"PK other")
    assert evidence.find_by_sha256(ws, first.file_sha256) == [first]
    assert evidence.duplicates(ws, [copy, other, tmp_path / "missing.docx"]) == {copy: first}
    evidence.retire(ws, first.id, actor="u")
    assert evidence.duplicates(ws, [copy]) == {}  # a retired item is not offered


def test_edit_changes_metadata_and_is_audited(make_workspace, full_app, tmp_path) -> None:
    ws = make_workspace()
    item = evidence.add_file(
        ws,
        full_app,
        _file(tmp_path, "p.docx", b"PK p"),
        EvidenceDetails(targets=["XR-501"], review_due_on=date(2027, 1, 1)),
        actor="u",
    )
    edited = evidence.edit_evidence(
        ws,
        item.id,
        EvidenceEdit(
            title="Local rules", version="3", owner="RPS", document_ref="RAD-12", clear=frozenset({"review_due_on"})
        ),
        actor="ann",
        expected_version=item.row_version,
    )
    assert (edited.title, edited.version, edited.owner, edited.document_ref) == ("Local rules", "3", "RPS", "RAD-12")
    assert edited.review_due_on is None and edited.row_version == item.row_version + 1
    entry = list_audit(ws, limit=1)[0]
    assert entry.actor == "ann" and entry.after["title"] == "Local rules"
    with pytest.raises(UserError, match="changed by someone else"):
        evidence.edit_evidence(ws, item.id, EvidenceEdit(title="Stale"), actor="u", expected_version=item.row_version)
    with pytest.raises(UserError, match="needs a title"):
        evidence.edit_evidence(ws, item.id, EvidenceEdit(title="  "), actor="u")


def test_a_retired_item_is_kept_but_out_of_counts_reminders_and_the_pack(make_workspace, full_app, tmp_path) -> None:
    ws = make_workspace()
    due = date.today() + timedelta(days=10)
    kept = evidence.add_file(
        ws, full_app, _file(tmp_path, "a.docx", b"PK a"), EvidenceDetails(targets=["XR-501"]), actor="u"
    )
    gone = evidence.add_file(
        ws,
        full_app,
        _file(tmp_path, "b.docx", b"PK b"),
        EvidenceDetails(targets=["XR-501"], review_due_on=due),
        actor="u",
    )
    answer = checklists.answer_item(
        ws, full_app, "us.decontamination", "protocol", "yes", evidence_id=gone.id, actor="u"
    )
    assert answer.evidence_id == gone.id
    before = readiness.readiness(ws, full_app)
    assert before.evidence_total == 2 and {s.ref: s.evidence for s in before.statements}["XR-501"] == 2
    assert any(r.uid == f"evidence-{gone.id}" for r in reminders.reminders(ws, full_app))

    used = evidence.where_used(ws, full_app, gone.id)
    assert used.statements == (Target("XR-501"),)
    assert [(u.template_id, u.item_key, u.answer) for u in used.checklist_items] == [
        ("us.decontamination", "protocol", "yes")
    ]
    assert used.checklist_items[0].item_text and not used.unused

    retired = evidence.retire(ws, gone.id, actor="ann")
    assert retired.is_retired and retired.retired_by == "ann" and not retired.review_overdue(due + timedelta(1))
    after = readiness.readiness(ws, full_app)
    assert after.evidence_total == 1 and {s.ref: s.evidence for s in after.statements}["XR-501"] == 1
    assert not any(r.uid == f"evidence-{gone.id}" for r in reminders.reminders(ws, full_app))
    assert [i.id for i in evidence.list_evidence(ws, "XR-501")] == [kept.id]
    assert [i.id for i in evidence.list_evidence(ws, include_retired=True)] == [kept.id, gone.id]
    data = gather(ws, full_app, PackOptions())
    assert [i.id for i in data.evidence] == [kept.id]
    assert evidence.where_used(ws, full_app, gone.id).statements == (Target("XR-501"),)  # links kept
    with pytest.raises(UserError, match="already retired"):
        evidence.retire(ws, gone.id, actor="u")
    assert not evidence.restore(ws, gone.id, actor="u").is_retired
    assert readiness.readiness(ws, full_app).evidence_total == 2


def test_unsorted_items_stay_out_of_the_pack(make_workspace, full_app, tmp_path) -> None:
    ws = make_workspace()
    evidence.add_file(ws, full_app, _file(tmp_path, "x.pdf", b"%PDF x"), EvidenceDetails(), actor="u")
    assert gather(ws, full_app, PackOptions()).evidence == ()


def test_command_line_inbox_duplicates_edit_retire_where(cli, tmp_path: Path) -> None:
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "Riverside Imaging", "--modalities", "CT,MR,US").code == 0
    doc = _file(tmp_path, "Local rules.docx", b"PK local rules")
    added = cli("evidence", "add", path, doc)
    assert added.code == 0 and "evidence #1 'Local rules' stored" in added.out and "unsorted inbox" in added.out
    (item,) = json.loads(cli("evidence", "list", path, "--unsorted", "--json").out)
    assert item["unsorted"] and item["statements"] == []

    twice = cli("evidence", "add", path, doc, "--qs", "XR-501", "--link-existing")
    assert twice.code == 0 and "already stored as evidence #1" in twice.out and "supports XR-501" in twice.out
    assert len(json.loads(cli("evidence", "list", path, "--json").out)) == 1

    edited = cli(
        "evidence",
        "edit",
        path,
        "1",
        "--title",
        "Local rules (CT)",
        "--version",
        "2",
        "--review-due",
        "31/12/2027",
        "--qs",
        "XR-502",
    )
    assert edited.code == 0, edited.err
    assert "supports XR-501, XR-502" in edited.out
    (item,) = json.loads(cli("evidence", "list", path, "--json").out)
    assert (item["title"], item["version"], item["review_due_on"]) == ("Local rules (CT)", "2", "2027-12-31")
    assert cli("evidence", "edit", path, "1", "--review-due", "none").code == 0
    assert json.loads(cli("evidence", "list", path, "--json").out)[0]["review_due_on"] is None
    assert cli("evidence", "edit", path, "1", "--qs", "XR-999").code == 2

    where = json.loads(cli("evidence", "where", path, "1", "--json").out)
    assert where["statements"] == ["XR-501", "XR-502"] and where["checklist_items"] == []
    assert "statement XR-501" in cli("evidence", "where", path, "1").out

    retired = cli("evidence", "retire", path, "1")
    assert retired.code == 0 and "retired" in retired.out
    assert json.loads(cli("evidence", "list", path, "--json").out) == []
    assert json.loads(cli("status", path, "--json").out)["evidence"]["total"] == 0
    (item,) = json.loads(cli("evidence", "list", path, "--all", "--json").out)
    assert item["retired_by"] and "retired" in cli("evidence", "list", path, "--all").out
    assert cli("evidence", "retire", path, "1").code == 2
    assert cli("evidence", "retire", path, "1", "--undo").code == 0
    assert len(json.loads(cli("evidence", "list", path, "--json").out)) == 1
