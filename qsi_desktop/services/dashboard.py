"""The dashboard: readiness by section (the pack's chart), what falls due in the next 30/60/90 days,
what is overdue, and what changed recently; every entry names the statement it belongs to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from qsi_desktop.plugins.types import Figure
from qsi_desktop.services import evidence
from qsi_desktop.services.app import App
from qsi_desktop.services.audit import list_audit
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.readiness import Readiness, readiness
from qsi_desktop.services.reminders import Reminder, reminders
from qsi_desktop.store.workspace import Workspace

HORIZONS = (30, 60, 90)  # days ahead, each bin after the one before
_REF = re.compile(r"\b[A-Z]{2,3}-\d{3}\b")
_ENTITIES = {
    "assessment": "assessment",
    "evidence_item": "evidence",
    "evidence_link": "evidence link",
    "action": "action",
    "checklist_response": "checklist answer",
    "service_profile": "service profile",
    "import_run": "import",
    "stored_table": "table",
    "register_row": "register row",
}


@dataclass(frozen=True)
class RecentChange:
    at: datetime
    actor: str
    text: str
    ref: str  # the statement it belongs to, "" when none (the service profile, an import)


@dataclass(frozen=True)
class Dashboard:
    readiness: Readiness
    chart: Figure
    overdue: tuple[Reminder, ...]
    due: dict[int, tuple[Reminder, ...]]  # by horizon: due within 30 days, then 31-60, then 61-90
    recent: tuple[RecentChange, ...]


def dashboard(ws: Workspace, app: App, *, today: date | None = None, recent: int = 25) -> Dashboard:
    """Everything the dashboard shows, read once (on a worker: the chart is drawn here)."""
    from qsi_desktop.export import charts  # the drawing code: loaded when the dashboard is first shown

    today = today or date.today()
    state = readiness(ws, app, today=today)
    chart = charts.readiness_by_section(list(state.sections.items()), overall_percent=state.readiness_percent)
    coming = reminders(ws, app, today=today, days=HORIZONS[-1])
    due: dict[int, tuple[Reminder, ...]] = {}
    start = 0
    for horizon in HORIZONS:  # today..30 days, 31..60, 61..90
        due[horizon] = tuple(r for r in coming if start <= (r.due_on - today).days <= horizon)
        start = horizon + 1
    overdue = tuple(r for r in coming if r.due_on < today)
    return Dashboard(state, chart, overdue, due, tuple(recent_changes(ws, app, recent)))


def recent_changes(ws: Workspace, app: App, limit: int = 25) -> list[RecentChange]:
    """The latest changes in words, each with the statement it concerns when there is one."""
    found = []
    for entry in list_audit(ws, limit=limit):
        ref = _statement_of(app, entry.summary)
        if not ref and entry.entity == "evidence_item" and entry.entity_id.isdigit():
            try:
                refs = sorted(evidence.get_evidence(ws, int(entry.entity_id)).refs)
            except UserError:  # deleted since
                refs = []
            ref = refs[0] if refs else ""
        what = _ENTITIES.get(entry.entity, entry.entity.replace("_", " "))
        fields = ", ".join(sorted(k.replace("_", " ") for k in (entry.after or {}))) if entry.action == "update" else ""
        verb = {"create": "added", "update": "changed", "delete": "removed"}.get(entry.action, entry.action)
        label = _label(entry.summary)
        text = f"{what.capitalize()} {verb}" + (f": {label}" if label else "") + (f" ({fields})" if fields else "")
        found.append(RecentChange(entry.at, entry.actor, text, ref))
    return found


def _statement_of(app: App, text: str) -> str:
    for candidate in _REF.findall(text):
        try:
            return app.statement(candidate).ref
        except UserError:
            continue
    return ""


def _label(summary: str) -> str:
    """``update Assessment XR-101`` -> ``XR-101``: what the audit summary names after the model."""
    parts = summary.split(" ", 2)
    return parts[2] if len(parts) == 3 else ""
