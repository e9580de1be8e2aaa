"""The same models and migrations on PostgreSQL (team mode), against a throwaway local cluster.

Skipped where no PostgreSQL server binaries are installed; CI installs them (.ci/run). The cluster is the
shared ``pg_server`` fixture of conftest.py.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from qsi_desktop.store import migrate
from qsi_desktop.store.engine import make_engine, make_sessionmaker
from qsi_desktop.store.models import Action, Assessment, AuditEntry, EvidenceItem, EvidenceLink, ServiceProfile

pytest.importorskip("psycopg")


@pytest.fixture(scope="module")
def pg_url(pg_server) -> str:  # the shared throwaway cluster of conftest.py; a database of this module's own
    return pg_server.new_database().replace("postgresql://", "postgresql+psycopg://")


def test_migrations_run_on_postgresql_and_match_the_models(pg_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from qsi_desktop.store.models import Base

    engine = make_engine(pg_url)
    migrate.upgrade(engine)
    assert migrate.needs_upgrade(engine) == (migrate.head_revision(), migrate.head_revision())
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_models_constraints_and_audit_work_on_postgresql(pg_url: str) -> None:
    engine = make_engine(pg_url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        session.info["actor"] = "team-member"
        session.add(
            ServiceProfile(
                name="Team service", organisation="", sites=["A"], modalities=["CT"], scope_flags={"paediatric": False}
            )
        )
        session.add(
            Assessment(
                framework_id="qsi-2026-draft",
                statement_ref="XR-501",
                status="met",
                owner="RPS",
                narrative="",
                justification="",
                signed_off_by="",
                next_review_on=date(2027, 1, 1),
            )
        )
        item = EvidenceItem(title="Policy", file_sha256="a" * 64, file_name="p.docx", file_size=1)
        item.links = [EvidenceLink(framework_id="qsi-2026-draft", statement_ref="XR-501", suggestion_key="")]
        session.add(item)
        session.add(Action(framework_id="qsi-2026-draft", statement_ref="XR-501", description="Do it"))
    with sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert {e.entity for e in entries} >= {"service_profile", "assessment", "evidence_item", "action"}
        assert all(e.actor == "team-member" for e in entries)
        assert session.scalars(select(Assessment)).one().next_review_on == date(2027, 1, 1)
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), sessions.begin() as session:  # the status check constraint holds
        session.add(
            Assessment(
                framework_id="qsi-2026-draft",
                statement_ref="XR-502",
                status="done",
                owner="",
                narrative="",
                justification="",
                signed_off_by="",
            )
        )
    engine.dispose()


def test_concurrent_edits_fail_instead_of_being_lost_on_postgresql(pg_url: str) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    engine = make_engine(pg_url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        session.add(
            Assessment(
                framework_id="qsi-2026-draft",
                statement_ref="XR-101",
                status="in_progress",
                owner="Original " * 50,
                narrative="",
                justification="",
                signed_off_by="",
            )
        )
    with sessions() as alice, sessions() as bob:
        mine = alice.scalars(select(Assessment).where(Assessment.statement_ref == "XR-101")).one()
        theirs = bob.scalars(select(Assessment).where(Assessment.statement_ref == "XR-101")).one()
        theirs.owner = "Bob"
        bob.commit()
        mine.owner = "Alice"
        with pytest.raises(StaleDataError):
            alice.commit()
    with sessions() as session:
        assert session.scalars(select(Assessment).where(Assessment.statement_ref == "XR-101")).one().owner == "Bob"
    engine.dispose()
