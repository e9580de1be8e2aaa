"""The tracker workbook: one row per statement, the shape a quality lead keeps, and that the import reads back.

:func:`statement_rows` reads every statement's assessment, applicability, current evidence and open
actions in one session (the next cycle's snapshot and comparison use it too); :func:`export_xlsx`
writes them with a frozen header row, filters, the status as its word and its colour, dates as
dates and text made inert for spreadsheets (:func:`qsi_desktop.export.cells.neutralise`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from qsi_desktop.colours import STATUS_BADGE
from qsi_desktop.export.cells import neutralise
from qsi_desktop.export.names import evidence_label
from qsi_desktop.export.workbook import finish_sheet, new_sheet, save_workbook, xlsx_path
from qsi_desktop.services import applicability
from qsi_desktop.services.app import App
from qsi_desktop.services.assessments import get_profile
from qsi_desktop.services.evidence import CURRENT_EVIDENCE
from qsi_desktop.services.records import (
    OPEN_ACTION_STATUSES,
    ActionRecord,
    AssessmentRecord,
    EvidenceRecord,
    action_record,
    assessment_record,
    evidence_record,
)
from qsi_desktop.services.values import status_label
from qsi_desktop.store.models import Action, Assessment, EvidenceItem, EvidenceLink
from qsi_desktop.store.workspace import Workspace

HEADERS = (
    "Ref",
    "Section",
    "Title",
    "Applicability",
    "Status",
    "Owner",
    "Narrative",
    "Justification",
    "Last reviewed",
    "Next review",
    "Evidence",
    "Evidence titles",
    "Open actions",
)
WIDTHS = (10, 28, 40, 24, 16, 20, 60, 40, 14, 14, 14, 40, 40)
DATE_COLUMNS = ("Last reviewed", "Next review")


@dataclass(frozen=True)
class StatementRow:
    ref: str
    section: str  # "XR-1 Patient experience"
    title: str
    applicable: bool
    reason: str  # why it does not apply, or why the profile was overridden
    status: str  # effective
    assessment: AssessmentRecord
    evidence: tuple[EvidenceRecord, ...]  # current items linked to it
    open_actions: tuple[ActionRecord, ...]


def statement_rows(ws: Workspace, app: App) -> list[StatementRow]:
    """Every statement of the catalogue, in order, as it stands (one reading)."""
    with ws.reading() as session:
        profile = get_profile(session)
        stored = {
            a.statement_ref: assessment_record(a)
            for a in session.scalars(select(Assessment).where(Assessment.framework_id == ws.framework_id))
        }
        items = [
            evidence_record(item)
            for item in session.scalars(
                select(EvidenceItem)
                .where(*CURRENT_EVIDENCE)
                .join(EvidenceLink)
                .where(EvidenceLink.framework_id == ws.framework_id)
                .options(selectinload(EvidenceItem.links))
                .order_by(EvidenceItem.id)
                .distinct()
            )
        ]
        actions = [
            action_record(a)
            for a in session.scalars(
                select(Action)
                .where(Action.framework_id == ws.framework_id, Action.status.in_(OPEN_ACTION_STATUSES))
                .order_by(Action.id)
            )
        ]
        scopes = app.scopes()
        evidence_by_ref: dict[str, list[EvidenceRecord]] = defaultdict(list)
        for item in items:
            for ref in sorted(item.refs):
                evidence_by_ref[ref].append(item)
        actions_by_ref: dict[str, list[ActionRecord]] = defaultdict(list)
        for action in actions:
            actions_by_ref[action.statement_ref].append(action)
        rows = []
        for statement in app.catalogue.statements():
            section = app.catalogue.section_of(statement)
            record = stored.get(statement.ref) or AssessmentRecord(statement.ref)
            effective = applicability.effective(statement, section, profile, stored.get(statement.ref), scopes)
            rows.append(
                StatementRow(
                    ref=statement.ref,
                    section=section.label,
                    title=statement.name,
                    applicable=effective.applicable,
                    reason=effective.reason,
                    status=applicability.effective_status(record.status, effective),
                    assessment=record,
                    evidence=tuple(evidence_by_ref.get(statement.ref, ())),
                    open_actions=tuple(actions_by_ref.get(statement.ref, ())),
                )
            )
    return rows


def _applicability_text(row: StatementRow) -> str:
    if row.applicable:
        overridden = row.assessment.applicability_override == "applicable"
        return f"Applies (profile overridden: {row.reason})" if overridden else "Applies"
    return f"Does not apply: {row.reason}" if row.reason else "Does not apply"


def _action_text(action: ActionRecord) -> str:
    due = f", due {action.due_on:%d/%m/%Y}" if action.due_on else ""
    owner = f" ({action.owner}{due})" if action.owner else (f" ({due[2:]})" if due else "")
    return f"A-{action.id:03d} {action.description}{owner}"


def cells(row: StatementRow) -> list[Any]:
    a = row.assessment
    return [
        row.ref,
        row.section,
        row.title,
        _applicability_text(row),
        status_label(row.status),
        a.owner,
        a.narrative,
        a.justification,
        a.last_reviewed_on,
        a.next_review_on,
        "\n".join(evidence_label(e.id) for e in row.evidence),
        "\n".join(e.title for e in row.evidence),
        "\n".join(_action_text(action) for action in row.open_actions),
    ]


def export_xlsx(ws: Workspace, app: App, out: Path | str) -> int:
    """Write the tracker to ``out`` (.xlsx, replaced whole or not at all); returns the rows written."""
    from openpyxl.styles import Alignment, Font, PatternFill

    out = xlsx_path(out)
    rows = statement_rows(ws, app)
    book, sheet = new_sheet("Tracker", HEADERS)
    fills = {
        status: (PatternFill("solid", fgColor="FF" + bg[1:].upper()), Font(color="FF" + fg[1:].upper()))
        for status, (bg, fg) in STATUS_BADGE.items()
    }
    status_column = HEADERS.index("Status") + 1
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([neutralise(c) for c in cells(row)])
        number = sheet.max_row
        status_cell = sheet.cell(number, status_column)
        status_cell.fill, status_cell.font = fills[row.status]
        for column in (7, 8, 11, 12, 13):
            sheet.cell(number, column).alignment = wrap
    finish_sheet(sheet, WIDTHS, date_columns={HEADERS.index(name) + 1 for name in DATE_COLUMNS})
    save_workbook(book, out)
    return len(rows)
