"""Recording the self-assessment of a quality statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from qsi_desktop.errors import QsiError
from qsi_desktop.services import applicability
from qsi_desktop.services.actions import list_actions
from qsi_desktop.services.app import App
from qsi_desktop.services.applicability import Applicability
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.evidence import list_evidence
from qsi_desktop.services.records import ActionRecord, AssessmentRecord, EvidenceRecord, assessment_record
from qsi_desktop.services.values import add_months, check_free_text, check_interval
from qsi_desktop.store.audit import NOTE
from qsi_desktop.store.models import Assessment, ServiceProfile
from qsi_desktop.store.workspace import Workspace

CLEARABLE = frozenset({"review_interval_months", "last_reviewed_on", "next_review_on"})


@dataclass
class AssessmentChange:
    """Fields to change; None leaves a field as it is."""

    status: str | None = None
    owner: str | None = None
    narrative: str | None = None
    justification: str | None = None
    review_interval_months: int | None = None
    reviewed_on: date | None = None
    next_review_on: date | None = None
    signed_off_by: str | None = None
    # Review fields to set back to empty: "review_interval_months", "last_reviewed_on", "next_review_on".
    clear: frozenset[str] = frozenset()


class AssessmentConflict(QsiError):
    """The assessment was saved by someone else after it was read: nothing of ``mine`` was saved.

    ``theirs`` is the stored assessment now (who saved it and when included); ``mine`` the change
    that was refused, ``my_narrative`` the narrative as the user had it (changed or not)."""

    def __init__(self, ref: str, theirs: AssessmentRecord, mine: AssessmentChange, my_narrative: str) -> None:
        who = theirs.updated_by or "someone else"
        when = f" at {theirs.updated_at.astimezone():%H:%M on %d %b %Y}" if theirs.updated_at else ""
        super().__init__(
            f"{ref} was changed by {who}{when} after you opened it; nothing was saved. "
            "Compare both versions and choose, or reload"
        )
        self.ref = ref
        self.theirs = theirs
        self.mine = mine
        self.my_narrative = my_narrative


def get_profile(session: Session) -> ServiceProfile:
    profile = session.scalars(select(ServiceProfile)).first()
    if profile is None:
        raise UserError("the workspace has no service profile; restore a backup")
    return profile


def find_assessment(session: Session, framework_id: str, ref: str) -> Assessment | None:
    return session.scalars(
        select(Assessment).where(Assessment.framework_id == framework_id, Assessment.statement_ref == ref)
    ).first()


def assess(
    ws: Workspace,
    app: App,
    ref: str,
    change: AssessmentChange,
    *,
    actor: str,
    expected_version: int | None = None,
    my_narrative: str | None = None,
    note: str = "",
) -> AssessmentRecord:
    """Save ``change``. With ``expected_version`` (the ``row_version`` the user's form loaded: 0 for
    a statement never assessed) a row saved meanwhile by someone else raises
    :class:`AssessmentConflict` and nothing is saved. ``note`` is added to the audit entry's summary
    (say, that the change was saved over a colleague's on purpose)."""
    statement = app.statement(ref)
    if change.review_interval_months is not None:
        check_interval(change.review_interval_months)
    for what, text in (
        ("owner", change.owner),
        ("narrative", change.narrative),
        ("justification", change.justification),
        ("sign-off", change.signed_off_by),
    ):
        check_free_text(what, text)
    with ws.transaction(actor) as session:
        profile = get_profile(session)
        assessment = find_assessment(session, ws.framework_id, statement.ref)
        stored_version = assessment.version_id if assessment is not None else 0
        if expected_version is not None and stored_version != expected_version:
            theirs = assessment_record(assessment) if assessment is not None else AssessmentRecord(statement.ref)
            mine = change.narrative if change.narrative is not None else (my_narrative or "")
            raise AssessmentConflict(statement.ref, theirs, change, mine)
        if note:
            session.info[NOTE] = note
        assessment = apply_change(session, ws.framework_id, app, profile, assessment, statement.ref, change, actor)
        session.flush()
        return assessment_record(assessment)


def apply_change(
    session: Session,
    framework_id: str,
    app: App,
    profile: ServiceProfile,
    assessment: Assessment | None,
    ref: str,
    change: AssessmentChange,
    actor: str,
) -> Assessment:
    """Apply ``change`` to ``assessment`` (made when None) inside the caller's transaction, with the
    rules of :func:`assess` (applicability, justification, review dates, sign-off); free text is
    checked by the caller. Shared with the tracker import and the next cycle, which save many at once."""
    statement = app.statement(ref)
    section = app.catalogue.section_of(statement)
    if assessment is None:
        assessment = Assessment(
            framework_id=framework_id,
            statement_ref=statement.ref,
            status="not_started",
            owner="",
            narrative="",
            justification="",
            signed_off_by="",
        )
        session.add(assessment)
    _apply_status(
        assessment, change, applicability.from_profile(statement, section, profile, app.scopes()), statement.ref
    )
    if change.owner is not None:
        assessment.owner = change.owner.strip()
    if change.narrative is not None:
        assessment.narrative = change.narrative.strip()
    if change.review_interval_months is not None:
        assessment.review_interval_months = change.review_interval_months
    if change.reviewed_on is not None:
        assessment.last_reviewed_on = change.reviewed_on
        if change.next_review_on is None and assessment.review_interval_months:
            assessment.next_review_on = add_months(change.reviewed_on, assessment.review_interval_months)
    if change.next_review_on is not None:
        assessment.next_review_on = change.next_review_on
    for name in change.clear & CLEARABLE:
        setattr(assessment, name, None)
    if change.signed_off_by is not None:
        assessment.signed_off_by = change.signed_off_by.strip()
        assessment.signed_off_on = date.today() if assessment.signed_off_by else None
    elif assessment.signed_off_by and _substance_changed(assessment):
        # A sign-off vouches for what was signed: a new status or narrative needs signing again.
        assessment.signed_off_by, assessment.signed_off_on = "", None
    assessment.updated_by = actor
    return assessment


@dataclass(frozen=True)
class StatementDetails:
    """One statement as the GUI shows it, with the rules applied: what applies and the effective status."""

    ref: str
    status: str  # effective: "not_applicable" whenever the statement does not apply
    applicability: Applicability  # the profile's, or a user's override of it (source "override")
    by_profile: Applicability  # what the service profile alone says, with its reason
    assessment: AssessmentRecord  # as stored; the defaults when it was never assessed
    evidence: tuple[EvidenceRecord, ...]  # current versions only
    actions: tuple[ActionRecord, ...]


def statement_details(ws: Workspace, app: App, ref: str) -> StatementDetails:
    """Read one statement's assessment, applicability, evidence and actions."""
    statement = app.statement(ref)
    section = app.catalogue.section_of(statement)
    with ws.reading() as session:
        profile = get_profile(session)
        stored = find_assessment(session, ws.framework_id, statement.ref)
        by_profile = applicability.from_profile(statement, section, profile, app.scopes())
        effective = applicability.effective(statement, section, profile, stored, app.scopes())
        record = assessment_record(stored) if stored is not None else AssessmentRecord(statement.ref)
    return StatementDetails(
        ref=statement.ref,
        status=applicability.effective_status(record.status, effective),
        applicability=effective,
        by_profile=by_profile,
        assessment=record,
        evidence=tuple(list_evidence(ws, statement.ref)),
        actions=tuple(list_actions(ws, statement.ref)),
    )


def _substance_changed(assessment: Assessment) -> bool:
    state = inspect(assessment)
    return any(state.attrs[name].history.has_changes() for name in ("status", "narrative", "justification"))


def _apply_status(
    assessment: Assessment, change: AssessmentChange, by_profile: applicability.Applicability, ref: str
) -> None:
    justification = (change.justification or "").strip()
    if change.status is None:
        if justification:
            assessment.justification = justification
        return
    if change.status == "not_applicable":
        if by_profile.applicable:
            if not justification and assessment.applicability_override != "not_applicable":
                raise UserError(f"{ref}: 'not applicable' needs a justification (--justification \"...\")")
            assessment.applicability_override = "not_applicable"
        else:
            assessment.applicability_override = None  # the profile already says so, with its reason
        assessment.status = "not_applicable"
        if justification:
            assessment.justification = justification
        return
    if not by_profile.applicable:
        if not justification and assessment.applicability_override != "applicable":
            raise UserError(
                f"{ref} is not applicable: {by_profile.reason}. Change the service profile, or give a "
                'justification to override it (--justification "...")'
            )
        assessment.applicability_override = "applicable"
        if justification:
            assessment.justification = justification
    else:
        # Applies by profile: a justification kept from an earlier "not applicable" no longer holds.
        assessment.applicability_override = None
        assessment.justification = justification
    assessment.status = change.status
