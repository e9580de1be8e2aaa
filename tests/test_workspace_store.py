"""The workspace folder, its database, migrations and the evidence file store."""

from __future__ import annotations

import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from qsi_desktop.store import migrate
from qsi_desktop.store.evidence_files import EvidenceFileError, EvidenceFileStore, sha256_of
from qsi_desktop.store.models import AuditEntry, ServiceProfile
from qsi_desktop.store.workspace import NewProfile, Workspace, WorkspaceError


def test_create_then_open_keeps_the_profile_and_sets_sqlite_pragmas(make_workspace) -> None:
    ws = make_workspace(modalities=("CT", "US"), paediatric=False)
    path = ws.path
    ws.close()
    assert sorted(p.name for p in path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "backups",
        "evidence",
        "qsi-workspace.json",
        "workspace.sqlite3",
    ]
    with Workspace.open(path) as ws, ws.reading() as session:
        profile = session.scalars(select(ServiceProfile)).one()
        assert (profile.name, profile.modalities, profile.scope_flags) == (
            "Riverside Imaging",
            ["CT", "US"],
            {"paediatric": False},
        )
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
        assert len(ws.secret) == 32


def test_create_refuses_a_folder_with_files_and_leaves_it_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(WorkspaceError, match="not an empty folder"):
        Workspace.create(tmp_path, NewProfile("X"), framework_id="qsi-2026-draft", actor="t")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_open_a_folder_that_is_not_a_workspace(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="not a QSI workspace"):
        Workspace.open(tmp_path)
    with pytest.raises(WorkspaceError, match="no such folder"):
        Workspace.open(tmp_path / "missing")


def test_open_a_corrupt_database(make_workspace) -> None:
    ws = make_workspace()
    ws.close()
    db = ws.path / "workspace.sqlite3"
    db.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(WorkspaceError, match="not a SQLite database"):
        Workspace.open(ws.path)


def test_open_a_truncated_database(make_workspace) -> None:
    ws = make_workspace()
    ws.close()
    db = ws.path / "workspace.sqlite3"
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    data = db.read_bytes()
    db.write_bytes(data[:200])  # header kept, pages gone
    with pytest.raises(WorkspaceError, match="the database is damaged"):
        Workspace.open(ws.path)


def test_a_database_from_a_newer_version_is_refused(make_workspace) -> None:
    ws = make_workspace()
    ws.close()
    with sqlite3.connect(ws.path / "workspace.sqlite3") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(WorkspaceError, match="newer version"):
        Workspace.open(ws.path)


def test_opening_an_older_database_backs_it_up_then_migrates(make_workspace, tmp_path: Path, monkeypatch) -> None:
    ws = make_workspace()
    ws.close()
    # A second migration, as a later release would ship, in a copy of the migrations folder.
    scripts = tmp_path / "migrations"
    shutil.copytree(Path(migrate.__file__).parent / "migrations", scripts)
    head = migrate.head_revision()
    (scripts / "versions" / "9001_sites_note.py").write_text(
        '"""add a note to the service profile"""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = '9001'\ndown_revision = '{head}'\nbranch_labels = None\ndepends_on = None\n\n"
        "def upgrade():\n"
        "    with op.batch_alter_table('service_profile') as batch:\n"
        "        batch.add_column(sa.Column('note', sa.Text(), nullable=True))\n\n"
        "def downgrade():\n    pass\n"
    )
    monkeypatch.setattr(migrate, "migrations_folder", lambda: scripts)

    with Workspace.open(ws.path) as reopened, reopened.engine.connect() as connection:
        assert migrate.current_revision(connection) == "9001"
        assert connection.execute(text("SELECT name, note FROM service_profile")).one() == ("Riverside Imaging", None)
    (backup,) = (ws.path / "backups").glob("*-before-9001.sqlite3")
    with sqlite3.connect(backup) as old:
        assert old.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
        assert old.execute("SELECT name FROM service_profile").fetchone() == ("Riverside Imaging",)


def test_migrations_have_one_head_and_match_the_models(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from qsi_desktop.store.engine import make_engine
    from qsi_desktop.store.models import Base

    assert migrate.head_revision() == "0005"
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == [], "models changed without a migration"


@pytest.mark.backends
def test_every_change_is_audited_with_before_and_after(make_workspace, backend) -> None:
    ws = make_workspace()
    with ws.transaction("alice") as session:
        session.scalars(select(ServiceProfile)).one().name = "Riverside Imaging Service"
    with ws.reading() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.actor, entry.action, entry.entity) == (backend.actor("alice"), "update", "service_profile")
    assert entry.before == {"name": "Riverside Imaging"} and entry.after == {"name": "Riverside Imaging Service"}


@pytest.mark.backends
def test_a_failed_transaction_leaves_neither_change_nor_audit(make_workspace) -> None:
    ws = make_workspace()
    with ws.reading() as session:
        before = session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(RuntimeError), ws.transaction("bob") as session:
        session.scalars(select(ServiceProfile)).one().name = "Changed"
        session.flush()
        raise RuntimeError("power cut")
    with ws.reading() as session:
        assert session.scalars(select(ServiceProfile)).one().name == "Riverside Imaging"
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


