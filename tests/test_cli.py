"""The ``qsi`` command end to end, on real workspaces and files, with all five plugins."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import CliResult


def _init(cli, tmp_path: Path, *extra: str) -> Path:
    path = tmp_path / "ws"
    result = cli("init", path, "--service", "Riverside Imaging", "--modalities", "CT,MR,US", *extra)
    assert result.code == 0, result.err
    return path


def _fingerprint(path: Path) -> str:
    """A hash of the database content (checkpointed), to prove a command changed nothing."""
    import sqlite3

    with sqlite3.connect(path / "workspace.sqlite3") as connection:
        return hashlib.sha256("\n".join(connection.iterdump()).encode()).hexdigest()


def _error_line(result: CliResult) -> str:
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("qsi: error: ")
    return lines[0]


def test_standards_json_lists_the_whole_catalogue_with_the_five_plugins(cli) -> None:
    result = cli("standards", "--json")
    assert result.code == 0
    statements = json.loads(result.out)
    refs = [s["ref"] for s in statements]
    assert len(refs) == len(set(refs)) == 80
    sections = {s["section"].split()[0] for s in statements}
    assert sections == {f"XR-{i}" for i in range(1, 9)} | {"CT-9", "IR-9", "MR-9", "NM-9", "US-9"}
    first = statements[0]
    assert set(first) >= {"ref", "section", "title", "statement", "outcome", "suggestions", "notes"}
    assert first["ref"] == "XR-101" and first["section"] == "XR-1 Patient information, support and experience"
    lettered = next(s for s in first["suggestions"] if s.get("items"))
    assert [i["label"] for i in lettered["items"]][:3] == ["a", "b", "c"]


def test_standards_as_text_and_by_section(cli) -> None:
    result = cli("standards", "--section", "XR-5")
    assert result.code == 0
    assert "XR-501  Ionising radiation safety (medical exposure)" in result.out
    assert result.out.strip().endswith("3 quality statements")


def test_plugins_lists_versions_and_registrations(cli) -> None:
    data = json.loads(cli("plugins", "--json").out)
    plugins = {p["name"]: p for p in data["plugins"]}
    assert set(plugins) == {"core", "ct", "ir", "mr", "nm", "us"}
    assert plugins["us"]["version"] == "0.1.0"
    assert plugins["us"]["registers"]["importers"] == ["us-decontamination"]
    assert plugins["mr"]["registers"]["standards_sections"] == ["MR-9"]
    assert data["failed"] == []


@pytest.mark.backends
def test_init_status_and_applicability_from_the_profile(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path, "--no-paediatrics")
    status = json.loads(cli("status", path, "--json").out)
    assert status["statements_total"] == 80
    # IR-9 (5) and NM-9 (4 + 1) are not provided; with no paediatrics XR-704, CT-904, MR-904, US-904 drop out too.
    assert status["counts"]["not_applicable"] == 5 + 5 + 4
    assert status["applicable"] == 80 - 14
    assert status["sections"]["NM-9 Nuclear Medicine and Molecular Imaging"]["not_applicable"] == 5
    assert status["readiness_percent"] == 0.0
    by_ref = {s["ref"]: s for s in status["statements"]}
    assert len(by_ref) == 80
    xr704 = by_ref["XR-704"]
    assert (xr704["status"], xr704["applicable"]) == ("not_applicable", False)
    assert xr704["reason"] == "the service does not provide paediatric imaging (service profile)"
    assert by_ref["IR-901"]["reason"] == "IR is not provided by this service (service profile)"
    assert by_ref["XR-101"]["status"] == "not_started" and by_ref["XR-101"]["applicable"]


@pytest.mark.backends
def test_assess_records_status_owner_and_review_dates_and_is_audited(cli, tmp_path: Path, backend) -> None:
    path = _init(cli, tmp_path)
    result = cli(
        "--actor",
        "Quality Lead",
        "assess",
        path,
        "xr-501",
        "--status",
        "met",
        "--owner",
        "RPS",
        "--narrative",
        "Employer's procedures reviewed.",
        "--review-interval",
        "12",
        "--reviewed",
        "2026-01-15",
    )
    assert result.code == 0, result.err
    assert result.out.strip() == "XR-501: Met, owner RPS, next review 2027-01-15"
    cli("assess", path, "XR-502", "--status", "partially-met")
    status = json.loads(cli("status", path, "--json").out)
    assert status["counts"]["met"] == 1 and status["counts"]["partially_met"] == 1
    assert status["sections"]["XR-5 Radiation safety"]["met"] == 1
    assert "XR-501 is met but has no evidence" in status["warnings"]
    assert "XR-502 is partially met with no open action plan" in status["warnings"]
    audit = json.loads(cli("audit", path, "--json").out)
    entry = next(e for e in audit if e["summary"] == "create Assessment XR-501")
    assert entry["actor"] == backend.actor("Quality Lead") and entry["after"]["status"] == "met"
    assert entry["after"]["next_review_on"] == "2027-01-15"


def test_not_applicable_needs_a_justification(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    before = _fingerprint(path)
    line = _error_line(cli("assess", path, "XR-708", "--status", "n/a"))
    assert "XR-708: 'not applicable' needs a justification" in line
    assert _fingerprint(path) == before
    ok = cli("assess", path, "XR-708", "--status", "not-applicable", "--justification", "No forensic imaging here.")
    assert ok.code == 0
    status = json.loads(cli("status", path, "--json").out)
    assert status["counts"]["not_applicable"] == 10 + 1


def test_a_statement_not_applicable_by_profile_needs_a_justified_override(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    line = _error_line(cli("assess", path, "NM-901", "--status", "met"))
    assert "NM-901 is not applicable: NM is not provided by this service (service profile)" in line
    ok = cli(
        "assess",
        path,
        "NM-901",
        "--status",
        "in-progress",
        "--justification",
        "Mobile PET-CT visits monthly under our governance.",
    )
    assert ok.code == 0, ok.err
    status = json.loads(cli("status", path, "--json").out)
    assert status["counts"]["in_progress"] == 1 and status["counts"]["not_applicable"] == 9


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("assess", "{ws}", "XR-999", "--status", "met"), "unknown quality statement 'XR-999'"),
        (("assess", "{ws}", "XR-101", "--status", "done"), "unknown status 'done'"),
        (("assess", "{ws}", "XR-101", "--reviewed", "31/02/2026"), "--reviewed '31/02/2026' is not a date"),
        (("evidence", "add", "{ws}", "{tmp}/missing.pdf", "--qs", "XR-101"), "missing.pdf: no such file"),
        (("evidence", "add", "{ws}", "{tmp}/doc.txt", "--qs", "XR-101,XR-1000"), "unknown quality statement"),
        (("evidence", "add", "{ws}", "{tmp}/doc.txt", "--qs", "XR-101:99"), "XR-101 has no suggestion '99'"),
        (("action", "add", "{ws}", "XR-101", "Do it", "--due", "soon"), "--due 'soon' is not a date"),
        (("status", "{tmp}"), "not a QSI workspace"),
        (("import", "{ws}", "no-such-importer", "{tmp}/doc.txt"), "unknown importer 'no-such-importer'"),
        (("import", "{ws}", "us-decontamination", "{tmp}/nothing-here"), "nothing-here: no such file or folder"),
        (("init", "{tmp}/new", "--service", "X", "--modalities", "CT,XX"), "unknown modality XX"),
    ],
)
def test_bad_input_gives_one_clear_line_and_changes_nothing(cli, tmp_path: Path, args, expected) -> None:
    path = _init(cli, tmp_path)
    (tmp_path / "doc.txt").write_text("a document")
    before = _fingerprint(path)
    evidence_files = sorted((path / "evidence").rglob("*"))
    result = cli(*(a.format(ws=path, tmp=tmp_path) for a in args))
    assert expected in _error_line(result)
    assert _fingerprint(path) == before
    assert sorted((path / "evidence").rglob("*")) == evidence_files


def test_a_corrupt_database_is_reported_not_crashed_on(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    (path / "workspace.sqlite3").write_bytes(b"\x00" * 4096)
    line = _error_line(cli("status", path))
    assert "workspace.sqlite3: not a SQLite database" in line and "backups" in line


@pytest.mark.backends
def test_evidence_add_link_and_list(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    doc = tmp_path / "IR(ME)R employer's procedures v7.docx"
    doc.write_bytes(b"PK\x03\x04 employer procedures" * 100)
    result = cli(
        "evidence",
        "add",
        path,
        doc,
        "--qs",
        "XR-501,XR-503",
        "--qs",
        "XR-101:7.a",
        "--version",
        "7.0",
        "--owner",
        "RPS",
        "--review-due",
        "2027-06-30",
        "--approved",
        "2026-06-30",
        "--doc-ref",
        "RP-001",
    )
    assert result.code == 0, result.err
    cli("evidence", "link", path, "https://intranet.example.nhs.uk/risk", "--qs", "XR-805", "--title", "Risk register")
    items = json.loads(cli("evidence", "list", path, "--json").out)
    assert [i["title"] for i in items] == ["IR(ME)R employer's procedures v7", "Risk register"]
    first = items[0]
    assert first["statements"] == ["XR-101:7.a", "XR-501", "XR-503"]
    assert first["sha256"] == hashlib.sha256(doc.read_bytes()).hexdigest()
    assert (first["version"], first["owner"], first["review_due_on"], first["document_ref"]) == (
        "7.0",
        "RPS",
        "2027-06-30",
        "RP-001",
    )
    assert items[1]["kind"] == "link" and items[1]["sha256"] is None
    only = json.loads(cli("evidence", "list", path, "--qs", "XR-805", "--json").out)
    assert [i["title"] for i in only] == ["Risk register"]
    assert "IR(ME)R employer's procedures v7" in cli("evidence", "list", path).out


@pytest.mark.backends
def test_actions_add_update_list_and_overdue(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    assert (
        cli("action", "add", path, "XR-203", "Write a wellbeing plan", "--owner", "ISM", "--due", "2020-01-31").code
        == 0
    )
    cli("action", "add", path, "XR-102", "Measure response times", "--due", "2099-01-01")
    listed = json.loads(cli("action", "list", path, "--json").out)
    assert [(a["ref"], a["overdue"]) for a in listed] == [("XR-203", True), ("XR-102", False)]
    assert cli("action", "update", path, str(listed[0]["id"]), "--status", "done").code == 0
    status = json.loads(cli("status", path, "--json").out)
    assert status["actions"] == {"open": 1, "overdue": 0}
    assert "no action with id 99" in _error_line(cli("action", "update", path, "99", "--status", "done"))


@pytest.mark.backends
def test_verify_passes_then_catches_a_changed_evidence_file(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    doc = tmp_path / "policy.pdf"
    doc.write_bytes(b"%PDF-1.7 policy")
    cli("evidence", "add", path, doc, "--qs", "XR-101")
    ok = cli("verify", path)
    assert ok.code == 0 and "OK: database checked, 1 evidence file(s) checked, 0 problem(s)" in ok.out
    stored = next(p for p in (path / "evidence" / "sha256").rglob("*") if p.is_file())
    stored.chmod(0o644)
    stored.write_bytes(b"%PDF-1.7 edited behind our back")
    bad = cli("verify", path)
    assert bad.code == 1
    assert "PROBLEM: evidence #1 'policy': content changed" in bad.out


def test_demo_workspace_is_realistic(cli, tmp_path: Path) -> None:
    path = tmp_path / "demo"
    assert cli("demo", path).code == 0
    status = json.loads(cli("status", path, "--json").out)
    assert 10 < status["counts"]["met"] < 30
    assert status["counts"]["not_applicable"] >= 1  # forensic imaging N/A (the demo provides all five modalities)
    assert status["overdue_reviews"] == ["XR-306"]
    assert status["evidence"]["total"] == 9 and status["evidence"]["review_overdue"] == 1
    assert status["actions"]["overdue"] == 1
    assert 0 < status["readiness_percent"] < 50
    records = json.loads(cli("records", path, "us-decontamination", "--json").out)
    assert len(records) > 100
    assert cli("verify", path).code == 0
    text = cli("status", path).out
    assert text.startswith("Riverside Imaging Service: readiness")


def test_the_command_works_from_any_directory_as_a_subprocess(tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "QSI_DISABLE_PLUGIN_DISCOVERY"}
    result = subprocess.run(
        [sys.executable, "-m", "qsi_desktop", "standards", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=True,
    )
    statements = json.loads(result.stdout)  # every installed plugin: the five built-ins and the example (MG)
    assert len([s for s in statements if s["modality"] != "MG"]) == 80


def test_profile_change_moves_applicability(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    assert json.loads(cli("status", path, "--json").out)["counts"]["not_applicable"] == 10
    result = cli("profile", path, "--modalities", "CT,IR,MR,NM,US", "--no-paediatrics", "--sites", "A, B")
    assert result.code == 0, result.err
    assert "paediatric imaging: no" in result.out and "sites: A, B" in result.out
    profile = json.loads(cli("profile", path, "--json").out)
    assert profile["modalities"] == ["CT", "IR", "MR", "NM", "US"] and profile["paediatric"] is False
    status = json.loads(cli("status", path, "--json").out)
    assert status["counts"]["not_applicable"] == 6  # XR-704 and the five modality paediatric statements
    audit = json.loads(cli("audit", path, "--json").out)
    assert audit[0]["entity"] == "service_profile" and audit[0]["before"]["scope_flags"] == {"paediatric": True}


@pytest.mark.backends
def test_checklists_list_answer_and_show(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)  # CT, MR, US
    listed = json.loads(cli("checklist", "list", path, "--json").out)
    assert {c["modality"] for c in listed} == {"CT", "MR", "US"}
    every = json.loads(cli("checklist", "list", path, "--all", "--json").out)
    assert {c["modality"] for c in every} == {"CT", "IR", "MR", "NM", "US"}
    template = next(c for c in listed if c["id"] == "us.decontamination")
    item = template["items"][0]["key"]
    doc = tmp_path / "decon-procedure.pdf"
    doc.write_bytes(b"%PDF-1.7 procedure")
    cli("evidence", "add", path, doc, "--qs", "US-903")
    result = cli(
        "checklist", "answer", path, "us.decontamination", item, "--answer", "Y", "--note", "Audited", "--evidence", "1"
    )
    assert result.code == 0, result.err
    shown = json.loads(cli("checklist", "show", path, "us.decontamination", "--json").out)
    assert shown["answered"] == 1 and shown["yes"] == 1
    first = shown["items"][0]
    assert (first["answer"], first["note"], first["evidence_id"]) == ("yes", "Audited", 1)
    assert f"{item}" in cli("checklist", "show", path, "us.decontamination").out
    assert "unknown answer 'maybe'" in _error_line(
        cli("checklist", "answer", path, "us.decontamination", item, "--answer", "maybe")
    )
    assert "has no item 'nope'" in _error_line(
        cli("checklist", "answer", path, "us.decontamination", "nope", "--answer", "yes")
    )
    assert "no evidence with id 7" in _error_line(
        cli("checklist", "answer", path, "us.decontamination", item, "--answer", "yes", "--evidence", "7")
    )
    audit = json.loads(cli("audit", path, "--json").out)
    assert any(e["entity"] == "checklist_response" and e["after"]["answer"] == "yes" for e in audit)


def test_review_dates_can_be_cleared(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    cli("assess", path, "XR-101", "--review-interval", "24", "--reviewed", "2026-01-10")
    assert "next review 2028-01-10" in cli("assess", path, "XR-101", "--owner", "PE lead").out
    result = cli("assess", path, "XR-101", "--review-interval", "none", "--next-review", "none")
    assert result.code == 0 and "next review" not in result.out
    assert "--review-interval 'twelve'" in _error_line(cli("assess", path, "XR-101", "--review-interval", "twelve"))
    audit = json.loads(cli("audit", path, "--json").out)
    assert audit[0]["after"] == {"review_interval_months": None, "next_review_on": None}


def test_verify_reports_a_damaged_database_and_ignores_stray_files(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    doc = tmp_path / "policy.pdf"
    doc.write_bytes(b"%PDF-1.7 policy")
    cli("evidence", "add", path, doc, "--qs", "XR-101")
    (path / "evidence" / "sha256" / "Thumbs.db").write_bytes(b"windows thumbnail cache")
    assert cli("verify", path).code == 0
    import sqlite3

    with sqlite3.connect(path / "workspace.sqlite3") as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db = path / "workspace.sqlite3"
    data = bytearray(db.read_bytes())
    page = 4096
    data[page * 3 : page * 6] = b"\xa5" * (page * 3)  # pages overwritten, header intact
    db.write_bytes(bytes(data))
    result = cli("verify", path)
    assert result.code in (1, 2), result.err
    assert "Traceback" not in result.err
    assert ("PROBLEM: database" in result.out) or ("damaged" in result.err)


def test_init_where_it_cannot_write_is_one_clear_line(cli, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    line = _error_line(cli("init", blocker / "ws", "--service", "X"))
    assert "cannot create the workspace" in line


def test_text_that_looks_like_an_nhs_number_is_refused_everywhere(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    before = _fingerprint(path)
    datix = tmp_path / "Datix 4471 - patient 943 476 5919 fall.pdf"
    datix.write_bytes(b"%PDF incident")
    for args in (
        ("evidence", "add", path, datix, "--qs", "XR-805"),
        ("assess", path, "XR-801", "--narrative", "Mrs Smith NHS 9434765919 fell"),
        ("action", "add", path, "XR-801", "Follow up 943-476-5919"),
        ("evidence", "link", path, "https://intranet/x", "--qs", "XR-805", "--title", "case 9434765919"),
    ):
        line = _error_line(cli(*args))
        assert "looks like an NHS number" in line and "5919" not in line
    assert _fingerprint(path) == before
    assert [p for p in (path / "evidence").rglob("*") if p.is_file()] == []
    ok = cli("assess", path, "XR-801", "--narrative", "Incident 4471 reviewed; 10 digits like 1234567890 are fine")
    assert ok.code == 0  # 1234567890 fails the modulus-11 check: not an NHS number


@pytest.mark.backends
def test_sign_off_lapses_when_the_assessment_changes(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    cli("assess", path, "XR-103", "--status", "met", "--sign-off", "Imaging Services Manager")
    cli("assess", path, "XR-103", "--owner", "New owner")  # not the substance: sign-off stands
    audit = json.loads(cli("audit", path, "--json").out)
    assert "signed_off_by" not in (audit[0]["after"] or {})
    cli("assess", path, "XR-103", "--status", "not-met")
    audit = json.loads(cli("audit", path, "--json").out)
    assert (
        audit[0]["after"]["signed_off_by"] == "" and audit[0]["before"]["signed_off_by"] == "Imaging Services Manager"
    )


def test_review_interval_and_dates_are_bounded(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    assert "1 to 120 months" in _error_line(cli("assess", path, "XR-101", "--review-interval", "99999"))
    line = _error_line(cli("assess", path, "XR-101", "--reviewed", "9999-12-01", "--review-interval", "1"))
    assert "'9999-12-01' is outside 1900 to 2100" in line


def test_marking_an_action_done_twice_keeps_its_completion_date(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    cli("action", "add", path, "XR-203", "Write a plan", "--status", "done")
    first = json.loads(cli("action", "list", path, "--json").out)[0]["completed_on"]
    cli("action", "update", path, "1", "--status", "done")
    assert json.loads(cli("action", "list", path, "--json").out)[0]["completed_on"] == first


def test_a_file_name_that_is_not_valid_text_is_stored_readably(cli, tmp_path: Path) -> None:
    import os

    path = _init(cli, tmp_path)
    odd = os.fsencode(tmp_path) + b"/minutes-\xfe.pdf"
    with open(odd, "wb") as handle:
        handle.write(b"%PDF minutes")
    result = cli("evidence", "add", path, os.fsdecode(odd), "--qs", "XR-801")
    assert result.code == 0, result.err
    (item,) = json.loads(cli("evidence", "list", path, "--json").out)
    assert item["file_name"] == "minutes-\ufffd.pdf"


@pytest.mark.backends
def test_a_new_version_of_a_document_supersedes_the_old_one(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    v1 = tmp_path / "chaperone-policy-v1.docx"
    v1.write_bytes(b"PK policy v1")
    cli(
        "evidence",
        "add",
        path,
        v1,
        "--qs",
        "XR-103,XR-104:3",
        "--title",
        "Chaperone policy",
        "--version",
        "1",
        "--owner",
        "Superintendent",
        "--review-due",
        "2020-01-01",
    )
    assert json.loads(cli("status", path, "--json").out)["evidence"] == {"total": 1, "review_overdue": 1}
    v2 = tmp_path / "chaperone-policy-v2.docx"
    v2.write_bytes(b"PK policy v2")
    result = cli("evidence", "add", path, v2, "--supersedes", "1", "--version", "2", "--review-due", "2099-01-01")
    assert result.code == 0, result.err
    assert "evidence #1 is superseded by #2" in result.out
    (current,) = json.loads(cli("evidence", "list", path, "--json").out)
    assert (current["id"], current["title"], current["owner"]) == (2, "Chaperone policy", "Superintendent")
    assert current["statements"] == ["XR-103", "XR-104:3"]
    everything = json.loads(cli("evidence", "list", path, "--all", "--json").out)
    assert [(i["id"], i["superseded_by"], i["review_overdue"]) for i in everything] == [(1, 2, False), (2, None, False)]
    assert "replaced by #2" in cli("evidence", "list", path, "--all").out
    status = json.loads(cli("status", path, "--json").out)
    assert status["evidence"] == {"total": 1, "review_overdue": 0}
    by_ref = {s["ref"]: s for s in status["statements"]}
    assert by_ref["XR-103"]["evidence"] == 1
    assert cli("verify", path).code == 0  # the old file is kept and still checked
    assert "already replaced by #2" in _error_line(cli("evidence", "add", path, v2, "--supersedes", "1"))
    assert "no evidence with id 9" in _error_line(cli("evidence", "add", path, v2, "--supersedes", "9"))
    unsorted = cli("evidence", "add", path, v2)  # no --qs: the inbox (the same file as #2: warned)
    assert unsorted.code == 0 and "unsorted inbox" in unsorted.out
    assert "already stored as evidence #2" in unsorted.err


def test_evidence_copy_gives_back_the_stored_file(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    doc = tmp_path / "Radiation protection policy.docx"
    doc.write_bytes(b"PK policy text")
    cli("evidence", "add", path, doc, "--qs", "XR-502")
    result = cli("evidence", "copy", path, "1", tmp_path / "out")
    assert result.code == 0, result.err
    copy = Path(result.out.strip())
    assert copy == tmp_path / "out" / doc.name and copy.read_bytes() == doc.read_bytes()
    assert "no evidence with id 5" in _error_line(cli("evidence", "copy", path, "5", tmp_path / "out"))


def test_dates_on_the_command_line_are_read_as_uk_forms_are(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    for text in ("15/11/2026", "15 Nov 2026", "2026-11-15"):
        result = cli("assess", path, "XR-101", "--next-review", text)
        assert result.code == 0 and "next review 2026-11-15" in result.out, result.err
    cli("assess", path, "XR-102", "--status", "met", "--narrative", "Leaflets reviewed by the panel.")
    statements = {s["ref"]: s for s in json.loads(cli("status", path, "--json").out)["statements"]}
    assert statements["XR-102"]["narrative"] == "Leaflets reviewed by the panel."
    assert statements["XR-101"]["justification"] == ""


def test_reminders_list_what_falls_due_and_write_a_calendar(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    soon = date.today() + timedelta(days=10)
    cli("assess", path, "XR-101", "--next-review", soon.isoformat())
    cli("action", "add", path, "XR-102", "Write the leaflet; check it, with the panel", "--due", soon.isoformat())
    cli("assess", path, "XR-103", "--next-review", (date.today() + timedelta(days=400)).isoformat())
    result = cli("reminders", path, "--ics", tmp_path / "qsi.ics", "--json")
    assert result.code == 0, result.err
    items = json.loads(result.out)
    assert [(i["kind"], i["statement"]) for i in items] == [("action", "XR-102"), ("statement review", "XR-101")]
    ics = (tmp_path / "qsi.ics").read_bytes().decode("utf-8")
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert ics.count("BEGIN:VEVENT") == 2 and f"DTSTART;VALUE=DATE:{soon:%Y%m%d}" in ics
    assert "Write the leaflet\\; check it\\, with the panel" in ics.replace("\r\n ", "")  # escaped, folded
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))


def test_evidence_add_says_where_a_document_seems_to_hold_an_nhs_number(cli, tmp_path: Path) -> None:
    import docx

    path = tmp_path / "ws"
    assert cli("init", path, "--service", "Riverside").code == 0
    survey = tmp_path / "Patient survey.docx"
    document = docx.Document()
    document.add_paragraph("Survey results, spring")
    document.add_paragraph("Patient 943 476 5919 said the leaflet was clear")
    document.save(str(survey))
    result = cli("evidence", "add", path, survey, "--qs", "XR-101")
    assert result.code == 0
    assert "#1 seems to hold an NHS number (paragraph 2)" in result.err and "--supersedes 1" in result.err
    assert "5919" not in result.out + result.err
    clean = tmp_path / "Policy.docx"
    docx.Document().save(str(clean))
    assert "NHS number" not in cli("evidence", "add", path, clean, "--qs", "XR-101").err
