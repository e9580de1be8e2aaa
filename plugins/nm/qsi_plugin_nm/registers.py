"""The radiopharmaceutical SOP register (NM-905 a-f): the document covering each section, its evidence,
owner, version and review date; sections without a document (gaps) and overdue reviews are flagged,
here per row and in the pack by :func:`render_sops`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from qsi_desktop.plugins.types import (
    Paragraph,
    Register,
    RegisterField,
    ReportBlock,
    ReportContext,
    ReportSection,
    Table,
)

SOP_SECTIONS = (
    "a. Ordering",
    "b. Transport",
    "c. Receipt",
    "d. Storage",
    "e. Out of hours",
    "f. Consignment",
)


def sop_flags(values: Mapping[str, Any], as_of: date) -> Sequence[str]:
    flags = []
    if not values.get("evidence"):
        flags.append("no evidence document linked")
    review = values.get("review_date")
    if not review:
        flags.append("no review date")
    elif isinstance(review, str) and review < as_of.isoformat():
        flags.append("review overdue")
    return flags


SOPS = Register(
    id="nm.radiopharmaceutical-sops",
    title="Radiopharmaceutical SOPs",
    modality="NM",
    statement_refs=("NM-905",),
    description=(
        "The SOP documents for radiopharmaceuticals supplied by an off-site radiopharmacy: one row per section "
        "NM-905 asks for (a ordering, b transport, c receipt, d storage, e out of hours, f consignment)."
    ),
    key_fields=("section",),
    fields=(
        RegisterField("section", "Section", kind="choice", choices=SOP_SECTIONS, aliases=("sop section", "area")),
        RegisterField("document", "Document", required=True, aliases=("sop", "title", "document title", "sop title")),
        RegisterField("evidence", "Evidence", kind="evidence", aliases=("evidence item", "evidence id")),
        RegisterField("owner", "Owner", aliases=("document owner", "author", "responsible")),
        RegisterField("version", "Version", aliases=("issue", "version number")),
        RegisterField("review_date", "Review date", kind="date", aliases=("review due", "next review", "review by")),
    ),
    flags=sop_flags,
    in_pack=False,  # the SOP section shows it, with the sections that have no SOP
)

REGISTERS = (SOPS,)


def render_sops(context: ReportContext) -> list[ReportBlock]:
    rows = {str(r.get("section")): r for r in context.register_rows(SOPS.id)}
    table = []
    gaps = overdue = 0
    for section in SOP_SECTIONS:
        row = rows.get(section)
        if row is None:
            gaps += 1
            table.append((section, None, None, None, None, "gap: no SOP recorded"))
            continue
        flags = sop_flags(row, context.as_of)
        overdue += "review overdue" in flags
        review = date.fromisoformat(row["review_date"]) if row.get("review_date") else None
        table.append(
            (
                section,
                str(row.get("document", "")),
                str(row.get("owner", "")) or None,
                str(row.get("version", "")) or None,
                review,
                "; ".join(flags) or "in date",
            )
        )
    blocks: list[ReportBlock] = []
    if gaps or overdue:
        blocks.append(
            Paragraph(
                f"{gaps} of the {len(SOP_SECTIONS)} sections {'has' if gaps == 1 else 'have'} no SOP recorded and "
                f"{overdue} {'is' if overdue == 1 else 'are'} past {'its' if overdue == 1 else 'their'} review date.",
                style="warning",
            )
        )
    else:
        blocks.append(Paragraph(f"Every section a-f has an SOP recorded and in date on {context.as_of:%d %B %Y}."))
    blocks.append(
        Table(
            ("Section", "Document", "Owner", "Version", "Review date", "Status"),
            tuple(table),
            caption="Radiopharmaceutical SOP sections (NM-905 a-f)",
        )
    )
    return blocks


SOP_SECTION = ReportSection(
    id="nm.radiopharmaceutical-sops",
    title="Radiopharmaceutical SOPs",
    render=render_sops,
    modality="NM",
    order=420,
    section_ref="NM-9",
    statement_refs=("NM-905",),
)
