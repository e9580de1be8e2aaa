"""The folder import's fast path: each file read once, copies flushed and placed in the background, rows
written in bulk; the store's promise (a row points only at a complete, flushed file), the audit trail and the
roles must be what the slow path gave."""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from qsi_desktop.services import evidence, evidence_tree, tree_pipeline
from qsi_desktop.services.app import App
from qsi_desktop.store import bulk, evidence_files
from qsi_desktop.store.models import AuditEntry, EvidenceItem, EvidenceLink, StoredTable
from qsi_desktop.store.workspace import Workspace
from tests.conftest import PG_OWNER, CliResult


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _share(root: Path) -> Path:
    _write(root / "XR-101 Leaflets" / "leaflet.txt", "What to expect at your scan\n" * 50)
    _write(root / "XR-102 Contact" / "leaflet.txt", "What to expect at your scan\n" * 50)
    _write(root / "XR-501 IRMER" / "procedures.txt", "Employer's procedures\n" * 80)
    _write(root / "Misc" / "minutes.txt", "Minutes of the staff meeting")
    return root


def _count(ws: Workspace, table: str) -> int:
    with sqlite3.connect(ws.database_path) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.mark.backends
def test_bulk_rows_are_audited_as_a_flush_audits_them(make_workspace: Callable[..., Workspace]) -> None:
    """The same item, link and provenance row written by a flush and by store.bulk, and the provenance
    updated each way: the same audit entries (but for their own ids), the same version check."""
    ws = make_workspace()
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    item = {"title": "Policy", "file_sha256": "a" * 64, "file_name": "Policy.docx", "file_size": 10,
            "added_by": "test-user", "added_at": at}  # fmt: skip
    with ws.transaction("test-user") as session:
        flushed = EvidenceItem(**item)
        session.add(flushed)
        session.flush()
        session.add(EvidenceLink(evidence_id=flushed.id, framework_id=ws.framework_id, statement_ref="XR-101"))
        session.add(StoredTable(namespace="evidence_source", key=str(flushed.id), value={"paths": ["a/b"]},
                                updated_by="test-user"))  # fmt: skip
    with ws.transaction("test-user") as session:
        (bulk_id,) = bulk.insert_new(session, EvidenceItem, [item])
        bulk.insert_new(
            session,
            EvidenceLink,
            [{"evidence_id": bulk_id, "framework_id": ws.framework_id, "statement_ref": "XR-101"}],
        )
        bulk.insert_new(session, StoredTable, [{"namespace": "evidence_source", "key": str(bulk_id),
                                                "value": {"paths": ["a/b"]}, "updated_by": "test-user"}])  # fmt: skip
    with ws.transaction("test-user") as session:  # the provenance found again: an update each way
        orm_row = session.scalars(select(StoredTable).where(StoredTable.key == str(flushed.id))).one()
        orm_row.value, orm_row.updated_by = {"paths": ["a/b", "c/d"]}, "test-user"
    with ws.transaction("test-user") as session:
        read = session.execute(select(StoredTable.id, StoredTable.version_id, StoredTable.value).where(
            StoredTable.key == str(bulk_id))).one()._asdict()  # fmt: skip
        bulk.update_versioned(session, StoredTable, [(read, {"value": {"paths": ["a/b", "c/d"]},
                                                             "updated_by": "test-user"})])  # fmt: skip
    with ws.reading() as session:
        versions = dict(session.execute(select(StoredTable.key, StoredTable.version_id)).all())
        assert versions[str(flushed.id)] == versions[str(bulk_id)] == 2
        updates = session.scalars(select(AuditEntry).where(AuditEntry.action == "update").order_by(AuditEntry.id))
        orm_update, bulk_update = list(updates)[-2:]
        assert (orm_update.summary, orm_update.before, orm_update.after) == (
            bulk_update.summary, bulk_update.before, bulk_update.after)  # fmt: skip
        assert bulk_update.after == {"value": {"paths": ["a/b", "c/d"]}}
    with ws.transaction("test-user") as session, pytest.raises(StaleDataError):  # read before that update
        bulk.update_versioned(session, StoredTable, [(read, {"value": {"paths": []}})])
    with ws.reading() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "create").order_by(AuditEntry.id))
        by_entity: dict[str, list[AuditEntry]] = {}
        for entry in entries:
            by_entity.setdefault(entry.entity, []).append(entry)

    def plain(entry: AuditEntry) -> tuple:
        after = {k: v for k, v in (entry.after or {}).items() if k not in ("id", "evidence_id", "key")}
        return entry.actor, entry.action, entry.summary, entry.before, after

    for entity in ("evidence_item", "evidence_link", "stored_table"):
        first, second = by_entity[entity][-2:]
        assert plain(first) == plain(second), entity
        assert second.after is not None and second.after["id"] != first.after["id"]  # type: ignore[index]
    assert by_entity["evidence_item"][-1].after["added_at"] == at.isoformat()  # type: ignore[index]


