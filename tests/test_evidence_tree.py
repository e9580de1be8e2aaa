"""qsi evidence import-tree: a service's existing evidence folder, with the mess real shares have."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import docx
import openpyxl
import pytest

from qsi_desktop.services import evidence, evidence_tree
from qsi_desktop.services.app import App
from qsi_desktop.store.workspace import Workspace

NHS_NUMBER = "943 476 5919"  # passes the modulus-11 check
PATIENT = "Jemima Puddleduck-Okonkwo"
POLICY = b"Radiation protection policy. Local rules apply in every controlled area.\n" * 200


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A share as services keep it: one folder per statement, the same policy in several, litter."""
    root = tmp_path / "Evidence share"
    _write(root / "XR-101 Patient information" / "leaflet MRI.txt", "What to expect at your MRI scan")
    _write(root / "XR-101 Patient information" / "Radiation policy v3.txt", POLICY)
    _write(root / "XR102 Contact" / "2025" / "Radiation policy v3.txt", POLICY)  # a ref above applies below
    _write(root / "xr 501 IRMER" / "copy of policy.txt", POLICY)
    _write(root / "xr_502" / "XR-503 pregnancy + local rules.txt", "Pregnancy enquiry procedure")  # both refs
    _write(root / "Room 101 misc" / "2024 minutes.txt", "Minutes of the staff meeting")  # no ref: unmapped
    _write(root / "CT-901 governance" / "ct protocol.txt", "CT protocol review")
    _write(root / "Policies" / "~$draft.docx", "lock")
    _write(root / "Policies" / "Thumbs.db", "thumbs")
    _write(root / "Policies" / "desktop.ini", "[.ShellClassInfo]")
    _write(root / "Policies" / ".DS_Store", "mac")
    _write(root / "Policies" / "Shortcut to policy.lnk", "lnk")
    _write(root / "Policies" / "empty.txt", b"")
    _write(root / ".git" / "config", "hidden folder")
    return root


def _run(ws: Workspace, app: App, root: Path, **kwargs: object) -> evidence_tree.TreeSummary:
    return evidence_tree.import_tree(ws, app, root, actor="test-user", **kwargs)  # type: ignore[arg-type]


def test_import_tree_stores_each_content_once_and_links_every_folder(
    make_workspace: Callable[..., Workspace], full_app: App, tree: Path
) -> None:
    ws = make_workspace()
    summary = _run(ws, full_app, tree)
    assert (summary.files, summary.stored, summary.duplicates, summary.unmapped) == (13, 5, 2, 1)
    # policy: XR-101, XR-102, XR-501; leaflet XR-101; XR-502 + XR-503; CT-901
    assert summary.linked == 7
    reasons = {s.path: s.reason for s in summary.skipped}
    assert set(reasons) == {
        "Policies/~$draft.docx",
        "Policies/Thumbs.db",
        "Policies/desktop.ini",
        "Policies/.DS_Store",
        "Policies/Shortcut to policy.lnk",
        "Policies/empty.txt",
        ".git",
    }
    assert "temporary" in reasons["Policies/~$draft.docx"] and "empty" in reasons["Policies/empty.txt"]
    items = {item.title: item for item in evidence.list_evidence(ws)}
    policy = items["Radiation policy v3"]
    assert sorted(policy.refs) == ["XR-101", "XR-102", "XR-501"]
    assert sorted(items["XR-503 pregnancy + local rules"].refs) == ["XR-502", "XR-503"]
    assert items["2024 minutes"].is_unsorted  # "Room 101" and a year are no refs
    assert evidence_tree.sources(ws, policy.id) == [
        "XR-101 Patient information/Radiation policy v3.txt",
        "XR102 Contact/2025/Radiation policy v3.txt",
        "xr 501 IRMER/copy of policy.txt",
    ]
    assert len(list(ws.files.stored_hashes())) == 5


def test_rerun_doubles_nothing_and_links_what_is_new(
    make_workspace: Callable[..., Workspace], full_app: App, tree: Path
) -> None:
    ws = make_workspace()
    _run(ws, full_app, tree)
    audit_rows = _count(ws, "audit_log")
    again = _run(ws, full_app, tree)
    assert (again.stored, again.linked, again.unmapped, again.duplicates) == (0, 0, 0, 7)
    assert _count(ws, "audit_log") == audit_rows  # nothing written at all
    # The same policy dropped into another statement's folder: linked, not stored.
    _write(tree / "XR-805 Risk" / "policy.txt", POLICY)
    third = _run(ws, full_app, tree)
    assert (third.stored, third.linked, third.duplicates) == (0, 1, 8)
    assert _count(ws, "evidence_item") == 5


