"""Plain, frozen copies of workspace rows: what the services hand to the command line and the GUI.

Each record is built inside the session that read (or wrote) its row, so nothing that leaves a
service is attached to a session: no lazy loads, no expired attributes, nothing another thread can
change. ``row_version`` is the row's optimistic-concurrency counter (``version_id``; 0 for a row
not stored yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from qsi_desktop.store.models import Action, Assessment, AuditEntry, ChecklistResponse, EvidenceItem

OPEN_ACTION_STATUSES = frozenset({"open", "in_progress"})


@dataclass(frozen=True)
class Target:
    """A statement, or one suggestion of it: ``XR-101`` or ``XR-101:7.a``."""

    ref: str
    suggestion: str = ""

    def __str__(self) -> str:
        return f"{self.ref}:{self.suggestion}" if self.suggestion else self.ref


@dataclass(frozen=True)
class EvidenceRecord:
    """An evidence item (a stored file or a link) and the statements it supports."""

    id: int
    title: str
    file_sha256: str | None
    file_name: str | None
    file_size: int | None
    link_url: str | None
    version: str  # the document's own version, e.g. "2.1"
    owner: str
    document_ref: str
    approved_on: date | None
    review_due_on: date | None
    added_at: datetime
    added_by: str
    superseded_by_id: int | None
    targets: tuple[Target, ...]
    row_version: int
    retired_at: datetime | None = None
    retired_by: str = ""

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @property
    def is_unsorted(self) -> bool:
        """Added without a statement yet (the inbox): it supports nothing until linked."""
        return not self.targets

    @property
    def is_file(self) -> bool:
        return self.file_sha256 is not None

    @property
    def kind(self) -> str:
        return "file" if self.is_file else "link"

    @property
    def refs(self) -> frozenset[str]:
        """The statements it supports, whether as a whole or through one suggestion."""
        return frozenset(target.ref for target in self.targets)

    def review_overdue(self, today: date | None = None) -> bool:
        """Past its review date and still current (a superseded version is not reviewed)."""
        today = today or date.today()
        current = self.superseded_by_id is None and self.retired_at is None
        return bool(self.review_due_on and self.review_due_on < today and current)


@dataclass(frozen=True)
class ActionRecord:
    """One entry of a statement's action plan."""

    id: int
    statement_ref: str
    description: str
    owner: str
    due_on: date | None
    status: str
    completed_on: date | None
    created_at: datetime
    created_by: str
    row_version: int

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    def overdue(self, today: date | None = None) -> bool:
        today = today or date.today()
        return bool(self.due_on and self.due_on < today and self.is_open)


@dataclass(frozen=True)
class ChecklistAnswer:
    """A stored answer to one item of a checklist template."""

    template_id: str
    item_key: str
    answer: str  # yes / partial / no / n/a, or "" when only a note or evidence is stored
    note: str
    evidence_id: int | None
    updated_at: datetime
    updated_by: str
    row_version: int


@dataclass(frozen=True)
class AssessmentRecord:
    """A statement's stored self-assessment; the defaults stand for one not assessed yet."""

    statement_ref: str
    status: str = "not_started"  # as stored: see StatementDetails for the effective status
    owner: str = ""
    narrative: str = ""
    applicability_override: str | None = None  # "applicable", "not_applicable" or None
    justification: str = ""
    review_interval_months: int | None = None
    last_reviewed_on: date | None = None
    next_review_on: date | None = None
    signed_off_by: str = ""
    signed_off_on: date | None = None
    updated_at: datetime | None = None
    updated_by: str = ""
    row_version: int = 0


@dataclass(frozen=True)
class AuditRecord:
    """One entry of the audit trail: who changed what, with the values before and after."""

    id: int
    at: datetime
    actor: str
    action: str  # create / update / delete
    entity: str
    entity_id: str
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


# -- built from rows, inside their session ------------------------------------------------------------


def evidence_record(item: EvidenceItem) -> EvidenceRecord:
    return EvidenceRecord(
        id=item.id,
        title=item.title,
        file_sha256=item.file_sha256,
        file_name=item.file_name,
        file_size=item.file_size,
        link_url=item.link_url,
        version=item.version,
        owner=item.owner,
        document_ref=item.document_ref,
        approved_on=item.approved_on,
        review_due_on=item.review_due_on,
        added_at=item.added_at,
        added_by=item.added_by,
        superseded_by_id=item.superseded_by_id,
        targets=tuple(Target(link.statement_ref, link.suggestion_key) for link in item.links),
        row_version=item.version_id,
        retired_at=item.retired_at,
        retired_by=item.retired_by,
    )


def action_record(action: Action) -> ActionRecord:
    return ActionRecord(
        id=action.id,
        statement_ref=action.statement_ref,
        description=action.description,
        owner=action.owner,
        due_on=action.due_on,
        status=action.status,
        completed_on=action.completed_on,
        created_at=action.created_at,
        created_by=action.created_by,
        row_version=action.version_id,
    )


def checklist_answer(response: ChecklistResponse) -> ChecklistAnswer:
    return ChecklistAnswer(
        template_id=response.template_id,
        item_key=response.item_key,
        answer=response.answer,
        note=response.note,
        evidence_id=response.evidence_id,
        updated_at=response.updated_at,
        updated_by=response.updated_by,
        row_version=response.version_id,
    )


def assessment_record(assessment: Assessment) -> AssessmentRecord:
    return AssessmentRecord(
        statement_ref=assessment.statement_ref,
        status=assessment.status,
        owner=assessment.owner,
        narrative=assessment.narrative,
        applicability_override=assessment.applicability_override,
        justification=assessment.justification,
        review_interval_months=assessment.review_interval_months,
        last_reviewed_on=assessment.last_reviewed_on,
        next_review_on=assessment.next_review_on,
        signed_off_by=assessment.signed_off_by,
        signed_off_on=assessment.signed_off_on,
        updated_at=assessment.updated_at,
        updated_by=assessment.updated_by,
        row_version=assessment.version_id,
    )


def audit_record(entry: AuditEntry) -> AuditRecord:
    return AuditRecord(
        id=entry.id,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        entity=entry.entity,
        entity_id=entry.entity_id,
        summary=entry.summary,
        before=entry.before,
        after=entry.after,
    )
