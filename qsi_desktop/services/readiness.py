"""Where the service stands: statuses per section, readiness, and what a reviewer would flag."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qsi_desktop.services import applicability
from qsi_desktop.services.app import App
from qsi_desktop.services.assessments import get_profile
from qsi_desktop.services.evidence import CURRENT_EVIDENCE
from qsi_desktop.services.readiness_state import Readiness, StatementState
from qsi_desktop.services.records import OPEN_ACTION_STATUSES
from qsi_desktop.store.models import STATUSES, Action, Assessment, EvidenceItem, EvidenceLink
from qsi_desktop.store.workspace import Workspace


def readiness_percent(counts: Mapping[str, int]) -> float:
    """Readiness from counts per status: the share of applicable statements met, partially met counting
    half, in percent to one decimal; 0.0 when nothing applies. Shared by the summary and the pack's charts."""
    applicable = sum(n for status, n in counts.items() if status != "not_applicable")
    if not applicable:
        return 0.0
    score = counts.get("met", 0) + 0.5 * counts.get("partially_met", 0)
    return round(100.0 * score / applicable, 1)


def readiness(ws: Workspace, app: App, today: date | None = None) -> Readiness:
    today = today or date.today()
    with ws.reading() as session:
        profile = get_profile(session)
        assessments = {
            a.statement_ref: a
            for a in session.scalars(select(Assessment).where(Assessment.framework_id == ws.framework_id))
        }
        evidence_per_ref = _evidence_counts(session, ws.framework_id)
        actions = list(session.scalars(select(Action).where(Action.framework_id == ws.framework_id)))
        evidence = list(session.scalars(select(EvidenceItem).where(*CURRENT_EVIDENCE)))
    open_per_ref = Counter(a.statement_ref for a in actions if a.status in OPEN_ACTION_STATUSES)
    scopes = app.scopes()

    states: list[StatementState] = []
    for section in app.catalogue.sections:
        for statement in section.statements:
            assessment = assessments.get(statement.ref)
            appl = applicability.effective(statement, section, profile, assessment, scopes)
            status = applicability.effective_status(assessment.status if assessment else "not_started", appl)
            states.append(
                StatementState(
                    ref=statement.ref,
                    section=section.label,
                    name=statement.name,
                    status=status,
                    applicable=appl.applicable,
                    reason=appl.reason,
                    owner=assessment.owner if assessment else "",
                    next_review_on=assessment.next_review_on if assessment else None,
                    evidence=evidence_per_ref.get(statement.ref, 0),
                    open_actions=open_per_ref.get(statement.ref, 0),
                    narrative=assessment.narrative if assessment else "",
                    justification=assessment.justification if assessment else "",
                )
            )

    counts = {status: 0 for status in STATUSES}
    sections: dict[str, dict[str, int]] = {}
    for state in states:
        counts[state.status] += 1
        per = sections.setdefault(state.section, {status: 0 for status in STATUSES})
        per[state.status] += 1
    applicable = [s for s in states if s.applicable]
    overdue = [s.ref for s in applicable if s.next_review_on and s.next_review_on < today]

    warnings = [f"{s.ref} is met but has no evidence" for s in applicable if s.status == "met" and not s.evidence]
    warnings += [
        f"{s.ref} is {s.status.replace('_', ' ')} with no open action plan"
        for s in applicable
        if s.status in ("not_met", "partially_met") and not s.open_actions
    ]
    return Readiness(
        service=profile.name,
        statements=states,
        counts=counts,
        sections=sections,
        # effective_status makes "not_applicable" exactly the statements that do not apply.
        readiness_percent=readiness_percent(counts),
        overdue_reviews=overdue,
        evidence_total=len(evidence),
        evidence_review_overdue=sum(1 for e in evidence if e.review_due_on and e.review_due_on < today),
        actions_open=sum(1 for a in actions if a.status in OPEN_ACTION_STATUSES),
        actions_overdue=sum(1 for a in actions if a.status in OPEN_ACTION_STATUSES and a.due_on and a.due_on < today),
        warnings=warnings,
    )


def _evidence_counts(session: Session, framework_id: str) -> Counter[str]:
    rows = session.execute(
        select(EvidenceLink.statement_ref, EvidenceLink.evidence_id)
        .join(EvidenceItem)
        .where(EvidenceLink.framework_id == framework_id, *CURRENT_EVIDENCE)
    )
    return Counter(ref for ref, _ in set(rows))