def test_file_already_in_workspace_is_linked_not_stored(
    make_workspace: Callable[..., Workspace], full_app: App, tree: Path
) -> None:
    ws = make_workspace()
    before = evidence.add_file(
        ws, full_app, tree / "xr 501 IRMER" / "copy of policy.txt", evidence.EvidenceDetails(), actor="t"
    )
    summary = _run(ws, full_app, tree)
    assert summary.stored == 4 and before.id not in summary.items
    assert sorted(evidence.get_evidence(ws, before.id).refs) == ["XR-101", "XR-102", "XR-501"]


def test_dry_run_changes_nothing(make_workspace: Callable[..., Workspace], full_app: App, tree: Path) -> None:
    ws = make_workspace()
    rows = _count(ws, "audit_log")
    dry = _run(ws, full_app, tree, dry_run=True)
    assert (dry.files, dry.stored, dry.duplicates, dry.linked, dry.unmapped) == (13, 5, 2, 7, 1)
    assert _count(ws, "audit_log") == rows and not list(ws.files.stored_hashes())
    real = _run(ws, full_app, tree)
    assert real.to_dict() | {"items": [], "dry_run": True} == dry.to_dict() | {"items": []}


def test_links_loops_and_outside(make_workspace: Callable[..., Workspace], full_app: App, tmp_path: Path) -> None:
    root = tmp_path / "tree"
    _write(root / "XR-301 Ops" / "operational policy.txt", "ops")
    outside = _write(tmp_path / "secret.txt", "outside the tree")
    os.symlink(root, root / "XR-301 Ops" / "loop")  # a folder loop
    os.symlink(root / "a", root / "b")  # a two-link loop
    os.symlink(root / "b", root / "a")
    os.symlink(outside, root / "XR-301 Ops" / "outside.txt")
    os.symlink(root / "XR-301 Ops" / "operational policy.txt", root / "XR-305 link.txt")  # inside: read
    summary = _run(make_workspace(), full_app, root)
    reasons = {s.path: s.reason for s in summary.skipped}
    assert "not followed" in reasons["XR-301 Ops/loop"]
    assert "outside" in reasons["XR-301 Ops/outside.txt"]
    assert "nowhere" in reasons["a"] and "nowhere" in reasons["b"]
    assert (summary.stored, summary.duplicates, summary.linked) == (1, 1, 2)


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root reads unreadable files")
def test_unreadable_file_and_folder_reported_batch_goes_on(
    make_workspace: Callable[..., Workspace], full_app: App, tmp_path: Path
) -> None:
    root = tmp_path / "tree"
    locked = _write(root / "XR-101" / "locked.txt", "secret")
    _write(root / "XR-101" / "open.txt", "readable")
    folder = root / "XR-102 closed"
    _write(folder / "inside.txt", "x")
    locked.chmod(0)
    folder.chmod(0)
    try:
        summary = _run(make_workspace(), full_app, root)
    finally:
        locked.chmod(0o600)
        folder.chmod(0o700)
    reasons = {s.path: s.reason for s in summary.skipped}
    assert "could not be read" in reasons["XR-101/locked.txt"]
    assert "could not be read" in reasons["XR-102 closed"]
    assert summary.stored == 1


def test_huge_sparse_file_is_streamed(make_workspace: Callable[..., Workspace], full_app: App, tmp_path: Path) -> None:
    root = tmp_path / "tree"
    huge = root / "XR-401 PACS" / "archive export.bin"
    huge.parent.mkdir(parents=True)
    with huge.open("wb") as handle:  # 3 GiB, sparse: hashing streams it without reading it into memory
        handle.truncate(3 * 1024**3)
    ws = make_workspace()
    summary = _run(ws, full_app, root, dry_run=True)
    assert summary.stored == 1 and summary.linked == 1


