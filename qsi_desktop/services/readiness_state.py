"""What :func:`qsi_desktop.services.readiness.readiness` returns, as plain data (no SQLAlchemy).

Apart from the queries so that the window's first paint can show a saved snapshot of it
(:mod:`qsi_desktop.services.snapshot`) before the database layer is imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class StatementState:
    ref: str
    section: str
    name: str
    status: str
    applicable: bool
    reason: str
    owner: str
    next_review_on: date | None
    evidence: int
    open_actions: int
    narrative: str = ""
    justification: str = ""


@dataclass
class Readiness:
    service: str
    statements: list[StatementState]
    counts: dict[str, int]
    sections: dict[str, dict[str, int]]
    readiness_percent: float
    overdue_reviews: list[str]
    evidence_total: int
    evidence_review_overdue: int
    actions_open: int
    actions_overdue: int
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "service": self.service,
            "statements_total": len(self.statements),
            "applicable": sum(1 for s in self.statements if s.applicable),
            "counts": self.counts,
            "sections": self.sections,
            "readiness_percent": self.readiness_percent,
            "overdue_reviews": self.overdue_reviews,
            "evidence": {"total": self.evidence_total, "review_overdue": self.evidence_review_overdue},
            "actions": {"open": self.actions_open, "overdue": self.actions_overdue},
            "warnings": self.warnings,
            "statements": [
                {
                    "ref": s.ref,
                    "status": s.status,
                    "applicable": s.applicable,
                    "reason": s.reason,
                    "owner": s.owner,
                    "next_review_on": s.next_review_on.isoformat() if s.next_review_on else None,
                    "evidence": s.evidence,
                    "open_actions": s.open_actions,
                    "narrative": s.narrative,
                    "justification": s.justification,
                }
                for s in self.statements
            ],
        }
