"""Report section: ARSAC licences, appointments and permits that have expired or expire soon (NM-905).

The date the register is judged against is the context's ``as_of``. An entry renewed since (same
type and holder, later expiry) is superseded and no longer needs attention.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from qsi_desktop.plugins.types import Paragraph, ReportBlock, ReportContext, ReportSection, Table
from qsi_plugin_nm.importers.licences import EXPIRING_TYPES, TYPES
from qsi_plugin_nm.importers.licences import NAME as LICENCES
from qsi_plugin_nm.registers import SOP_SECTION

WARNING_DAYS = 90
ARSAC_REMINDER_DAYS = 14 * 7  # ARSAC's own reminder to the MPEs
ARSAC_SUBMIT_BY_DAYS = 8 * 7  # renewals take 6-8 weeks: submit by then
COLUMNS = ("Type", "Holder", "Reference", "Expires", "Status")


def long_date(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def _date(record: dict[str, Any], field: str) -> date | None:
    value = record.get(field)
    return date.fromisoformat(value) if value else None


def _group(record: dict[str, Any]) -> tuple[str, str]:
    return str(record.get("type")), str(record.get("holder", "")).lower()


def status(record: dict[str, Any], as_of: date, superseded: bool = False) -> tuple[str, bool]:
    """The status text and whether the entry needs attention."""
    expires = _date(record, "expires")
    if superseded:
        return "superseded by a renewal", False
    if expires is None:
        needs = record.get("type") in EXPIRING_TYPES
        return ("no expiry date recorded" if needs else "no expiry date"), needs
    days = (expires - as_of).days
    if days < 0:
        return f"expired {_days(-days)} ago", True
    if days == 0:
        return "expires today", True
    if record.get("type") in EXPIRING_TYPES:
        # ARSAC takes 6-8 weeks to renew a licence and writes to the MPEs 14 weeks before expiry.
        if days <= ARSAC_SUBMIT_BY_DAYS:
            return f"expires in {_days(days)}: submit the renewal to ARSAC now", True
        if days <= ARSAC_REMINDER_DAYS:
            return f"expires in {_days(days)}: prepare the renewal (submit 8 weeks before)", True
    if days <= WARNING_DAYS:
        return f"expires in {_days(days)}", True
    return "in date", False


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _superseded(records: list[dict[str, Any]]) -> set[int]:
    latest: dict[tuple[str, str], date] = {}
    for record in records:
        expires = _date(record, "expires")
        if expires and expires > latest.get(_group(record), date.min):
            latest[_group(record)] = expires
    return {
        index
        for index, record in enumerate(records)
        if (expires := _date(record, "expires")) and expires < latest[_group(record)]
    }


def render(context: ReportContext) -> list[ReportBlock]:
    records = context.records(LICENCES)
    if not records:
        return [Paragraph("No register of ARSAC licences, appointments and permits has been imported.", style="note")]
    as_of = context.as_of
    old = _superseded(records)
    rows = []
    for index, record in enumerate(records):
        text, attention = status(record, as_of, index in old)
        rows.append((record, text, attention))
    rows.sort(key=lambda row: _order(row[0]))
    attention = sorted((r for r in rows if r[2]), key=lambda r: str(r[0].get("expires") or ""))
    blocks: list[ReportBlock] = [
        Paragraph(
            f"Register of {len(records)} licences, appointments and permits, as of {long_date(as_of)}: "
            f"{len(attention)} {'needs' if len(attention) == 1 else 'need'} attention (expired, expiring within "
            f"{WARNING_DAYS} days, or a licence with no expiry date)."
        )
    ]
    if attention:
        blocks.append(
            Table(
                COLUMNS,
                tuple(_cells(r, text) for r, text, _ in attention),
                caption=f"Expired or expiring within {WARNING_DAYS} days of {long_date(as_of)}",
            )
        )
    else:
        blocks.append(Paragraph(f"Nothing has expired or expires within {WARNING_DAYS} days."))
    blocks.append(
        Table(
            ("Type", "Holder", "Reference", "Issued", "Expires", "Status"),
            tuple(_cells(r, text, issued=True) for r, text, _ in rows),
            caption="ARSAC licences, appointments and permits",
        )
    )
    return blocks


def _order(record: dict[str, Any]) -> tuple[int, str, str]:
    kind = record.get("type")
    rank = TYPES.index(kind) if kind in TYPES else len(TYPES)
    return rank, str(record.get("holder", "")).lower(), str(record.get("expires") or "")


def _cells(record: dict[str, Any], text: str, *, issued: bool = False) -> tuple[str, ...]:
    cells = [str(record.get("type", "")), str(record.get("holder", "")), str(record.get("reference", ""))]
    if issued:
        cells.append(long_date(_date(record, "issued")))
    return (*cells, long_date(_date(record, "expires")), text)


LICENCES_SECTION = ReportSection(
    id="nm.licences-expiry",
    title="ARSAC licences, appointments and permits",
    render=render,
    modality="NM",
    order=410,
    section_ref="NM-9",
    statement_refs=("NM-905",),
)

REPORT_SECTIONS: tuple[ReportSection, ...] = (LICENCES_SECTION, SOP_SECTION)