# -- evidence file store -------------------------------------------------------------------------------


def test_evidence_files_are_content_addressed_read_only_and_stored_once(tmp_path: Path) -> None:
    store = EvidenceFileStore(tmp_path / "evidence")
    source = tmp_path / "policy.docx"
    source.write_bytes(b"PK\x03\x04 policy v3" * 1000)
    first = store.put(source)
    second = store.put(source)
    assert first == second and first.sha256 == sha256_of(source)
    assert first.path == tmp_path / "evidence" / "sha256" / first.sha256[:2] / first.sha256[2:]
    assert not first.path.stat().st_mode & stat.S_IWUSR
    assert list((tmp_path / "evidence" / "tmp").iterdir()) == []
    assert store.verify(first.sha256) is None


def test_verify_detects_a_changed_or_missing_file_and_put_repairs_it(tmp_path: Path) -> None:
    store = EvidenceFileStore(tmp_path / "evidence")
    source = tmp_path / "audit.pdf"
    source.write_bytes(b"%PDF-1.7 audit results")
    stored = store.put(source)
    stored.path.chmod(0o644)
    stored.path.write_bytes(b"tampered")
    assert "content changed" in store.verify(stored.sha256)
    store.put(source)  # adding the same content again restores the good copy
    assert store.verify(stored.sha256) is None
    stored.path.chmod(0o644)
    stored.path.unlink()
    assert store.verify(stored.sha256) == "file missing from the evidence store"


def test_a_crash_during_rename_leaves_no_partial_file(tmp_path: Path, monkeypatch) -> None:
    store = EvidenceFileStore(tmp_path / "evidence")
    source = tmp_path / "big.bin"
    source.write_bytes(b"x" * 3_000_000)

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("qsi_desktop.store.evidence_files.os.replace", fail)
    with pytest.raises(EvidenceFileError, match="No space left"):
        store.put(source)
    assert [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()] == []


def _extra_migration(tmp_path: Path, monkeypatch, body: str) -> None:
    """Install a copy of the migrations with a 9001 revision whose upgrade() runs ``body``."""
    scripts = tmp_path / "migrations-extra"
    shutil.copytree(Path(migrate.__file__).parent / "migrations", scripts)
    head = migrate.head_revision()
    (scripts / "versions" / "9001_extra.py").write_text(
        '"""a later release\'s migration"""\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
        f"revision = '9001'\ndown_revision = '{head}'\nbranch_labels = None\ndepends_on = None\n\n"
        f"def upgrade():\n{body}\n\ndef downgrade():\n    pass\n"
    )
    monkeypatch.setattr(migrate, "migrations_folder", lambda: scripts)


def test_a_failed_migration_leaves_the_database_as_it_was(make_workspace, tmp_path: Path, monkeypatch) -> None:
    ws = make_workspace()
    ws.close()
    head = migrate.head_revision()
    _extra_migration(
        tmp_path,
        monkeypatch,
        (
            "    op.create_table('new_thing', sa.Column('id', sa.Integer, primary_key=True))\n"
            "    with op.batch_alter_table('action') as batch:\n"
            "        batch.add_column(sa.Column('priority', sa.Integer()))\n"
            "    raise RuntimeError('bug in a migration')"
        ),
    )
    with pytest.raises(RuntimeError, match="bug in a migration"):
        Workspace.open(ws.path)
    with sqlite3.connect(ws.path / "workspace.sqlite3") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        columns = {row[1] for row in connection.execute("PRAGMA table_info(action)")}
    assert "new_thing" not in tables and "priority" not in columns
    monkeypatch.undo()
    Workspace.open(ws.path).close()  # still opens with this version


@pytest.mark.backends
def test_two_writers_never_lose_an_update(make_workspace, backend) -> None:
    import threading
    import time

    from qsi_desktop.store.models import Assessment

    ws = make_workspace()
    with ws.transaction("setup") as session:
        session.add(
            Assessment(
                framework_id="qsi-2026-draft",
                statement_ref="XR-102",
                owner="Original",
                narrative="",
                justification="",
                signed_off_by="",
            )
        )
    other = Workspace.open(ws.path)  # a second process's view of the same workspace
    seen_by_b: list[str] = []

    def writer_b() -> None:
        with other.transaction("bob") as session:
            row = session.scalars(select(Assessment)).one()
            seen_by_b.append(row.owner)
            row.owner = row.owner + " + Bob"

    with ws.transaction("alice") as session:
        row = session.scalars(select(Assessment)).one()
        thread = threading.Thread(target=writer_b)
        thread.start()
        time.sleep(0.3)  # B now waits for A's write lock instead of reading a value about to change
        row.owner = "Alice"
    thread.join(timeout=15)
    other.close()
    assert seen_by_b == ["Alice"]
    with ws.reading() as session:
        assert session.scalars(select(Assessment)).one().owner == "Alice + Bob"
        trail = [
            (e.actor, e.before, e.after)
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.entity == "assessment").order_by(AuditEntry.id)
            )
        ][1:]
    assert trail == [
        (backend.actor("alice"), {"owner": "Original"}, {"owner": "Alice"}),
        (backend.actor("bob"), {"owner": "Alice"}, {"owner": "Alice + Bob"}),
    ]


