"""Team mode: users and roles enforced in the services (both backends) and by the server (PostgreSQL),
the login as the actor, team workspaces on a server, and their errors in one line."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from tests.conftest import PG_OWNER, Backend, CliResult

SAMPLES = Path(str(resources.files("qsi_desktop.selftest") / "data"))


def _one_line(result: CliResult) -> str:
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qsi: error: "), result.err
    return lines[0]


@pytest.fixture
def login(monkeypatch: pytest.MonkeyPatch):
    """Act as ``name``: the OS login (SQLite) and the database login (PostgreSQL)."""
    monkeypatch.delenv("QSI_ACTOR", raising=False)  # the login is the actor now

    def as_user(name: str) -> None:
        for variable in ("LOGNAME", "USER", "PGUSER"):
            monkeypatch.setenv(variable, name)

    as_user(PG_OWNER)
    return as_user


@pytest.fixture
def team(cli, tmp_path: Path, login, backend: Backend) -> Path:
    """A workspace with a quality lead (test-user), a CT lead (carol), an MR lead (mo) and a reader (rita)."""
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "Riverside", "--modalities", "CT,MR,US").code == 0
    for args in (
        (PG_OWNER, "--role", "quality-lead"),
        ("carol", "--role", "modality-lead", "--modality", "CT"),
        ("mo", "--role", "modality_lead", "--modality", "mr"),
        ("rita", "--role", "reader"),
    ):
        result = cli("user", "add", path, *args)
        assert result.code == 0, result.err
    return path


@pytest.mark.backends
def test_users_are_listed_with_their_roles_and_who_you_are(cli, team: Path, login) -> None:
    listed = json.loads(cli("user", "list", team, "--json").out)
    roles = {u["name"]: (u["role"], u["modalities"]) for u in listed["users"]}
    assert roles == {
        PG_OWNER: ("quality-lead", []),
        "carol": ("modality-lead", ["CT"]),
        "mo": ("modality-lead", ["MR"]),
        "rita": ("reader", []),
    }
    login("carol")
    assert "carol, modality lead for CT" in cli("user", "list", team).out


@pytest.mark.backends
def test_a_modality_lead_changes_their_modality_only(cli, team: Path, login, backend: Backend) -> None:
    login("carol")
    assert cli("assess", team, "CT-901", "--status", "met").code == 0
    assert cli("action", "add", team, "CT-902", "Audit the DRLs").code == 0
    assert cli("checklist", "answer", team, "ct.drl-audit", "local-drls", "--answer", "yes").code == 0
    line = _one_line(cli("assess", team, "XR-501", "--status", "met"))
    assert "carol may not change XR-501: that needs the quality lead role" in line
    line = _one_line(cli("assess", team, "MR-901", "--status", "met"))
    assert "needs the quality lead or the MR modality lead role" in line
    line = _one_line(cli("checklist", "answer", team, "mr.safety-roles", "mrrp", "--answer", "yes"))
    assert "checklist mr.safety-roles" in line and "MR modality lead" in line
    line = _one_line(cli("register", "add", team, "mr.units", "--set", "site=Main", "--set", "room=1",
                         "--set", "scanner=X", "--set", "field_strength=1.5"))  # fmt: skip
    assert "register mr.units" in line
    assert "MR modality lead" in _one_line(cli("import", team, "mr-environment", SAMPLES / "mr-environment.csv"))
    line = _one_line(cli("profile", team, "--service", "Renamed"))
    assert "needs the quality lead role" in line
    assert "needs the quality lead role" in _one_line(cli("user", "add", team, "eve", "--role", "reader"))
    login("mo")
    assert cli("import", team, "mr-environment", SAMPLES / "mr-environment.csv").code == 0
    assert cli("register", "add", team, "mr.units", "--set", "site=Main", "--set", "room=1",
               "--set", "scanner=X", "--set", "field_strength=1.5").code == 0  # fmt: skip
    audit = json.loads(cli("audit", team, "--json").out)
    assert {e["actor"] for e in audit if "CT-90" in e["summary"]} == {"carol"}
    assert not any(e["actor"] == "carol" and "XR-501" in e["summary"] for e in audit)


@pytest.mark.backends
def test_evidence_links_follow_the_statements_roles(cli, team: Path, login, tmp_path: Path) -> None:
    policy = tmp_path / "ct-policy.txt"
    policy.write_text("CT protocol review\n", encoding="utf-8")
    login("carol")
    assert cli("evidence", "add", team, policy, "--qs", "CT-901", "--title", "CT policy").code == 0
    trust = tmp_path / "trust.txt"
    trust.write_text("Trust policy\n", encoding="utf-8")
    assert "XR-501" in _one_line(cli("evidence", "add", team, trust, "--qs", "XR-501,CT-901"))
    login(PG_OWNER)
    assert cli("evidence", "add", team, trust, "--qs", "XR-501", "--title", "Trust policy").code == 0
    items = {i["title"]: i["id"] for i in json.loads(cli("evidence", "list", team, "--json").out)}
    login("carol")  # linking the trust's policy to a CT statement is the CT lead's to do ...
    assert cli("evidence", "edit", team, str(items["Trust policy"]), "--qs", "CT-902").code == 0
    # ... editing the document itself, used by XR-501 as well, is not
    line = _one_line(cli("evidence", "edit", team, str(items["Trust policy"]), "--title", "Mine"))
    assert "needs the quality lead role" in line


@pytest.mark.backends
def test_a_reader_writes_nothing_and_is_told_which_role_is_needed(cli, team: Path, login, tmp_path: Path) -> None:
    before = cli("audit", team, "--json").out
    login("rita")
    assert cli("status", team).code == 0
    line = _one_line(cli("assess", team, "CT-901", "--status", "met"))
    assert (
        line == "qsi: error: rita is a reader: changing this workspace needs the quality lead or a modality lead role"
    )
    note = tmp_path / "note.txt"
    note.write_text("x", encoding="utf-8")
    assert "rita is a reader" in _one_line(cli("evidence", "add", team, note))
    assert not [f for f in (team / "evidence").rglob("*") if f.is_file()]  # refused before the file was stored
    assert "rita is a reader" in _one_line(cli("checklist", "answer", team, "ct.drl-audit", "local-drls",
                                               "--answer", "yes"))  # fmt: skip
    login(PG_OWNER)
    assert cli("audit", team, "--json").out == before


@pytest.mark.backends
def test_the_actor_is_the_login_and_only_a_quality_lead_names_someone_else(cli, team: Path, login) -> None:
    assert cli("--actor", "Dr Smith", "assess", team, "XR-501", "--status", "met").code == 0
    entry = json.loads(cli("audit", team, "--json", "--limit", "1").out)[0]
    assert entry["actor"] == f"Dr Smith (entered by {PG_OWNER})"
    login("carol")
    line = _one_line(cli("--actor", "Dr Smith", "assess", team, "CT-901", "--status", "met"))
    assert "recording a change under another name (Dr Smith) needs the quality lead role" in line


@pytest.mark.backends
def test_removing_a_user_takes_their_rights_away(cli, team: Path, login, backend: Backend) -> None:
    assert cli("user", "remove", team, "carol").code == 0
    assert "removed mo" in cli("user", "remove", team, "mo").out
    assert "not a user" in _one_line(cli("user", "remove", team, "carol"))
    login("carol")
    line = _one_line(cli("assess", team, "CT-901", "--status", "met"))
    # SQLite: an OS login that is not a user reads; the server does not even let them read
    assert ("carol is a reader" if backend.server is None else "carol is not a user of this team workspace") in line


def test_sqlite_without_users_is_unchanged_and_the_first_user_must_be_a_quality_lead(cli, tmp_path: Path, login):
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "Solo").code == 0
    assert cli("--actor", "Anyone", "assess", path, "XR-501", "--status", "met").code == 0
    assert json.loads(cli("audit", path, "--json", "--limit", "1").out)[0]["actor"] == "Anyone"
    assert "first user must be a quality lead" in _one_line(cli("user", "add", path, "rita", "--role", "reader"))
    assert cli("user", "add", path, PG_OWNER, "--role", "quality-lead").code == 0
    login("stranger")  # an OS login that is not a user reads, and writes nothing
    assert "stranger is a reader" in _one_line(cli("assess", path, "XR-501", "--status", "met"))
    login(PG_OWNER)
    assert cli("user", "add", path, "rita", "--role", "reader").code == 0
    assert "last quality lead" in _one_line(cli("user", "remove", path, PG_OWNER))
    assert "a login name" in _one_line(cli("user", "add", path, "x y", "--role", "reader"))
    assert "modality lead needs --modality" in _one_line(cli("user", "add", path, "m", "--role", "modality-lead"))
    assert "unknown modality" in _one_line(cli("user", "add", path, "m", "--role", "modality-lead", "--modality", "XX"))
    assert "unknown role" in _one_line(cli("user", "add", path, "m", "--role", "boss"))


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_server_refuses_what_the_roles_refuse_to_a_direct_login(cli, team: Path, backend: Backend) -> None:
    """A reader or a modality lead connecting with psql, not through QSI Desktop, is held by the server."""
    import psycopg

    database = json.loads((team / "qsi-workspace.json").read_text())["database"].split("/")[-1].split("?")[0]
    server = backend.server

    def connect(user: str) -> psycopg.Connection:
        return psycopg.connect(host=str(server.socket_dir), port=server.port, user=user, dbname=database)

    with connect("rita") as reader:
        assert reader.execute("SELECT count(*) FROM assessment").fetchone() is not None
        for statement in (
            "UPDATE assessment SET owner = 'x'",
            "INSERT INTO setting (key, value) VALUES ('k', 'v')",
            "DELETE FROM audit_log",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(statement)
            reader.rollback()
    insert = (
        "INSERT INTO assessment (version_id, framework_id, statement_ref, status, owner, narrative, justification, "
        "signed_off_by, updated_at, updated_by) VALUES (1, 'qsi-2026-draft', %s, 'met', '', '', '', '', now(), 'c')"
    )
    with connect("carol") as lead:
        lead.execute(insert, ("CT-903",))  # their own modality
        lead.commit()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # row-level security: not their modality
            lead.execute(insert, ("XR-503",))
        lead.rollback()
        assert lead.execute("UPDATE assessment SET owner = 'x' WHERE statement_ref = 'XR-501'").rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            lead.execute("UPDATE service_profile SET name = 'x'")
        lead.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            lead.execute("DELETE FROM audit_log")


def test_server_addresses_keep_no_user_or_password_and_the_keyring_is_asked(monkeypatch) -> None:
    import sys
    import types

    from qsi_desktop.store.server import ServerAddress, ServerAddressError

    address, user = ServerAddress.parse("postgresql://qlead@db.trust.nhs.uk:5433/qsi_riverside")
    assert user == "qlead" and address.label() == "db.trust.nhs.uk:5433/qsi_riverside"
    assert address.marker_text() == "postgresql+psycopg://db.trust.nhs.uk:5433/qsi_riverside"
    monkeypatch.setenv("PGUSER", "jsmith")
    assert address.login_url().username == "jsmith" and address.login_url("qlead").username == "qlead"
    asked: list[tuple[str, str]] = []
    fake = types.ModuleType("keyring")
    fake.get_password = lambda service, name: asked.append((service, name)) or "from-keyring"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    assert address.keyring_password() == "from-keyring"
    assert asked == [("qsi-desktop", "jsmith@db.trust.nhs.uk:5433/qsi_riverside")]
    monkeypatch.setenv("PGPASSWORD", "x")  # the environment wins, as in libpq
    assert address.keyring_password() is None
    for bad in ("postgresql://a:pw@h/db", "sqlite:///x.db", "postgresql://h", "not an address"):
        with pytest.raises(ServerAddressError):
            ServerAddress.parse(bad)


def test_what_each_row_needs_follows_its_modality() -> None:
    from qsi_desktop.store.access import LEAD_ONLY, MODALITY_LEAD, Access, ModalityMap, PermissionRefused
    from qsi_desktop.store.models import ChecklistResponse, RegisterRow, StoredTable

    lead = Access("carol", MODALITY_LEAD, frozenset({"MR"}), ModalityMap(modalities=frozenset({"CT", "MR"})))
    assert lead.need_of(ChecklistResponse(template_id="mr.safety-roles", item_key="x"))[0] == {"MR"}
    assert lead.need_of(RegisterRow(register_id="ct.kit", row_key="k"))[0] == {"CT"}
    assert lead.need_of(StoredTable(namespace="zone-map", key="main"))[0] == {"MR"}
    assert lead.need_of(StoredTable(namespace="team", key="users"))[0] == LEAD_ONLY
    lead.require(frozenset({"MR"}), "the MR zone map")
    with pytest.raises(PermissionRefused, match="needs the quality lead role"):
        lead.require(LEAD_ONLY, "team users")
