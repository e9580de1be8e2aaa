"""Issue 19 part B: retries, orphaned copies, rejected runs, decoding, duplicate headers."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from qsi_desktop.store.evidence_files import INCOMING_PREFIX
from qsi_desktop.store.workspace import Workspace


def _init(cli, tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "Riverside Imaging", "--modalities", "CT,MR,NM,US").code == 0
    return path


def _items(cli, path: Path) -> list[dict]:
    return json.loads(cli("evidence", "list", path, "--all", "--json").out)


# -- 1. retries -------------------------------------------------------------------------------------


def test_a_retried_evidence_add_reports_the_item_it_stored(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    policy = tmp_path / "policy.pdf"
    policy.write_bytes(b"%PDF-1.4 radiation protection policy")
    args = ("evidence", "add", path, policy, "--qs", "XR-501,XR-502", "--owner", "RPS", "--version", "2")
    first = cli(*args, "--json")
    assert first.code == 0, first.err
    stored = json.loads(first.out)
    assert stored["existing"] is False
    again = cli(*args, "--json")  # the first one committed, then the process was killed: retry
    assert again.code == 0, again.err
    retried = json.loads(again.out)
    assert retried["existing"] is True and retried["id"] == stored["id"]
    text = cli(*args)
    assert text.code == 0 and "nothing stored again" in text.out and f"#{stored['id']}" in text.out
    assert len(_items(cli, path)) == 1


def test_the_same_file_with_other_statements_or_details_is_a_new_add(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    policy = tmp_path / "policy.pdf"
    policy.write_bytes(b"%PDF-1.4 policy")
    assert cli("evidence", "add", path, policy, "--qs", "XR-501").code == 0
    other_statement = json.loads(cli("evidence", "add", path, policy, "--qs", "XR-502", "--json").out)
    other_title = json.loads(cli("evidence", "add", path, policy, "--qs", "XR-501", "--title", "T", "--json").out)
    assert not other_statement["existing"] and not other_title["existing"]
    assert len(_items(cli, path)) == 3


def test_a_retried_new_version_reports_the_version_it_stored(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    v1, v2 = tmp_path / "v1.pdf", tmp_path / "v2.pdf"
    v1.write_bytes(b"%PDF v1")
    v2.write_bytes(b"%PDF v2")
    first = json.loads(cli("evidence", "add", path, v1, "--qs", "XR-501", "--json").out)
    second = json.loads(cli("evidence", "add", path, v2, "--supersedes", str(first["id"]), "--json").out)
    retry = cli("evidence", "add", path, v2, "--supersedes", str(first["id"]), "--json")
    assert retry.code == 0, retry.err
    assert json.loads(retry.out) | {"existing": False} == second
    assert json.loads(retry.out)["existing"] is True
    assert len(_items(cli, path)) == 2


def test_orphaned_copies_are_cleaned_on_open_but_not_fresh_ones(make_workspace) -> None:
    ws = make_workspace()
    tmp = ws.path / "evidence" / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    old, fresh = tmp / f"{INCOMING_PREFIX}old", tmp / f"{INCOMING_PREFIX}fresh"
    old.write_bytes(b"half a file")
    fresh.write_bytes(b"being written by another process")
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    ws.close()
    Workspace.open(ws.path).close()
    assert not old.exists()
    assert fresh.exists()  # another process may still be writing it


# -- 2. a rejected run ------------------------------------------------------------------------------


def test_a_rejected_file_leaves_a_run_marked_rejected_that_cannot_be_undone(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    bad = tmp_path / "log.csv"
    bad.write_bytes(b"\x00\x01binary\x00" * 20)
    result = cli("import", path, "us-decontamination", bad)
    assert result.code == 1
    assert "rejected: nothing was stored" in result.out
    runs = json.loads(cli("import-runs", path, "--json").out)
    assert [run["state"] for run in runs] == ["rejected"]
    assert "rejected" in cli("import-runs", path).out
    undo = cli("import-undo", path, str(runs[0]["id"]))
    assert undo.code == 2 and "nothing to undo" in undo.err
    summary = json.loads(cli("import", path, "us-decontamination", bad, "--json").out)
    assert summary["state"] == "rejected"


def test_the_import_summary_says_a_rejected_run_stored_nothing() -> None:
    from qsi_desktop.gui.dialogs import import_summary_html
    from qsi_desktop.plugins.types import ImportIssue
    from qsi_desktop.services.importing import ImportSummary

    summary = ImportSummary("us-decontamination", files=1, rejected=[ImportIssue("a.csv", "empty")], run_id=4)
    assert "Rejected: nothing was stored" in import_summary_html(summary)
