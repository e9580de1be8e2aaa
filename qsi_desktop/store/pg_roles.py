"""The roles of a team workspace as PostgreSQL roles, so the server refuses what the app refuses.

Per database (role names carry it: roles are cluster-wide, a server holds many workspaces):

    qsi_<db>_quality_lead    reads and writes every table; appends to the audit trail (and may
                             update it, for redaction), never deletes from it
    qsi_<db>_modality_lead   reads everything; writes the tables of statements, evidence, checklists,
                             registers and imports; row-level security limits the rows to their
                             modalities' (by the id prefixes: "CT-901", "ct.drl-audit", "ct-dose")
    qsi_<db>_reader          reads everything, writes nothing
    qsi_<db>_m_<code>        one per modality: membership says which modality a lead leads

The database owner (who ran ``qsi init``) is a quality lead. Users are ordinary login roles granted
one of the first three (and modality roles); ``qsi user`` does the granting.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

from qsi_desktop.store.access import MODALITY_LEAD, QUALITY_LEAD, READER

# Tables a modality lead writes; the rest (settings, the service profile) are the quality lead's.
MODALITY_TABLES = (
    "assessment",
    "action",
    "evidence_item",
    "evidence_link",
    "checklist_response",
    "register_row",
    "import_run",
    "import_issue",
    "imported_record",
    "stored_table",
)
# Row-level security: the column whose prefix names the modality, and the separator after it.
ROW_RULES = {
    "assessment": ("statement_ref", "-"),
    "action": ("statement_ref", "-"),
    "evidence_link": ("statement_ref", "-"),
    "checklist_response": ("template_id", "."),
    "register_row": ("register_id", "."),
    "import_run": ("importer", "-"),
    "imported_record": ("importer", "-"),
}
_SAFE = re.compile(r"[^a-z0-9_]")


def prefix(database: str) -> str:
    return "qsi_" + _SAFE.sub("_", database.lower())[:40]


def group_role(database: str, role: str) -> str:
    return f"{prefix(database)}_{role.replace('-', '_')}"


def modality_role(database: str, code: str) -> str:
    return f"{prefix(database)}_m_{_SAFE.sub('_', code.lower())}"


def quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def ensure_role(connection: Connection, name: str, *, login: bool = False) -> bool:
    """Create the role if missing; True when it was created."""
    if connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first():
        return False
    connection.exec_driver_sql(f"CREATE ROLE {quote(connection, name)} {'LOGIN' if login else 'NOLOGIN'}")
    return True


def set_up(connection: Connection, modalities: tuple[str, ...]) -> None:
    """Create the group roles and grant them; idempotent, run by the owner after every migration."""
    database = str(connection.execute(text("SELECT current_database()")).scalar())
    q = lambda name: quote(connection, name)  # noqa: E731
    ql, ml, rd = (q(group_role(database, r)) for r in (QUALITY_LEAD, MODALITY_LEAD, READER))
    for role in (QUALITY_LEAD, MODALITY_LEAD, READER):
        ensure_role(connection, group_role(database, role))
    for code in modalities:
        ensure_role(connection, modality_role(database, code))
    tables = list(
        connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"))
        .scalars()
        .all()
    )
    run = connection.exec_driver_sql
    run(f"REVOKE ALL ON DATABASE {q(database)} FROM PUBLIC")
    run(f"GRANT CONNECT, TEMPORARY ON DATABASE {q(database)} TO {ql}, {ml}, {rd}")
    run(f"GRANT USAGE ON SCHEMA public TO {ql}, {ml}, {rd}")
    run(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {ql}, {ml}, {rd}")
    run(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ql}, {ml}")
    for table in tables:
        if table in ("audit_log", "alembic_version"):
            continue
        run(f"GRANT INSERT, UPDATE, DELETE ON {q(table)} TO {ql}")
        if table in MODALITY_TABLES:
            run(f"GRANT INSERT, UPDATE, DELETE ON {q(table)} TO {ml}")
    run(f"GRANT INSERT, UPDATE ON audit_log TO {ql}")
    run(f"GRANT INSERT ON audit_log TO {ml}")
    # Which modality a lead leads, for the row checks: membership of qsi_<db>_m_<code>.
    run(
        f"""CREATE OR REPLACE FUNCTION qsi_leads(code text) RETURNS boolean LANGUAGE sql STABLE AS $$
            SELECT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = '{prefix(database)}_m_' || lower(code)
                           AND pg_has_role(current_user, r.oid, 'MEMBER')) $$"""
    )
    run(f"GRANT EXECUTE ON FUNCTION qsi_leads(text) TO {ql}, {ml}, {rd}")
    for table, (column, separator) in ROW_RULES.items():
        if table not in tables:
            continue
        run(f"ALTER TABLE {q(table)} ENABLE ROW LEVEL SECURITY")
        for policy, rule in (
            ("qsi_read", f"FOR SELECT TO {ql}, {ml}, {rd} USING (true)"),
            ("qsi_quality_lead", f"FOR ALL TO {ql} USING (true) WITH CHECK (true)"),
            (
                "qsi_modality_lead",
                f"FOR ALL TO {ml} USING (qsi_leads(split_part({column}, '{separator}', 1))) "
                f"WITH CHECK (qsi_leads(split_part({column}, '{separator}', 1)))",
            ),
        ):
            run(f"DROP POLICY IF EXISTS {policy} ON {q(table)}")
            run(f"CREATE POLICY {policy} ON {q(table)} {rule}")


def role_of(connection: Connection) -> tuple[str, str | None, frozenset[str]]:
    """(login, role, modalities) of the connected user; role None: not a user of this workspace."""
    row = connection.execute(
        text(
            "SELECT current_user, r.rolsuper, current_user = pg_get_userbyid(d.datdba), current_database() "
            "FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()"
        )
    ).one()
    login, superuser, owner, database = str(row[0]), bool(row[1]), bool(row[2]), str(row[3])
    if superuser or owner:
        return login, QUALITY_LEAD, frozenset()
    member = set(
        connection.execute(
            text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p AND pg_has_role(current_user, oid, 'MEMBER')"),
            {"p": prefix(database) + "\\_%"},
        ).scalars()
    )
    modalities = frozenset(
        name.rsplit("_m_", 1)[1].upper() for name in member if name.startswith(prefix(database) + "_m_")
    )
    for role in (QUALITY_LEAD, MODALITY_LEAD, READER):
        if group_role(database, role) in member:
            return login, role, modalities
    return login, None, frozenset()


def members(connection: Connection) -> dict[str, tuple[str, frozenset[str]]]:
    """Every user of this workspace: login -> (role, modalities); the owner first as a quality lead."""
    database = str(connection.execute(text("SELECT current_database()")).scalar())
    owner = str(
        connection.execute(
            text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
        ).scalar()
    )
    found: dict[str, tuple[str, frozenset[str]]] = {owner: (QUALITY_LEAD, frozenset())}
    rows = connection.execute(
        text(
            "SELECT m.rolname, g.rolname FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid "
            "JOIN pg_roles m ON m.oid = a.member WHERE g.rolname LIKE :p AND m.rolcanlogin ORDER BY 1, 2"
        ),
        {"p": prefix(database) + "\\_%"},
    ).all()
    groups: dict[str, set[str]] = {}
    for login, group in rows:
        groups.setdefault(str(login), set()).add(str(group))
    rank = {QUALITY_LEAD: 0, MODALITY_LEAD: 1, READER: 2}
    for login, granted in groups.items():
        roles = [r for r in (QUALITY_LEAD, MODALITY_LEAD, READER) if group_role(database, r) in granted]
        if not roles or login == owner:
            continue
        codes = frozenset(g.rsplit("_m_", 1)[1].upper() for g in granted if g.startswith(prefix(database) + "_m_"))
        found[login] = (min(roles, key=rank.__getitem__), codes)
    return found
