"""Report section: the MR equipment register by label and MR unit, and conditional items missing
their conditions (MR-903)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from qsi_desktop.plugins.types import Paragraph, ReportBlock, ReportContext, ReportSection, Table
from qsi_plugin_mr.importers.equipment import LABELS, MR_CONDITIONAL
from qsi_plugin_mr.importers.equipment import NAME as EQUIPMENT

NOT_RECORDED = "(not recorded)"


def render(context: ReportContext) -> list[ReportBlock]:
    records = context.records(EQUIPMENT)
    if not records:
        return [Paragraph("No MR equipment register has been imported.", style="note")]
    by_label = Counter(str(r.get("label")) for r in records)
    blocks: list[ReportBlock] = [
        Paragraph(f"The MR equipment register lists {len(records)} items."),
        Table(
            ("Label", "Items"),
            (*((label, str(by_label[label])) for label in LABELS), ("Total", str(len(records)))),
            caption="MR equipment by label",
        ),
        _by_location(records),
    ]
    missing = sorted(
        (r for r in records if r.get("label") == MR_CONDITIONAL and not r.get("conditions_recorded")),
        key=lambda r: (str(r.get("location", "")), str(r.get("item", ""))),
    )
    if missing:
        blocks.append(
            Paragraph(
                f"{len(missing)} MR Conditional items have no conditions recorded (field strength, spatial "
                "gradient, SAR): the control room list must state the constraints of each.",
                style="warning",
            )
        )
        blocks.append(
            Table(
                ("Item", "Location", "Asset number", "Last checked"),
                tuple(
                    (
                        str(r.get("item", "")),
                        str(r.get("location") or NOT_RECORDED),
                        str(r.get("asset") or ""),
                        str(r.get("last_checked") or NOT_RECORDED),
                    )
                    for r in missing
                ),
                caption="MR Conditional items missing their conditions",
            )
        )
    elif by_label[MR_CONDITIONAL]:
        blocks.append(Paragraph("Every MR Conditional item has its conditions recorded."))
    return blocks


def _by_location(records: list[dict[str, Any]]) -> Table:
    counts: dict[str, Counter[str]] = {}
    for record in records:
        counts.setdefault(str(record.get("location") or NOT_RECORDED), Counter())[str(record.get("label"))] += 1
    return Table(
        ("Location", *LABELS, "Total"),
        tuple(
            (location, *(str(c[label]) for label in LABELS), str(sum(c.values())))
            for location, c in sorted(counts.items())
        ),
        caption="MR equipment by location",
    )


EQUIPMENT_SECTION = ReportSection(
    id="mr.equipment-register",
    title="MR equipment register as imported (mr-equipment-register)",
    render=render,
    modality="MR",
    order=310,
    section_ref="MR-9",
    statement_refs=("MR-903",),
)

REPORT_SECTIONS: tuple[ReportSection, ...] = (EQUIPMENT_SECTION,)
