"""Team workspaces on a PostgreSQL server: the marker, opening, errors in one line, and moving a
workspace to the server and back with every row and every evidence hash compared."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from qsi_desktop.services.app import App
from qsi_desktop.services.demo import build_demo
from qsi_desktop.store import migrate
from qsi_desktop.store.engine import make_engine
from qsi_desktop.store.models import Assessment, EvidenceItem
from qsi_desktop.store.server import ServerAddress
from qsi_desktop.store.transfer import compare_databases
from qsi_desktop.store.workspace import Workspace, WorkspaceError, sqlite_url
from tests.conftest import PG_OWNER, CliResult, PgServer

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


def _one_line(result: CliResult) -> str:
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qsi: error: "), result.err
    return lines[0]


def test_a_team_workspace_keeps_its_database_on_the_server_and_no_password(cli, tmp_path: Path, backend) -> None:
    path = tmp_path / "share" / "ws"
    address = backend.new_database()
    result = cli("init", path, "--service", "Team", "--modalities", "CT", "--database", address)
    assert result.code == 0, result.err
    assert " on " in result.out and "qsi_t" in result.out
    marker = json.loads((path / "qsi-workspace.json").read_text())
    assert marker["format"] == 2 and marker["database"].startswith("postgresql+psycopg:///")
    assert PG_OWNER not in marker["database"]  # each user logs in as themselves
    assert not (path / "workspace.sqlite3").exists()
    assert cli("assess", path, "XR-501", "--status", "met").code == 0
    with Workspace.open(path) as ws:
        assert ws.is_team and ws.access.role == "quality-lead" and ws.access.login == PG_OWNER
        assert ws.database_path == Path() and ws.location.endswith("/" + address.split("?")[0].rsplit("/", 1)[1])


def test_a_network_share_does_not_warn_for_a_team_workspace(cli, tmp_path: Path, backend, monkeypatch) -> None:
    import qsi_desktop.cli as cli_module

    monkeypatch.setattr(cli_module, "is_network_path", lambda path: True)
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "Team").code == 0
    result = cli("status", path)
    assert result.code == 0 and "network drive" not in result.err


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("postgresql://someone:secret@db.example/qsi", "not in the database address"),
        ("mysql://someone@db.example/qsi", "need a PostgreSQL address"),
        ("postgresql://someone@db.example", "names no database"),
    ],
)
def test_bad_database_addresses_are_one_line_and_echo_no_password(cli, tmp_path: Path, backend, address, expected):
    line = _one_line(cli("init", tmp_path / "ws", "--service", "X", "--database", address))
    assert expected in line and "secret" not in line
    assert not (tmp_path / "ws").exists()


def test_a_server_that_is_down_or_refuses_the_login_is_one_line(cli, tmp_path: Path, backend, monkeypatch) -> None:
    server: PgServer = backend.server
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "Team").code == 0
    monkeypatch.setenv("PGPASSWORD", "hunter2-secret")
    monkeypatch.setenv("PGUSER", "nobody_here")
    line = _one_line(cli("status", path))
    assert "the server has no login nobody_here" in line and "hunter2" not in line
    monkeypatch.setenv("PGUSER", PG_OWNER)
    marker = path / "qsi-workspace.json"
    meta = json.loads(marker.read_text())
    meta["database"] = meta["database"].replace(f"port={server.port}", "port=1")
    marker.write_text(json.dumps(meta))
    line = _one_line(cli("status", path))
    assert "cannot reach the database server" in line and "hunter2" not in line
    empty = tmp_path / "other"
    line = _one_line(cli("init", empty, "--service", "X", "--database", server.url("no_such_db")))
    assert "the database does not exist on the server" in line
    assert not empty.exists()


def test_a_database_in_use_is_refused_and_a_newer_schema_too(cli, tmp_path: Path, backend) -> None:
    address = backend.new_database()
    assert cli("init", tmp_path / "a", "--service", "A", "--database", address).code == 0
    line = _one_line(cli("init", tmp_path / "b", "--service", "B", "--database", address))
    assert "already holds a QSI workspace" in line and not (tmp_path / "b").exists()
    engine = make_engine(address.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    engine.dispose()
    assert "written by a newer version" in _one_line(cli("status", tmp_path / "a"))


def _evidence_hashes(path: Path) -> dict[int, str]:
    with Workspace.open(path) as ws, ws.reading() as session:
        items = session.execute(select(EvidenceItem.id, EvidenceItem.file_sha256)).all()
        return {
            item_id: hashlib.sha256(ws.files.path_for(sha).read_bytes()).hexdigest() for item_id, sha in items if sha
        }


def test_migrate_to_the_server_and_back_loses_nothing(cli, tmp_path: Path, backend, full_app: App) -> None:
    path = build_demo(tmp_path / "demo", full_app, actor="test-user")
    cli("import", path, "mr-environment", Path(__file__).parent.parent / "qsi_desktop/selftest/data/mr-environment.csv")
    hashes = _evidence_hashes(path)
    assert len(hashes) >= 3 and all(hashes.values())
    original = tmp_path / "original.sqlite3"
    with sqlite3.connect(path / "workspace.sqlite3") as source, sqlite3.connect(original) as copy:
        source.backup(copy)

    result = cli("migrate-to", path, backend.new_database(), "--quiet")
    assert result.code == 0, result.err
    assert "every row compared" in result.out and f"{len(hashes)} evidence files checked" in result.out
    marker = json.loads((path / "qsi-workspace.json").read_text())
    assert marker["format"] == 2 and not (path / "workspace.sqlite3").exists()
    kept = list((path / "backups").glob("*before-migrate-to-postgresql.sqlite3"))
    assert len(kept) == 1
    with Workspace.open(path) as ws:
        assert ws.is_team
        copy = make_engine(sqlite_url(original))
        assert compare_databases(copy, ws.engine) == []  # every row of every table, audit trail included
        copy.dispose()
        # the sequences were moved past the copied ids: a new row gets a new id
        with ws.transaction("test-user") as session:
            session.add(Assessment(framework_id="qsi-2026-draft", statement_ref="XR-899", owner="After the move"))
        with ws.reading() as session:
            ids = session.scalars(select(Assessment.id)).all()
        assert len(ids) == len(set(ids))
    assert _evidence_hashes(path) == hashes
    assert "already a team workspace" in _one_line(cli("migrate-to", path, backend.new_database()))

    result = cli("migrate-to", path, "sqlite", "--quiet")
    assert result.code == 0, result.err
    assert json.loads((path / "qsi-workspace.json").read_text())["format"] == 1
    with Workspace.open(path) as ws:
        assert not ws.is_team
        server = make_engine(ServerAddress.from_marker(marker["database"]).login_url())
        assert compare_databases(server, ws.engine) == []  # the server's copy is kept as it was
        server.dispose()
        with ws.reading() as session:
            assert session.scalars(select(Assessment).where(Assessment.statement_ref == "XR-899")).one()
    assert _evidence_hashes(path) == hashes
    assert cli("verify", path).code == 0


def test_migrate_to_a_database_in_use_changes_nothing(cli, tmp_path: Path, backend) -> None:
    address = backend.new_database()
    assert cli("init", tmp_path / "team", "--service", "T", "--database", address).code == 0
    local = tmp_path / "local"
    backend.server = None  # the next init is a SQLite one
    assert cli("init", local, "--service", "L").code == 0
    line = _one_line(cli("migrate-to", local, address))
    assert "already holds a QSI workspace" in line
    assert json.loads((local / "qsi-workspace.json").read_text())["format"] == 1
    assert (local / "workspace.sqlite3").exists() and cli("status", local).code == 0


def test_migrations_on_the_server_need_its_owner(cli, tmp_path: Path, backend, monkeypatch) -> None:
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "T").code == 0
    assert cli("user", "add", path, "rita", "--role", "reader").code == 0
    marker = json.loads((path / "qsi-workspace.json").read_text())
    engine = make_engine(ServerAddress.from_marker(marker["database"]).login_url())
    with engine.begin() as connection:  # as if made by the previous version
        connection.exec_driver_sql("ALTER TABLE evidence_item DROP COLUMN retired_at, DROP COLUMN retired_by")
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0004'")
    engine.dispose()
    monkeypatch.setenv("PGUSER", "rita")
    with pytest.raises(WorkspaceError, match="only its owner may do that"):
        Workspace.open(path)
    monkeypatch.setenv("PGUSER", PG_OWNER)
    with Workspace.open(path) as ws:  # the owner upgrades, in one transaction, and grants again
        assert migrate.needs_upgrade(ws.engine)[0] == migrate.head_revision()
    monkeypatch.setenv("PGUSER", "rita")
    assert cli("status", path).code == 0


def test_a_writer_waiting_too_long_is_told_the_workspace_is_busy(cli, tmp_path: Path, backend, monkeypatch) -> None:
    from qsi_desktop.store import engine as engine_module

    monkeypatch.setitem(engine_module.PG_TIMEOUTS, "lock_timeout", 300)  # ms; 10 s in use
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "T").code == 0
    with Workspace.open(path) as first, Workspace.open(path) as second:
        with first.reading() as session:
            assert session.connection().exec_driver_sql("SHOW lock_timeout").scalar() == "300ms"
            assert session.connection().exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar() == "2min"
        with first.transaction("test-user") as session:  # holds the write lock ...
            session.add(Assessment(framework_id="qsi-2026-draft", statement_ref="XR-101"))
            session.flush()
            # ... the other waits for it, then gives up with a clear line
            with pytest.raises(WorkspaceError, match="the workspace is busy"), second.transaction("test-user") as other:
                other.add(Assessment(framework_id="qsi-2026-draft", statement_ref="XR-102"))
        with second.transaction("test-user") as other:  # and writes once the lock is free
            other.add(Assessment(framework_id="qsi-2026-draft", statement_ref="XR-102"))
    with Workspace.open(path) as ws, ws.reading() as session:
        assert sorted(session.scalars(select(Assessment.statement_ref))) == ["XR-101", "XR-102"]
