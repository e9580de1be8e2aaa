"""SQLAlchemy 2.0 models of a workspace.

Portable SQL only (SQLite by default, PostgreSQL for teams): JSON columns, no SQLite-only types.
Statements are referenced by (framework_id, statement_ref) rather than by foreign key, because
the catalogue is versioned data shipped with the app and its plugins, not rows in this database.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from qsi_desktop.statuses import ACTION_STATUSES, STATUSES
from qsi_desktop.store.types import JSONDocument, UTCDateTime, utcnow

# Named constraints so Alembic migrations can alter them on PostgreSQL and in SQLite batch mode.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

APPLICABILITY_OVERRIDES = ("applicable", "not_applicable")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Setting(Base):
    """Workspace-wide settings: workspace id, the keyed-hash secret, the framework in use."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ServiceProfile(Base):
    """The imaging service being assessed. One row per workspace."""

    __tablename__ = "service_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version_id}  # a concurrent edit fails instead of being lost
    name: Mapped[str] = mapped_column(Text)
    organisation: Mapped[str] = mapped_column(Text, default="")
    sites: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    modalities: Mapped[list[str]] = mapped_column(JSONDocument, default=list)  # e.g. ["CT", "MR"]
    # Scope flags named like catalogue scopes: {"paediatric": False} means no paediatric imaging.
    scope_flags: Mapped[dict[str, bool]] = mapped_column(JSONDocument, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Assessment(Base):
    """The service's self-assessment of one quality statement."""

    __tablename__ = "assessment"
    __table_args__ = (
        UniqueConstraint("framework_id", "statement_ref", name="uq_assessment_statement"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint(
            "applicability_override IS NULL OR applicability_override IN ('applicable', 'not_applicable')",
            name="override_known",
        ),
        CheckConstraint("review_interval_months IS NULL OR review_interval_months > 0", name="interval_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version_id}  # a concurrent edit fails instead of being lost
    framework_id: Mapped[str] = mapped_column(String(64))
    statement_ref: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    owner: Mapped[str] = mapped_column(Text, default="")
    narrative: Mapped[str] = mapped_column(Text, default="")
    # A user's override of the applicability that follows from the service profile; always justified.
    applicability_override: Mapped[str | None] = mapped_column(String(20), default=None)
    justification: Mapped[str] = mapped_column(Text, default="")
    review_interval_months: Mapped[int | None] = mapped_column(Integer, default=None)
    last_reviewed_on: Mapped[date | None] = mapped_column(Date, default=None)
    next_review_on: Mapped[date | None] = mapped_column(Date, default=None)
    signed_off_by: Mapped[str] = mapped_column(Text, default="")
    signed_off_on: Mapped[date | None] = mapped_column(Date, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(Text, default="")


class EvidenceItem(Base):
    """A document or link offered as evidence; one item can support many statements."""

    __tablename__ = "evidence_item"
    __table_args__ = (
        CheckConstraint("(file_sha256 IS NULL) <> (link_url IS NULL)", name="file_or_link"),
        Index("ix_evidence_item_sha256", "file_sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version_id}  # a concurrent edit fails instead of being lost
    title: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    file_name: Mapped[str | None] = mapped_column(Text, default=None)  # original name, for export
    file_size: Mapped[int | None] = mapped_column(BigInteger, default=None)  # evidence can exceed 2 GB
    link_url: Mapped[str | None] = mapped_column(Text, default=None)
    version: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(Text, default="")
    document_ref: Mapped[str] = mapped_column(Text, default="")
    approved_on: Mapped[date | None] = mapped_column(Date, default=None)
    review_due_on: Mapped[date | None] = mapped_column(Date, default=None)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by: Mapped[str] = mapped_column(Text, default="")
    # A newer version of the same document replaces this one: kept (never lost), no longer counted.
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_item.id", ondelete="SET NULL"), default=None
    )
    # Retired (withdrawn, no longer relied on): kept with its links and history, no longer counted.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    retired_by: Mapped[str] = mapped_column(Text, default="", server_default="")

    links: Mapped[list[EvidenceLink]] = relationship(
        back_populates="evidence", cascade="all, delete-orphan", order_by="EvidenceLink.statement_ref"
    )


class EvidenceLink(Base):
    """Links an evidence item to a statement, and optionally to one suggestion of it ("7" or "7.a")."""

    __tablename__ = "evidence_link"
    __table_args__ = (
        UniqueConstraint("evidence_id", "framework_id", "statement_ref", "suggestion_key", name="uq_evidence_link"),
        Index("ix_evidence_link_statement", "framework_id", "statement_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id", ondelete="CASCADE"))
    framework_id: Mapped[str] = mapped_column(String(64))
    statement_ref: Mapped[str] = mapped_column(String(16))
    suggestion_key: Mapped[str] = mapped_column(String(16), default="")  # "" = the statement as a whole

    evidence: Mapped[EvidenceItem] = relationship(back_populates="links")


class Action(Base):
    """An action plan entry for something not (yet) met: owner and timescale, as reviewers expect."""

    __tablename__ = "action"
    __table_args__ = (
        CheckConstraint(f"status IN {ACTION_STATUSES!r}", name="status_known"),
        Index("ix_action_statement", "framework_id", "statement_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version_id}  # a concurrent edit fails instead of being lost
    framework_id: Mapped[str] = mapped_column(String(64))
    statement_ref: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(String(20), default="open")
    completed_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(Text, default="")


class ChecklistResponse(Base):
    """A modality lead's answer to one item of a plugin's checklist template."""

    __tablename__ = "checklist_response"
    __table_args__ = (UniqueConstraint("template_id", "item_key", name="uq_checklist_response_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version_id}  # a concurrent edit fails instead of being lost
    template_id: Mapped[str] = mapped_column(String(100))
    item_key: Mapped[str] = mapped_column(String(100))
    answer: Mapped[str] = mapped_column(String(20), default="")  # yes / no / partial / n/a
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_item.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(Text, default="")


class ImportRun(Base):
    """One run of a plugin importer, with its counts. Issues are kept without file names.

    A cancelled run is recorded with what it had read, and stores no records; a run can be undone
    whole (its records deleted, the ones they replaced current again), which is recorded here too.
    """

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    importer: Mapped[str] = mapped_column(String(100), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(Text, default="")
    files: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    replaced: Mapped[int] = mapped_column(Integer, default=0)  # earlier records this run's superseded
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    undone_by: Mapped[str] = mapped_column(Text, default="")

    issues: Mapped[list[ImportRunIssue]] = relationship(
        cascade="all, delete-orphan", order_by="ImportRunIssue.id", passive_deletes=True
    )


class ImportRunIssue(Base):
    """A file or row a run skipped or rejected, and why: the file by its place in the run, never its
    name (names can hold patient names), the reason with anything like an NHS number blanked."""

    __tablename__ = "import_issue"
    __table_args__ = (CheckConstraint("kind IN ('rejected', 'skipped')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_run.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    file_number: Mapped[int | None] = mapped_column(Integer, default=None)  # 1 = the run's first file
    row: Mapped[int | None] = mapped_column(Integer, default=None)
    reason: Mapped[str] = mapped_column(Text)


class ImportedRecordRow(Base):
    """A record stored by an importer: de-identified data, keyed by an HMAC for de-duplication.

    Records of one ``group_key`` describe the same thing (a study's cumulative dose report); only
    the highest ``rank`` (the later on a tie) is ``current``; the others are history, not counted.
    ``shape_version`` is the importer's version of the ``data`` shape when it was stored.
    """

    __tablename__ = "imported_record"
    __table_args__ = (
        UniqueConstraint("importer", "record_key", name="uq_imported_record_key"),
        Index("ix_imported_record_importer_date", "importer", "occurred_on"),
        Index("ix_imported_record_group", "importer", "group_key"),
        Index("ix_imported_record_run", "import_run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    importer: Mapped[str] = mapped_column(String(100))
    record_key: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    occurred_on: Mapped[str | None] = mapped_column(String(10), default=None)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_run.id"))
    shape_version: Mapped[int] = mapped_column(Integer, default=1)
    group_key: Mapped[str | None] = mapped_column(String(64), default=None)
    rank: Mapped[float] = mapped_column(Float, default=0.0)
    current: Mapped[bool] = mapped_column(Boolean, default=True)


class StoredTable(Base):
    """A small document a user keeps in the workspace, by namespace and key: a DRL table, an exam-type
    mapping. JSON, versioned (a concurrent edit fails instead of being lost) and audited."""

    __tablename__ = "stored_table"
    __table_args__ = (UniqueConstraint("namespace", "key", name="uq_stored_table_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version_id}
    namespace: Mapped[str] = mapped_column(String(64))  # "dose", or a plugin's name
    key: Mapped[str] = mapped_column(String(100))
    value: Mapped[Any] = mapped_column(JSONDocument)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(Text, default="")


class RegisterRow(Base):
    """One row of a plugin's register (an MR unit, a transducer), its values by field key as JSON.

    ``row_key`` is made from the register's key fields (normalised), unique per register: a retired
    row keeps it, and adding the same key again brings the row back. Edits are versioned (a
    concurrent edit fails instead of being lost) and audited: the audit trail is the row's history.
    """

    __tablename__ = "register_row"
    __table_args__ = (
        UniqueConstraint("register_id", "row_key", name="uq_register_row_key"),
        Index("ix_register_row_register", "register_id", "retired"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version_id}
    register_id: Mapped[str] = mapped_column(String(100))
    row_key: Mapped[str] = mapped_column(String(64))
    values: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    retired_by: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(Text, default="")


class AuditEntry(Base):
    """Who changed what, when, with the values before and after. Written for every change."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(20))  # create / update / delete
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, default=None)
