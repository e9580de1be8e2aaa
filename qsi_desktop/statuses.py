"""The assessment and action statuses and how they are spelled on screen.

Kept apart from the models (no SQLAlchemy): the window's first paint shows them before the
database layer is imported.
"""

from __future__ import annotations

STATUSES = ("not_started", "in_progress", "met", "partially_met", "not_met", "not_applicable")
ACTION_STATUSES = ("open", "in_progress", "done", "cancelled")

STATUS_LABELS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "met": "Met",
    "partially_met": "Partially met",
    "not_met": "Not met",
    "not_applicable": "Not applicable",
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)
