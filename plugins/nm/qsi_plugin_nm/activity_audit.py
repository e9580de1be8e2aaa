"""Administered activities against the reference activities the service keeps (NM, XR-501).

The references are a register, ``nm.reference-activities``, empty until the service fills it from ARSAC's
Notes for Guidance or its own local values: QSI Desktop ships no numbers. A reference is a fixed activity
(MBq) or one per body weight (MBq/kg, needing the administration's weight). An administration above its
reference is listed as an outlier, with month and room only.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import replace
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
from qsi_plugin_nm.importers.activity import NAME as ACTIVITY_LOG

PER_ACTIVITY, PER_KG = "MBq", "MBq/kg"
MAX_OUTLIERS_LISTED = 25

REFERENCE_ACTIVITIES = Register(
    id="nm.reference-activities",
    title="Reference activities",
    modality="NM",
    statement_refs=("NM-905", "XR-501"),
    description=(
        "The activity each procedure should not normally exceed: a fixed activity in MBq, or MBq per kg of body "
        "weight. Copy them from ARSAC's Notes for Guidance or your local values; none are supplied."
    ),
    key_fields=("procedure",),
    fields=(
        RegisterField("procedure", "Procedure", aliases=("examination", "exam", "study")),
        RegisterField("radiopharmaceutical", "Radiopharmaceutical", aliases=("agent", "tracer")),
        RegisterField(
            "reference",
            "Reference activity",
            kind="number",
            required=True,
            minimum=0.01,
            maximum=20000,
            aliases=("drl", "reference", "diagnostic reference level", "activity"),
        ),
        RegisterField(
            "unit", "Unit", kind="choice", choices=(PER_ACTIVITY, PER_KG), required=True, aliases=("units", "per")
        ),
        RegisterField("source", "Source", aliases=("reference source", "from")),
    ),
)


def _key(text: Any) -> str:
    return " ".join(str(text or "").lower().split())


def _limit(record: dict[str, Any], reference: dict[str, Any]) -> float | None:
    """The activity this administration should not exceed, or None when it cannot be said (no weight)."""
    if reference.get("unit") == PER_KG:
        weight = record.get("weight_kg")
        return float(reference["reference"]) * float(weight) if weight else None
    return float(reference["reference"])


def render(context: ReportContext) -> list[ReportBlock]:
    records = context.records(ACTIVITY_LOG)
    if not records:
        return [Paragraph("No administered activity log has been imported.", style="note")]
    references = {_key(r.get("procedure")): r for r in context.register_rows(REFERENCE_ACTIVITIES.id)}
    by_procedure: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_procedure[str(record.get("procedure"))].append(record)
    rows, outliers, unchecked = [], [], 0
    for procedure, given in sorted(by_procedure.items()):
        reference = references.get(_key(procedure))
        activities = [float(r["activity_mbq"]) for r in given]
        above = 0
        for record in given:
            limit = _limit(record, reference) if reference else None
            if limit is None:
                unchecked += reference is not None
                continue
            if float(record["activity_mbq"]) > limit:
                above += 1
                outliers.append(
                    (record.get("month"), procedure, float(record["activity_mbq"]), round(limit, 1), record.get("room"))
                )
        shown = f"{reference['reference']:g} {reference['unit']}" if reference else "none recorded"
        rows.append((procedure, len(given), round(statistics.median(activities), 1), max(activities), shown, above))
    blocks: list[ReportBlock] = [
        Paragraph(
            f"{len(records)} administrations of {len(by_procedure)} procedures; {len(outliers)} above their reference "
            "activity."
            + (
                ""
                if references
                else " No reference activities are recorded yet: add them to the "
                "reference activities register to check the log against them."
            )
        )
    ]
    if unchecked:
        blocks.append(
            Paragraph(
                f"{unchecked} weight-based administrations have no weight recorded and could not be checked.",
                style="note",
            )
        )
    table = Table(
        ("Procedure", "Administrations", "Median MBq", "Highest MBq", "Reference", "Above it"),
        tuple(rows),
        caption="Administered activity by procedure",
    )
    blocks.append(_chart(rows, table) if references else table)
    if outliers:
        blocks.append(
            Table(
                ("Month", "Procedure", "Activity (MBq)", "Reference for it (MBq)", "Room"),
                tuple(outliers[:MAX_OUTLIERS_LISTED]),
                caption="Administrations above their reference activity"
                + (
                    f" (the first {MAX_OUTLIERS_LISTED} of {len(outliers)})"
                    if len(outliers) > MAX_OUTLIERS_LISTED
                    else ""
                ),
            )
        )
    return blocks


def _chart(rows: list[tuple], table: Table) -> ReportBlock:
    from qsi_desktop.export.charts import bar_chart  # the drawing code only when the section is drawn

    share = [round(100 * above / count, 1) for (_p, count, _m, _h, _r, above) in rows]
    figure = bar_chart(
        [row[0] for row in rows],
        share,
        title="Administered activity by procedure",
        value_label="Administrations above the reference (%)",
        caption="Share of administrations above their reference activity, by procedure",
        alt_text_intro="Share of administrations above their reference activity, by procedure",
        category_label="Procedure",
        value_format="{:g}%",
    )
    return replace(figure, table=table)


ACTIVITY_SECTION = ReportSection(
    id="nm.administered-activity",
    title="Administered activity against reference activities",
    render=render,
    modality="NM",
    order=430,
    section_ref="NM-9",
    statement_refs=("NM-905", "XR-501"),
)
