"""Report section: transducer decontamination compliance per probe and per month (US-903)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from qsi_desktop.plugins.types import Paragraph, ReportBlock, ReportContext, ReportSection, Table
from qsi_desktop.services.values import long_date
from qsi_plugin_us.importers.decontamination import NAME as DECONTAMINATION
from qsi_plugin_us.registers import TRANSDUCERS, unknown_probes

COLUMNS = ("Uses", "Uses needing HLD", "With passing HLD", "Compliance")


class _Tally:
    def __init__(self) -> None:
        self.uses = 0
        self.needing = 0
        self.passing = 0
        self.no_cycle = 0

    def add(self, record: dict[str, Any]) -> None:
        self.uses += 1
        if record.get("hld_required"):
            self.needing += 1
            self.passing += bool(record.get("compliant"))
            self.no_cycle += not record.get("cycle_recorded")

    def cells(self) -> tuple[str, ...]:
        return (str(self.uses), str(self.needing), str(self.passing), percent(self.passing, self.needing))


def percent(part: int, whole: int) -> str:
    """Rounded down, so 199 of 200 shows 99.5% and never a flattering 100%."""
    if whole == 0:
        return "n/a"
    return f"{math.floor(part * 1000 / whole) / 10:g}%"


def month_label(month: str) -> str:
    try:
        return date.fromisoformat(f"{month}-01").strftime("%b %Y")
    except ValueError:
        return month


def _day(text: str) -> str:
    try:
        return long_date(text)
    except ValueError:
        return text


def render(context: ReportContext) -> list[ReportBlock]:
    records = context.records(DECONTAMINATION)
    if not records:
        return [Paragraph("No transducer decontamination log has been imported.", style="note")]
    total = _tally(records)
    by_probe = _group(records, "probe")
    by_month = _group(records, "month")
    dates = sorted(str(r.get("date", "")) for r in records)
    blocks: list[ReportBlock] = [
        Paragraph(
            f"Decontamination log from {_day(dates[0])} to {_day(dates[-1])}: {total.uses} uses of {len(by_probe)} "
            f"transducers. {total.passing} of {total.needing} uses needing high-level disinfection "
            f"(semi-critical or critical) had a passing high-level disinfection record "
            f"({percent(total.passing, total.needing)})."
        )
    ]
    if total.passing < total.needing:
        blocks.append(
            Paragraph(
                f"{_uses(total.needing - total.passing)} needing high-level disinfection had no passing record.",
                style="warning",
            )
        )
    if total.no_cycle:
        blocks.append(
            Paragraph(
                f"{_uses(total.no_cycle)} needing high-level disinfection had no cycle record for traceability.",
                style="note",
            )
        )
    blocks.append(_register_check(records, context.register_rows(TRANSDUCERS.id)))
    blocks.append(
        Table(
            ("Transducer", *COLUMNS, "No cycle record"),
            tuple((probe, *tally.cells(), str(tally.no_cycle)) for probe, tally in sorted(by_probe.items())),
            caption="Decontamination compliance by transducer",
        )
    )
    months = sorted(by_month.items())
    by_month_table = Table(
        ("Month", *COLUMNS),
        tuple((month_label(month), *tally.cells()) for month, tally in months),
        caption="Decontamination compliance by month",
    )
    blocks.append(_monthly_chart(months, by_month_table))
    return blocks


def _monthly_chart(months: list[tuple[str, _Tally]], table: Table) -> ReportBlock:
    """Compliance per month as a chart, its data the month table (the drawing code loads only when drawing)."""
    from qsi_desktop.export.charts import bar_chart

    rates = [math.floor(t.passing * 1000 / t.needing) / 10 if t.needing else 0.0 for _, t in months]
    figure = bar_chart(
        [month_label(month) for month, _ in months],
        rates,
        title="Decontamination compliance by month",
        value_label="Uses needing HLD with a passing record (%)",
        caption="Transducer decontamination compliance by month",
        alt_text_intro="Share of uses needing high-level disinfection with a passing record, by month",
        category_label="Month",
        value_format="{:g}%",
    )
    return replace(figure, table=table)


def _register_check(records: list[dict[str, Any]], register: list[dict[str, Any]]) -> ReportBlock:
    """The log's probes against the transducer register: those it does not list, by name."""
    if not register:
        return Paragraph(
            "No transducer register is kept, so the log's probes could not be checked against it.", style="note"
        )
    unknown = unknown_probes(records, register)
    if not unknown:
        return Paragraph(f"Every probe in the log is in the transducer register ({len(register)} transducers).")
    return Paragraph(
        f"{len(unknown)} {'probe' if len(unknown) == 1 else 'probes'} in the log "
        f"{'is' if len(unknown) == 1 else 'are'} not in the transducer register: {', '.join(unknown)}.",
        style="warning",
    )


def _tally(records: Iterable[dict[str, Any]]) -> _Tally:
    tally = _Tally()
    for record in records:
        tally.add(record)
    return tally


def _group(records: Iterable[dict[str, Any]], field: str) -> dict[str, _Tally]:
    groups: dict[str, _Tally] = defaultdict(_Tally)
    for record in records:
        groups[str(record.get(field, ""))].add(record)
    return dict(groups)


DECONTAMINATION_SECTION = ReportSection(
    id="us.decontamination-compliance",
    title="Ultrasound transducer decontamination",
    render=render,
    modality="US",
    order=510,
    section_ref="US-9",
    statement_refs=("US-903",),
)

REPORT_SECTIONS: tuple[ReportSection, ...] = (DECONTAMINATION_SECTION,)


def _uses(count: int) -> str:
    return f"{count} use" if count == 1 else f"{count} uses"