def test_each_file_is_read_once(
    make_workspace: Callable[..., Workspace], full_app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hashed, checked for NHS numbers and copied from one read: the import opens each file once."""
    root = _share(tmp_path / "share")
    opened: Counter[str] = Counter()
    real_open = Path.open

    def counting_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self.is_relative_to(root):
            opened[self.name] += 1
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", counting_open)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} read again"))
    summary = evidence_tree.import_tree(make_workspace(), full_app, root, actor="test-user")
    assert (summary.stored, summary.duplicates) == (3, 1)
    assert opened == {"leaflet.txt": 2, "procedures.txt": 1, "minutes.txt": 1}


def test_a_large_file_that_changes_between_its_reads_is_not_stored(
    make_workspace: Callable[..., Workspace], full_app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file too large to keep in memory is read twice (hashed, then copied): if it changed in between,
    the copy is dropped and the file reported, never stored under a hash it no longer has."""
    root = _share(tmp_path / "share")
    monkeypatch.setattr(tree_pipeline, "READ_WHOLE", 100)  # every file here is "large"
    copy = evidence_files._copy_and_hash

    def edited_meanwhile(source: Path, fd: int, data: bytes | None, sha256: str | None) -> tuple[str, int]:
        if source.name == "procedures.txt":
            with source.open("ab") as handle:
                handle.write(b"edited while the import ran\n")
        return copy(source, fd, data, sha256)

    monkeypatch.setattr(evidence_files, "_copy_and_hash", edited_meanwhile)
    ws = make_workspace()
    summary = evidence_tree.import_tree(ws, full_app, root, actor="test-user")
    assert {s.path: s.reason for s in summary.skipped} == {
        "XR-501 IRMER/procedures.txt": "changed while it was imported; import again"
    }
    assert summary.stored == 2 and len(list(ws.files.stored_hashes())) == 2 and not ws.files.incoming_files()


def test_a_folder_that_cannot_be_flushed_stores_nothing_of_its_batch(
    make_workspace: Callable[..., Workspace], full_app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Until the folders holding the new files are flushed, a crash could lose their names: no row may
    point at them, so a batch whose flush fails is reported and not saved; the next batch goes on."""
    root = tmp_path / "share"
    for number in range(6):
        _write(root / f"XR-10{1 + number % 3}" / f"doc {number}.txt", f"document {number}")
    real = evidence_files._fsync_dir
    calls = Counter[str]()

    def failing_once(directory: Path) -> None:
        calls["flush"] += 1
        if calls["flush"] == 1:
            raise OSError(5, "Input/output error", str(directory))
        real(directory)

    monkeypatch.setattr(evidence_files, "_fsync_dir", failing_once)
    monkeypatch.setattr(tree_pipeline, "FLUSHERS", 1)  # one folder at a time: the first one fails
    ws = make_workspace()
    summary = evidence_tree.import_tree(ws, full_app, root, actor="test-user", batch_files=3)
    failed = [s for s in summary.skipped if "Input/output error" in s.reason]
    assert len(failed) == 3 and summary.stored == 3
    assert _count(ws, "evidence_item") == 3
    again = evidence_tree.import_tree(ws, full_app, root, actor="test-user")  # the re-run completes it
    assert (again.stored, again.duplicates, _count(ws, "evidence_item")) == (3, 3, 6)


@pytest.fixture
def team(cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite workspace with a quality lead (the owner), a CT lead (carol) and a reader (rita)."""
    monkeypatch.delenv("QSI_ACTOR", raising=False)
    for variable in ("LOGNAME", "USER", "PGUSER"):
        monkeypatch.setenv(variable, PG_OWNER)
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "Riverside", "--modalities", "CT,MR").code == 0
    for args in ((PG_OWNER, "--role", "quality-lead"), ("carol", "--role", "modality-lead", "--modality", "CT"),
                 ("rita", "--role", "reader")):  # fmt: skip
        assert cli("user", "add", path, *args).code == 0
    return path


def test_the_roles_hold_for_a_folder_import_before_a_file_is_stored(
    cli: Callable[..., CliResult], team: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ct_only = tmp_path / "ct"
    _write(ct_only / "CT-901 Governance" / "ct protocol.txt", "CT protocol review")
    mixed = tmp_path / "mixed"
    _write(mixed / "CT-901 Governance" / "ct protocol.txt", "CT protocol review, second edition")
    _write(mixed / "XR-501 IRMER" / "procedures.txt", "Employer's procedures")
    for variable in ("LOGNAME", "USER", "PGUSER"):
        monkeypatch.setenv(variable, "rita")
    refused = cli("evidence", "import-tree", team, ct_only)
    assert refused.code == 2 and "rita is a reader" in refused.err
    for variable in ("LOGNAME", "USER", "PGUSER"):
        monkeypatch.setenv(variable, "carol")
    refused = cli("evidence", "import-tree", team, mixed)
    assert refused.code == 2 and "XR-501" in refused.err and "quality lead" in refused.err
    assert not [f for f in (team / "evidence").rglob("*") if f.is_file()]  # refused before a file was stored
    done = cli("evidence", "import-tree", team, ct_only, "--json")
    assert done.code == 0 and json.loads(done.out)["stored"] == 1
    audit = json.loads(cli("audit", team, "--json").out)
    assert {e["actor"] for e in audit if e["entity"] in ("evidence_item", "evidence_link")} == {"carol"}
    with Workspace.open(team) as ws:
        assert [i.added_by for i in evidence.list_evidence(ws)] == ["carol"]


def test_a_copy_that_fails_leaves_no_temporary_file(
    make_workspace: Callable[..., Workspace], full_app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _share(tmp_path / "share")
    real = os.replace

    def full_disk(source: str | Path, target: str | Path) -> None:
        if "incoming-" in str(source) and str(target).endswith(_sha_of(root / "Misc" / "minutes.txt")[2:]):
            raise OSError(28, "No space left on device")
        real(source, target)

    monkeypatch.setattr(evidence_files.os, "replace", full_disk)
    ws = make_workspace()
    summary = evidence_tree.import_tree(ws, full_app, root, actor="test-user")
    assert [s.path for s in summary.problems] == ["Misc/minutes.txt"]
    assert summary.stored == 2 and not ws.files.incoming_files()


def _sha_of(path: Path) -> str:
    return evidence_files.sha256_of(path)


def test_a_failed_save_leaves_no_copy_half_way_and_a_rerun_completes(
    make_workspace: Callable[..., Workspace], full_app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database refuses the second batch's save (a disk full, a lock): the error reaches the caller, the
    first batch stays saved, no temporary copy is left, and the re-run stores the rest once."""
    from qsi_desktop.store.workspace import WorkspaceError

    root = tmp_path / "share"
    for number in range(12):
        _write(root / f"XR-10{1 + number % 3}" / f"doc {number}.txt", f"document {number}" * 500)
    real = bulk.insert_new
    saves = Counter[str]()

    def failing_second(session, model, rows):  # type: ignore[no-untyped-def]
        if model is EvidenceItem:
            saves["items"] += 1
            if saves["items"] == 2:
                raise WorkspaceError("database is locked")
        return real(session, model, rows)

    monkeypatch.setattr(bulk, "insert_new", failing_second)
    ws = make_workspace()
    with pytest.raises(WorkspaceError, match="locked"):
        evidence_tree.import_tree(ws, full_app, root, actor="test-user", batch_files=4)
    assert _count(ws, "evidence_item") == 4 and not ws.files.incoming_files()
    monkeypatch.setattr(bulk, "insert_new", real)
    again = evidence_tree.import_tree(ws, full_app, root, actor="test-user", batch_files=4)
    assert (again.stored, again.duplicates, _count(ws, "evidence_item")) == (8, 4, 12)
    assert set(ws.files.stored_hashes()) == {item.file_sha256 for item in evidence.list_evidence(ws)}


def test_work_entered_for_someone_else_is_recorded_so_in_bulk_rows(team: Path, full_app: App, tmp_path: Path) -> None:
    """A quality lead importing for a colleague: every row written in bulk (items, provenance created and
    updated) and its audit entry carry "NAME (entered by LOGIN)", as a flush gives them."""
    first = _write(tmp_path / "one" / "XR-101 Leaflets" / "leaflet.txt", "What to expect")
    _write(tmp_path / "two" / "XR-102 Contact" / "leaflet.txt", first.read_bytes())
    with Workspace.open(team) as ws:
        evidence_tree.import_tree(ws, full_app, tmp_path / "one", actor="Jane Doe")
        again = evidence_tree.import_tree(ws, full_app, tmp_path / "two", actor="Jane Doe")
        assert again.linked == 1
    recorded = f"Jane Doe (entered by {PG_OWNER})"
    with sqlite3.connect(team / "workspace.sqlite3") as db:
        assert db.execute("SELECT added_by FROM evidence_item").fetchall() == [(recorded,)]
        assert db.execute(
            "SELECT updated_by, version_id FROM stored_table WHERE namespace = 'evidence_source'"
        ).fetchall() == [(recorded, 2)]
        actors = {row[0] for row in db.execute("SELECT actor FROM audit_log WHERE entity != 'user_account'")}
    assert recorded in actors