def test_a_read_only_workspace_is_reported_as_such(make_workspace) -> None:
    from sqlalchemy import event

    ws = make_workspace()
    ws.engine.dispose()
    event.listen(ws.engine, "connect", lambda connection, record: connection.execute("PRAGMA query_only=ON"))
    with pytest.raises(WorkspaceError, match="read-only for you") as caught, ws.transaction("t") as session:
        session.scalars(select(ServiceProfile)).one().name = "Changed"
    assert "damaged" not in str(caught.value)


def test_an_interrupted_copy_leaves_nothing_behind(tmp_path: Path, monkeypatch) -> None:
    import qsi_desktop.store.evidence_files as evidence_files

    store = EvidenceFileStore(tmp_path / "evidence")
    source = tmp_path / "big.bin"
    source.write_bytes(b"y" * 3_000_000)

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(evidence_files, "_copy_and_hash", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.put(source)
    assert store.incoming_files() == []
    assert [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()] == []


def test_is_network_path_matches_whole_mount_points(tmp_path: Path, monkeypatch) -> None:
    from qsi_desktop.store import workspace

    mounts = "nas:/share /mnt/nas nfs4 rw 0 0\nserver/x /mnt/team\\040share cifs rw 0 0\n/dev/sda1 / ext4 rw 0 0\n"
    real_read_text = Path.read_text
    monkeypatch.setattr(
        Path,
        "read_text",
        lambda self, *a, **k: mounts if str(self) == "/proc/mounts" else real_read_text(self, *a, **k),
    )
    monkeypatch.setattr(Path, "resolve", lambda self, strict=False: self)
    assert workspace.is_network_path(Path("/mnt/nas/qsi"))
    assert workspace.is_network_path(Path("/mnt/team share/qsi"))
    assert not workspace.is_network_path(Path("/mnt/nas2/qsi"))
    assert not workspace.is_network_path(Path("/home/me/qsi"))
    assert workspace.is_network_path(Path("//server/share/qsi"))


def test_the_first_open_of_a_day_keeps_a_backup_copy(make_workspace) -> None:
    ws = make_workspace()
    ws.close()
    for _ in range(3):
        Workspace.open(ws.path).close()
    (daily,) = (ws.path / "backups").glob("*-daily.sqlite3")
    with sqlite3.connect(daily) as copy:
        assert copy.execute("SELECT name FROM service_profile").fetchone() == ("Riverside Imaging",)


def test_a_version_1_database_keeps_its_records_through_migration_0002(tmp_path: Path) -> None:
    """Records stored before plugin API 2 stay current, with shape version 1 and no group."""
    from alembic import command

    from qsi_desktop.store.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(
            text(
                "INSERT INTO import_run (id, importer, started_at, actor, files, imported, "
                "duplicates, skipped, rejected, cancelled) VALUES (1, 'x', '2026-01-01', 'a', 1, 1, "
                "0, 0, 0, 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO imported_record (importer, record_key, data, occurred_on, import_run_id) "
                "VALUES ('x', 'k', '{\"a\": 1}', '2026-01', 1)"
            )
        )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT current, shape_version, group_key, rank, data FROM imported_record"))
        assert row.one() == (1, 1, None, 0.0, '{"a": 1}')
        assert connection.execute(text("SELECT replaced, undone_by FROM import_run")).one() == (0, "")
    engine.dispose()


@pytest.mark.backends
def test_stored_tables_are_saved_whole_audited_and_deleted(make_workspace, backend) -> None:
    from qsi_desktop.services import stored_tables
    from qsi_desktop.services.audit import list_audit

    ws = make_workspace()
    assert stored_tables.get(ws, "dose", "drl-local", default=[]) == []
    stored_tables.put(ws, "dose", "drl-local", [{"exam": "CT head", "dlp": 800}], actor="physicist")
    stored_tables.put(ws, "dose", "drl-local", [{"exam": "CT head", "dlp": 780}], actor="physicist")
    assert stored_tables.get(ws, "dose", "drl-local") == [{"exam": "CT head", "dlp": 780}]
    assert stored_tables.keys(ws, "dose") == ["drl-local"]
    entries = [e for e in list_audit(ws, 10) if e.entity == "stored_table"]
    assert [e.action for e in entries] == ["update", "create"] and entries[0].actor == backend.actor("physicist")
    stored_tables.put(ws, "dose", "drl-local", None, actor="physicist")
    assert stored_tables.get(ws, "dose", "drl-local") is None
