"""Shared fixtures: an App with an explicit plugin list (never discovery), workspaces, the CLI, and the
database backends: tests marked ``@pytest.mark.backends`` run on SQLite and on a throwaway PostgreSQL
cluster (skipped cleanly where no PostgreSQL server binaries are installed; CI installs them)."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from qsi_desktop.cli import main
from qsi_desktop.services.app import App
from qsi_desktop.store.workspace import NewProfile, Workspace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["QSI_ACTOR"] = "test-user"

ALL_PLUGINS = [f"qsi_plugin_{m}.plugin" for m in ("ct", "ir", "mr", "nm", "us")]


def builtin_importers() -> tuple[str, ...]:
    """Every importer the built-in plugins register (for tests that must cover each one)."""
    return tuple(sorted(i.name for i in App.load(plugins=ALL_PLUGINS).plugins.importers()))


@pytest.fixture(autouse=True)
def _no_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI discovers installed plugins; tests that need a fixed list set it explicitly.
    monkeypatch.setenv("QSI_DISABLE_PLUGIN_DISCOVERY", "1")


@pytest.fixture(scope="session")
def core_app() -> App:
    return App.load(plugins=[])


@pytest.fixture(scope="session")
def full_app() -> App:
    return App.load(plugins=ALL_PLUGINS)


# -- database backends ---------------------------------------------------------------------------

PG_OWNER = "test-user"  # the login that creates team workspaces: QSI_ACTOR's name, so audit names match


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("backends"):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


def _pg_bin(name: str) -> str | None:
    return shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    """A throwaway PostgreSQL cluster on a Unix socket; ``qsi`` is its superuser (trust logins)."""

    socket_dir: Path
    port: int
    run_as: list[str]
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str, user: str | None = PG_OWNER) -> str:
        who = f"{user}@" if user else ""
        return f"postgresql://{who}/{database}?host={self.socket_dir}&port={self.port}"

    def sql(self, statement: str, database: str = "postgres", user: str = "qsi") -> None:
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), port=self.port, user=user, dbname=database) as connection:
            connection.autocommit = True
            connection.execute(statement)

    def new_database(self, owner: str = PG_OWNER) -> str:
        """A new empty database owned by ``owner``, as IT would hand it out; its address."""
        name = f"qsi_t{os.getpid()}_{next(self._numbers)}"
        self.sql(f'CREATE DATABASE {name} OWNER "{owner}"')
        return self.url(name, owner)

    def create_login(self, name: str, *options: str) -> None:
        self.sql(f'CREATE ROLE "{name}" LOGIN {" ".join(options)}')


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    pytest.importorskip("psycopg")
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        if os.environ.get("CI"):  # CI installs PostgreSQL: a missing server there is a broken set-up
            pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    root = Path(tempfile.mkdtemp(prefix="qsi-pg-"))
    # PostgreSQL refuses to run as root: run the throwaway cluster as the postgres user when we are root.
    run_as: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser")
        shutil.chown(root, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()
    subprocess.run(
        [*run_as, initdb, "-D", str(data), "-U", "qsi", "--auth=trust", "-E", "UTF8"], check=True, capture_output=True
    )
    options = f"-k {root} -p {port} -c listen_addresses='' -c fsync=off -c max_connections=200"
    subprocess.run(
        [*run_as, pg_ctl, "start", "-D", str(data), "-w", "-l", str(root / "log"), "-o", options],
        check=True,
        capture_output=True,
    )
    try:
        server = PgServer(root, port, run_as)
        server.create_login(PG_OWNER, "CREATEROLE")  # not a superuser: the server's checks apply to it
        yield server
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Backend:
    name: str  # "sqlite" or "postgresql"
    server: PgServer | None = None

    def new_database(self) -> str | None:
        """The ``database=`` for a new workspace: None on SQLite, a new empty database on PostgreSQL."""
        return self.server.new_database() if self.server is not None else None

    def stored_bytes(self, ws: Workspace) -> bytes:
        """Everything the workspace's database holds, to search for text that must never be stored."""
        if self.server is None:
            return b"".join(p.read_bytes() for p in ws.path.glob("workspace.sqlite3*"))
        from sqlalchemy import select

        from qsi_desktop.store.transfer import tables

        with ws.engine.connect() as connection:
            return b"\n".join(
                repr(tuple(row)).encode() for table in tables() for row in connection.execute(select(table))
            )

    def actor(self, name: str) -> str:
        """The audit trail's name for a change made with ``actor=name``: on a server the login is
        recorded, and a name typed by a quality lead as "NAME (entered by LOGIN)"."""
        return name if self.server is None or name == PG_OWNER else f"{name} (entered by {PG_OWNER})"


@pytest.fixture
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Backend:
    name = getattr(request, "param", "sqlite")
    if name == "sqlite":
        return Backend(name)
    server = request.getfixturevalue("pg_server")
    monkeypatch.setenv("PGUSER", PG_OWNER)  # who opens team workspaces (libpq's own variable)
    return Backend(name, server)


@pytest.fixture
def make_workspace(tmp_path: Path, full_app: App, backend: Backend) -> Callable[..., Workspace]:
    created: list[Workspace] = []

    def make(
        name: str = "ws",
        *,
        modalities: tuple[str, ...] = ("CT", "MR", "US"),
        paediatric: bool = True,
    ) -> Workspace:
        ws = Workspace.create(
            tmp_path / name,
            NewProfile("Riverside Imaging", "Riverside NHS FT", ("General",), modalities, {"paediatric": paediatric}),
            framework_id=full_app.framework_id,
            actor="test-user",
            database=backend.new_database(),
        )
        created.append(ws)
        return ws

    yield make
    for ws in created:
        ws.close()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, backend: Backend
) -> Callable[..., CliResult]:
    """Run ``qsi`` in-process with all five plugins listed explicitly; on the PostgreSQL backend,
    ``qsi init`` makes a team workspace on a new database."""
    import qsi_desktop.services.app as app_module

    original = app_module.App.load.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(app_module.App, "load", classmethod(lambda cls, plugins=None: original(cls, ALL_PLUGINS)))

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        argv = [str(a) for a in args]
        if backend.server is not None and argv[:1] == ["init"] and "--database" not in argv:
            argv += ["--database", str(backend.new_database())]
        code = main(argv)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
