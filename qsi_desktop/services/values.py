"""Parsing what users type: statuses, dates, statement references with a suggestion."""

from __future__ import annotations

import calendar
from datetime import date

from qsi_desktop.privacy import find_nhs_numbers
from qsi_desktop.services.errors import UserError
from qsi_desktop.statuses import ACTION_STATUSES, STATUS_LABELS, STATUSES, status_label  # noqa: F401  (re-exported)

_STATUS_ALIASES = {"na": "not_applicable", "n/a": "not_applicable", "partial": "partially_met"}


def parse_status(text: str) -> str:
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    key = _STATUS_ALIASES.get(text.strip().lower(), key)
    if key not in STATUSES:
        choices = ", ".join(s.replace("_", "-") for s in STATUSES)
        raise UserError(f"unknown status {text!r}; use one of: {choices}")
    return key


def parse_action_status(text: str) -> str:
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in ACTION_STATUSES:
        raise UserError(f"unknown action status {text!r}; use one of: {', '.join(ACTION_STATUSES)}")
    return key


def uk_date(value: date | str | None) -> str:
    """A date as UK forms write it (``05/03/2026``); an ISO text is read first; None or "" gives ""."""
    if not value:
        return ""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return f"{day:%d/%m/%Y}"


def long_date(value: date | str | None) -> str:
    """A date in a sentence, as the pack writes it (``3 September 2026``); an ISO text is read first."""
    if not value:
        return ""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return f"{day.day} {day:%B %Y}"


def parse_date(text: str, what: str = "date") -> date:
    """A date as people in the UK write it: ``2026-03-31``, ``31/03/2026``, ``31 Mar 2026`` (day first)."""
    from qsi_desktop.tabular import parse_date as parse_uk_date

    try:
        return parse_uk_date(text)
    except ValueError as exc:
        raise UserError(f"{what} {exc}") from None


MAX_REVIEW_INTERVAL_MONTHS = 120


def check_interval(months: int) -> int:
    if not 1 <= months <= MAX_REVIEW_INTERVAL_MONTHS:
        raise UserError(f"the review interval must be 1 to {MAX_REVIEW_INTERVAL_MONTHS} months, not {months}")
    return months


def check_free_text(what: str, text: str | None) -> None:
    """Refuse text that looks like it holds a patient identifier (an NHS number).

    Narratives, titles and file names end up in the audit trail and the submission pack, which
    must never hold patient data. The number is not repeated in the message.
    """
    if text and find_nhs_numbers(text):
        raise UserError(f"the {what} contains what looks like an NHS number; remove patient identifiers before saving")


def plain_file_name(name: str) -> str:
    """A file name as text: bytes that are not valid in the system's encoding become \ufffd."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if not 1 <= year <= 9999:
        raise UserError(f"{day.isoformat()} plus {months} months is outside the calendar")
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