def test_nhs_numbers_in_names_and_text_are_never_stored(
    make_workspace: Callable[..., Workspace], full_app: App, tmp_path: Path
) -> None:
    root = tmp_path / "tree"
    _write(root / "XR-802 Audit" / f"audit {NHS_NUMBER}.txt", "an audit")
    _write(root / f"XR-805 {PATIENT} {NHS_NUMBER.replace(' ', '')}" / "incident.txt", "an incident")
    _write(root / "XR-802 Audit" / "audit data.csv", f"patient,nhs\n{PATIENT},{NHS_NUMBER}\n")
    document = docx.Document()
    document.add_paragraph(f"Patient {NHS_NUMBER} was reviewed.")
    document.save(root / "XR-802 Audit" / "minutes.docx")
    header = docx.Document()
    header.sections[0].header.paragraphs[0].text = f"Re: patient {NHS_NUMBER}"
    header.save(root / "XR-802 Audit" / "letter.docx")
    split = docx.Document()  # the number split across runs, as Word does after an edit
    paragraph = split.add_paragraph("NHS no ")
    for part in NHS_NUMBER.split():
        paragraph.add_run(part + " ")
    split.save(root / "XR-802 Audit" / "split.docx")
    book = openpyxl.Workbook()
    book.active["C14"] = int(NHS_NUMBER.replace(" ", ""))  # typed as a number
    book.save(root / "XR-802 Audit" / "audit.xlsx")
    _write(root / "XR-802 Audit" / "clean.txt", "a clean audit")
    ws = make_workspace()
    summary = _run(ws, full_app, root)
    assert summary.stored == 1
    reasons = {s.path: s.reason for s in summary.skipped}
    assert "NHS number" in reasons["XR-802 Audit/audit data.csv"]
    assert "NHS number" in reasons["XR-802 Audit/minutes.docx"]
    for name in ("letter.docx", "split.docx", "audit.xlsx"):
        assert "NHS number" in reasons[f"XR-802 Audit/{name}"], name
    assert all(NHS_NUMBER not in s.path and NHS_NUMBER.replace(" ", "") not in s.path for s in summary.skipped)
    ws.close()
    for path in ws.path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in (NHS_NUMBER, NHS_NUMBER.replace(" ", ""), PATIENT):
                assert secret.encode() not in data, (path, secret)


def test_cancel_commits_whole_files_and_a_rerun_carries_on(
    make_workspace: Callable[..., Workspace], full_app: App, tmp_path: Path
) -> None:
    root = tmp_path / "tree"
    for number in range(30):
        _write(root / f"XR-{101 + number % 7}" / f"doc {number}.txt", f"document {number}")
    ws = make_workspace()
    calls = iter(range(1000))
    first = _run(ws, full_app, root, cancel=lambda: next(calls) >= 12, batch_files=5)
    assert first.cancelled and first.stored == 12
    assert _count(ws, "evidence_item") == 12 and len(list(ws.files.stored_hashes())) == 12
    second = _run(ws, full_app, root)
    assert (second.stored, second.duplicates) == (18, 12)
    assert _count(ws, "evidence_item") == 30


def test_bad_folder_arguments(make_workspace: Callable[..., Workspace], full_app: App, tmp_path: Path) -> None:
    from qsi_desktop.services.errors import UserError

    ws = make_workspace()
    with pytest.raises(UserError, match="no such folder"):
        _run(ws, full_app, tmp_path / "missing")
    with pytest.raises(UserError, match="not a folder"):
        _run(ws, full_app, _write(tmp_path / "file.txt", "x"))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _run(ws, full_app, empty).files == 0


def test_cli_json_summary_and_dry_run(cli: Callable[..., object], tmp_path: Path, tree: Path) -> None:
    workspace = tmp_path / "ws"
    assert cli("init", workspace, "--service", "Riverside").code == 0  # type: ignore[attr-defined]
    dry = cli("evidence", "import-tree", workspace, tree, "--dry-run", "--json")
    data = json.loads(dry.out)  # type: ignore[attr-defined]
    assert {k: data[k] for k in ("files", "stored", "duplicates", "linked", "unmapped")} == {
        "files": 13,
        "stored": 5,
        "duplicates": 2,
        "linked": 7,
        "unmapped": 1,
    }
    assert dry.code == 0 and all({"path", "reason", "problem"} == set(s) for s in data["skipped"])  # type: ignore[attr-defined]
    assert not any(s["problem"] for s in data["skipped"])  # litter only
    listed = cli("evidence", "list", workspace, "--json")
    assert json.loads(listed.out) == []  # type: ignore[attr-defined]
    done = cli("evidence", "import-tree", workspace, tree)
    assert done.code == 0 and "stored 5" in done.out  # type: ignore[attr-defined]
    where = json.loads(cli("evidence", "where", workspace, "2", "--json").out)  # type: ignore[attr-defined]
    assert where["imported_from"] and all(not p.startswith("/") for p in where["imported_from"])
    _write(tree / "XR-101 Patient information" / "audit.csv", f"nhs\n{NHS_NUMBER}\n")
    flagged = cli("evidence", "import-tree", workspace, tree)
    assert flagged.code == 1 and "NHS number" in flagged.out  # type: ignore[attr-defined]
    assert NHS_NUMBER not in flagged.out + flagged.err  # type: ignore[attr-defined]
    missing = cli("evidence", "import-tree", workspace, tmp_path / "nope")
    assert missing.code == 2 and "no such folder" in missing.err  # type: ignore[attr-defined]


