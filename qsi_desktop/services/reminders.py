"""Review reminders: what falls due (statement reviews, evidence reviews, actions), and an .ics calendar
file Outlook imports, so a quality lead sees QSI dates beside their meetings.

The calendar is written by hand (RFC 5545 is small for all-day events): CRLF line ends, lines folded at
75 octets, text escaped. Each event's UID is stable (workspace id and what it is about), so importing a
newer file updates the events instead of doubling them. Titles name statements and documents, never
people's data beyond the owner the user typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from qsi_desktop.export.names import evidence_label
from qsi_desktop.services import actions, evidence
from qsi_desktop.services.app import App
from qsi_desktop.services.readiness import readiness
from qsi_desktop.store.workspace import Workspace


@dataclass(frozen=True)
class Reminder:
    due_on: date
    kind: str  # "statement review", "evidence review" or "action"
    ref: str  # the statement to go to
    title: str
    uid: str

    def to_dict(self, today: date) -> dict:
        return {
            "due_on": self.due_on.isoformat(),
            "kind": self.kind,
            "statement": self.ref,
            "title": self.title,
            "overdue": self.due_on < today,
        }


def reminders(ws: Workspace, app: App, *, today: date | None = None, days: int = 90) -> list[Reminder]:
    """What is due up to ``days`` ahead, and everything already overdue, soonest first."""
    today = today or date.today()
    until = today + timedelta(days=days)
    found: list[Reminder] = []
    for state in readiness(ws, app, today=today).statements:
        if state.applicable and state.next_review_on and state.next_review_on <= until:
            title = f"Review {state.ref} {state.name}"
            found.append(Reminder(state.next_review_on, "statement review", state.ref, title, f"review-{state.ref}"))
    for item in evidence.list_evidence(ws):
        if item.review_due_on and item.review_due_on <= until and item.refs:
            title = f"Review evidence {evidence_label(item.id)} {item.title}"
            found.append(Reminder(item.review_due_on, "evidence review", min(item.refs), title, f"evidence-{item.id}"))
    for action in actions.list_actions(ws):
        if action.is_open and action.due_on and action.due_on <= until:
            owner = f" ({action.owner})" if action.owner else ""
            title = f"{action.statement_ref} action due: {action.description}{owner}"
            found.append(Reminder(action.due_on, "action", action.statement_ref, title, f"action-{action.id}"))
    return sorted(found, key=lambda r: (r.due_on, r.kind, r.ref))


def write_ics(path: Path, items: list[Reminder], *, workspace_id: str, service: str) -> None:
    """An iCalendar file of all-day events, one per reminder, each with a reminder the morning before."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//QSI Desktop//Review reminders//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(f'QSI reviews: {service}')}",
    ]
    for item in items:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{item.uid}-{workspace_id}@qsi-desktop",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{item.due_on:%Y%m%d}",
            f"DTEND;VALUE=DATE:{item.due_on + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(item.title)}",
            f"DESCRIPTION:{_escape(f'{item.kind.capitalize()} for {item.ref}, from QSI Desktop ({service}).')}",
            f"CATEGORIES:QSI,{_escape(item.kind)}",
            "TRANSP:TRANSPARENT",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{_escape(item.title)}",
            "TRIGGER:-PT15H",
            "END:VALARM",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    path.write_bytes("".join(_fold(line) + "\r\n" for line in lines).encode("utf-8"))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r", "").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (never inside a character)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)
