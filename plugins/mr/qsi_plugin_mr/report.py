"""Report section: the MR equipment safety register summarised by label and location, and MR
Conditional items missing their conditions (MR-903). The register's rows themselves are the core's
dated table in the same part."""

from __future__ import annotations

from collections import Counter
from typing import Any

from qsi_desktop.plugins.types import Paragraph, ReportBlock, ReportContext, ReportSection, Table
from qsi_desktop.services.values import uk_date
from qsi_plugin_mr.importers.equipment import LABELS, MR_CONDITIONAL, REGISTER_ID

NOT_RECORDED = "(not recorded)"
CONDITIONS = ("field_strength", "spatial_gradient", "sar", "conditions")


def conditions_recorded(row: dict[str, Any]) -> bool:
    return any(row.get(key) not in (None, "") for key in CONDITIONS)


def render(context: ReportContext) -> list[ReportBlock]:
    rows = context.register_rows(REGISTER_ID)
    if not rows:
        return [Paragraph("The MR equipment safety register has no items yet.", style="note")]
    by_label = Counter(str(r.get("label")) for r in rows)
    blocks: list[ReportBlock] = [
        Paragraph(f"The MR equipment safety register lists {len(rows)} items."),
        Table(
            ("Label", "Items"),
            (*((label, str(by_label[label])) for label in LABELS), ("Total", str(len(rows)))),
            caption="MR equipment by label",
        ),
        _by_location(rows),
    ]
    missing = sorted(
        (r for r in rows if r.get("label") == MR_CONDITIONAL and not conditions_recorded(r)),
        key=lambda r: (str(r.get("location") or ""), str(r.get("item", ""))),
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
                        _day(r.get("last_checked")) or NOT_RECORDED,
                    )
                    for r in missing
                ),
                caption="MR Conditional items missing their conditions",
            )
        )
    elif by_label[MR_CONDITIONAL]:
        blocks.append(Paragraph("Every MR Conditional item has its conditions recorded."))
    return blocks


def _by_location(rows: list[dict[str, Any]]) -> Table:
    counts: dict[str, Counter[str]] = {}
    for row in rows:
        counts.setdefault(str(row.get("location") or NOT_RECORDED), Counter())[str(row.get("label"))] += 1
    return Table(
        ("Location", *LABELS, "Total"),
        tuple(
            (location, *(str(c[label]) for label in LABELS), str(sum(c.values())))
            for location, c in sorted(counts.items())
        ),
        caption="MR equipment by location",
    )


EQUIPMENT_SECTION = ReportSection(
    id="mr.equipment-summary",
    title="MR equipment safety register: summary",
    render=render,
    modality="MR",
    order=310,
    section_ref="MR-9",
    statement_refs=("MR-903",),
)

REPORT_SECTIONS: tuple[ReportSection, ...] = (EQUIPMENT_SECTION,)


def _day(value: Any) -> str:
    """A stored date as the register shows it (05/03/2026); anything else as it is."""
    try:
        return uk_date(value) if isinstance(value, str) else ""
    except ValueError:
        return str(value)