def _count(ws: Workspace, table: str) -> int:
    with sqlite3.connect(ws.database_path) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_file_that_fails_while_read_or_stored_is_reported_batch_goes_on(
    make_workspace: Callable[..., Workspace], full_app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root cannot make a file unreadable, the read error is made to happen (the same path as EACCES); a
    full disk while the copy is written is the other failure: each is reported, the others are stored, and
    no temporary copy is left."""
    from qsi_desktop.services import tree_pipeline
    from qsi_desktop.store import evidence_files

    root = tmp_path / "tree"
    _write(root / "XR-101" / "locked.txt", "secret")
    _write(root / "XR-101" / "full disk.txt", "no room for this one")
    _write(root / "XR-101" / "open.txt", "readable text")
    read, copy = tree_pipeline.read_content, evidence_files._copy_and_hash

    def failing_read(path: Path) -> tree_pipeline.Content:
        if path.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return read(path)

    def failing_copy(source: Path, fd: int, data: bytes | None, sha256: str | None) -> tuple[str, int]:
        if source.name == "full disk.txt":
            os.close(fd)
            raise OSError(28, "No space left on device")
        return copy(source, fd, data, sha256)

    monkeypatch.setattr(tree_pipeline, "read_content", failing_read)
    monkeypatch.setattr(evidence_files, "_copy_and_hash", failing_copy)
    ws = make_workspace()
    summary = _run(ws, full_app, root)
    assert {s.path: s.reason for s in summary.skipped} == {
        "XR-101/locked.txt": "could not be read (Permission denied)",
        "XR-101/full disk.txt": "could not be copied into the workspace (No space left on device)",
    }
    assert summary.stored == 1 and not ws.files.incoming_files()
    assert [e.title for e in evidence.list_evidence(ws)] == ["open"]


def test_damaged_document_and_undecodable_name(
    make_workspace: Callable[..., Workspace], full_app: App, tmp_path: Path
) -> None:
    """A damaged .docx is stored as it is (it is the user's file) with a note that it was not checked; a
    name that is not valid UTF-8 (an old share's Windows-1252 name) is imported under a readable title."""
    root = tmp_path / "tree"
    _write(root / "XR-301" / "broken.docx", b"PK\x03\x04 not a zip at all")
    folder = os.fsencode(root / "XR-302")
    os.makedirs(folder)
    with open(os.path.join(folder, b"caf\xe9 menu.txt"), "wb") as handle:
        handle.write(b"support services")
    ws = make_workspace()
    summary = _run(ws, full_app, root)
    assert summary.stored == 2 and not summary.skipped
    assert [n.path for n in summary.notes] == ["XR-301/broken.docx"]
    assert "not checked for NHS numbers" in summary.notes[0].reason
    titles = {item.title: item.refs for item in evidence.list_evidence(ws)}
    assert titles == {"broken": {"XR-301"}, "caf\ufffd menu": {"XR-302"}}


def test_an_item_is_titled_after_the_original_not_its_copy(
    make_workspace: Callable[..., Workspace], full_app: App, tmp_path: Path
) -> None:
    """Found in review: "Copy of leaflet.docx" sorts before "leaflet.docx", so the item took the copy's name."""
    root = tmp_path / "share" / "XR-101 Leaflets"
    _write(root / "Copy of Patient leaflet – CT.txt", "leaflet text")
    _write(root / "Patient leaflet – CT.txt", "leaflet text")
    _write(root / "Rota - Copy (2).txt", "rota only as a copy")
    ws = make_workspace()
    summary = _run(ws, full_app, tmp_path / "share")
    assert summary.stored == 2 and summary.duplicates == 1
    titles = sorted(e.title for e in evidence.list_evidence(ws, "XR-101"))
    assert titles == ["Patient leaflet – CT", "Rota - Copy (2)"]  # a copy with no original keeps its name
