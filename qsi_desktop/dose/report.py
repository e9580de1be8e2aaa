"""Report blocks of the dose audits for the pack: ReportContext in, blocks out (the plugins register them).

The audit covers the 12 months up to the report's ``as_of`` date. Which DRL table, exam-type mapping and
high-dose threshold are used: a :class:`~qsi_desktop.plugins.types.ReportContext` cannot read the
workspace's stored tables, so on a plain context (``check_plugin``, tests) the sections use the shipped
national CT table, no mapping (every study is listed as unmapped, with suggestions never applied) and
the default 5 Gy threshold. A context with a ``ws`` attribute (the workspace's own,
:class:`~qsi_desktop.services.report_context.WorkspaceReportContext`) gives the user's chosen tables,
mapping and threshold (:mod:`qsi_desktop.dose.settings`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from qsi_desktop.dose import audit, charts, drl, exam_types, settings
from qsi_desktop.dose.exam_types import MapRule
from qsi_desktop.errors import QsiError
from qsi_desktop.plugins.types import BulletList, Paragraph, ReportBlock, ReportContext, Table
from qsi_desktop.services.values import long_date

CT_IMPORTER = "ct-dose"
IR_IMPORTER = "ir-dose"
UNMAPPED_SHOWN = 20  # the commonest unmapped descriptions; `qsi dose map` lists them all


@dataclass(frozen=True)
class AuditSettings:
    ct_table: drl.DrlTable = field(default_factory=drl.national_ct)
    ir_table: drl.DrlTable | None = None
    ct_rules: tuple[MapRule, ...] = ()
    ir_rules: tuple[MapRule, ...] = ()
    threshold_mgy: float = audit.DEFAULT_HIGH_DOSE_MGY


def audit_settings(context: ReportContext) -> AuditSettings:
    """The user's tables, mapping and threshold when the context has a workspace, else the defaults."""
    ws = getattr(context, "ws", None)
    if ws is None:
        return AuditSettings()
    return AuditSettings(
        ct_table=settings.audit_table(ws, "ct") or drl.national_ct(),
        ir_table=settings.audit_table(ws, "ir"),
        ct_rules=tuple(exam_types.load_rules(ws, exam_types.CT_MAP_KEY)),
        ir_rules=tuple(exam_types.load_rules(ws, exam_types.IR_MAP_KEY)),
        threshold_mgy=settings.threshold_mgy(ws),
    )


def period(as_of: date) -> tuple[date, date]:
    return as_of - timedelta(days=365), as_of


def _records(context: ReportContext, importer: str, since: date, until: date) -> list[dict[str, Any]] | str:
    """The records, or why there are none to read (the importer not loaded)."""
    try:
        return context.records(importer, since=since, until=until)
    except QsiError:
        return f"The {importer} importer is not loaded, so no dose reports can be audited here."


def _guarded(modality: str, name: str, importer: str, body: Callable[..., list[ReportBlock]]) -> Callable:
    """Common openings: the modality not provided, the importer missing, no records in the period."""

    def render(context: ReportContext) -> list[ReportBlock]:
        if modality not in context.modalities():
            return [Paragraph(f"The service does not provide {name}: no dose audit is needed.", style="note")]
        since, until = period(context.as_of)
        records = _records(context, importer, since, until)
        if isinstance(records, str):
            return [Paragraph(records, style="note")]
        if not records:
            return [
                Paragraph(
                    f"No {name} dose reports are recorded between {long_date(since)} and {long_date(until)}: "
                    f"import them with the {importer} importer to audit them.",
                    style="note",
                )
            ]
        return body(records, audit_settings(context), since, until)

    return render


# -- CT -------------------------------------------------------------------------------------------------


def _n(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def ct_group_table(result: audit.CtAudit, measure: str) -> Table:
    """``measure`` "ctdivol" (per sequence) or "dlp" (per exam): quartiles and the DRL per group."""
    per = "Sequences" if measure == "ctdivol" else "Exams"
    unit = "mGy" if measure == "ctdivol" else "mGy.cm"
    rows = []
    for g in result.groups:
        stats = g.ctdivol if measure == "ctdivol" else g.dlp
        if stats is None:
            continue
        level = (g.drl.ctdivol_mgy if measure == "ctdivol" else g.drl.dlp_mgycm) if g.drl else None
        above = g.ctdivol_above if measure == "ctdivol" else g.dlp_above
        finding = "; ".join((["median above the DRL"] if above else []) + list(g.notes[:1]))
        quartiles = (_n(stats.q1), _n(stats.median), _n(stats.q3))
        rows.append((g.exam_type, g.device, g.population, g.phantom, stats.n, *quartiles, level, finding))
    name = "CTDIvol per sequence" if measure == "ctdivol" else "DLP per exam"
    return Table(
        columns=(
            *("Exam type", "Scanner", "Patients", "Phantom", per),
            *("Lower quartile", "Median", "Upper quartile", f"DRL ({unit})", "Finding"),
        ),
        rows=tuple(rows),
        caption=f"{name} ({unit}) by exam type, scanner, patients and phantom",
        landscape=True,
    )


def ct_audit_blocks(
    records: list[dict[str, Any]], chosen: AuditSettings, since: date, until: date
) -> list[ReportBlock]:
    result = audit.ct_audit(records, chosen.ct_table, chosen.ct_rules, since=since, until=until)
    blocks: list[ReportBlock] = [
        Paragraph(
            f"{result.exams} CT exams from {since.isoformat()} to {until.isoformat()}: {result.mapped} mapped to an "
            f"exam type, {result.paediatric} paediatric (under 16), {result.unknown_age} without an age (counted as "
            f"adult). Compared with {chosen.ct_table.citation()}. CTDIvol is per sequence without localisers and "
            f"DLP per exam; medians and {result.quantile_method}. Groups of fewer than {result.min_exams} exams are "
            "marked: their medians are not reliable. Review the findings with the Medical Physics Expert."
        )
    ]
    if result.flagged:
        blocks.append(Paragraph(f"{len(result.flagged)} group(s) with a median above the DRL:", style="warning"))
        blocks.append(
            BulletList(
                tuple(
                    f"{g.exam_type}, {g.device}, {g.population}, {g.phantom} phantom: "
                    + ", ".join(
                        text
                        for text, above in (
                            (f"median CTDIvol {g.ctdivol.median:g} mGy" if g.ctdivol else "", g.ctdivol_above),
                            (f"median DLP {g.dlp.median:g} mGy.cm" if g.dlp else "", g.dlp_above),
                        )
                        if above
                    )
                    for g in result.flagged
                )
            )
        )
    if result.groups:
        blocks += [ct_group_table(result, "dlp"), ct_group_table(result, "ctdivol")]
    if result.by_exam_type:
        blocks.append(charts.dlp_box_plot(result.by_exam_type, drl_name=chosen.ct_table.name))
    if result.monthly:
        blocks.append(charts.median_dlp_by_month(result.monthly))
    if result.unmapped:
        blocks.append(
            Paragraph(
                f"{result.exams - result.mapped} exams have a description no mapping rule covers and are left out; "
                "suggestions are not applied until the user confirms them (qsi dose map).",
                style="note",
            )
        )
        blocks.append(
            Table(
                ("Description", "Exams", "Suggested exam type"),
                tuple((t, n, s) for t, n, s in result.unmapped[:UNMAPPED_SHOWN]),
                caption="Descriptions without an exam type",
            )
        )
    return blocks


render_ct_drl_audit = _guarded("CT", "CT", CT_IMPORTER, ct_audit_blocks)


# -- IR -------------------------------------------------------------------------------------------------


def ir_audit_blocks(
    records: list[dict[str, Any]], chosen: AuditSettings, since: date, until: date
) -> list[ReportBlock]:
    result = audit.ir_audit(
        records, chosen.ir_table, chosen.ir_rules, threshold_mgy=chosen.threshold_mgy, since=since, until=until
    )
    table = chosen.ir_table
    blocks: list[ReportBlock] = [
        Paragraph(
            f"{result.studies} fluoroscopy studies from {since.isoformat()} to {until.isoformat()}, by procedure "
            f"type; medians and {result.quantile_method}. "
            + (
                f"Compared with {table.citation()}."
                if table
                else "No fluoroscopy reference table is kept yet (none is shipped: import the local or national "
                "values with qsi dose drl), so medians are shown without a comparison."
            )
        )
    ]
    rows = tuple(
        (
            g.procedure,
            g.studies,
            _n(g.dap.median) if g.dap else None,
            g.drl.dap_gycm2 if g.drl else None,
            _n(g.rp_dose.median) if g.rp_dose else None,
            g.drl.rp_dose_mgy if g.drl else None,
            _n(g.fluoro_time.median) if g.fluoro_time else None,
            g.drl.fluoro_time_s if g.drl else None,
            "; ".join(([f"median above reference: {', '.join(g.above)}"] if g.above else []) + list(g.notes[:1])),
        )
        for g in result.groups
    )
    blocks.append(
        Table(
            (
                "Procedure",
                "Studies",
                "Median DAP (Gy.cm2)",
                "Reference DAP",
                "Median RP air kerma (mGy)",
                "Reference RP air kerma",
                "Median fluoroscopy time (s)",
                "Reference time",
                "Finding",
            ),
            rows,
            caption="Fluoroscopy dose by procedure type",
            landscape=True,
        )
    )
    return blocks


def high_dose_blocks(
    records: list[dict[str, Any]], chosen: AuditSettings, since: date, until: date
) -> list[ReportBlock]:
    threshold = chosen.threshold_mgy
    found = audit.high_dose(records, threshold)
    intro = (
        f"Studies from {since.isoformat()} to {until.isoformat()} whose cumulative reference-point air kerma is "
        f"above {threshold / 1000:g} Gy, for skin-dose follow-up, by month and equipment only."
    )
    if not found:
        return [Paragraph(f"{intro} None of {len(records)} studies is above it.")]
    return [
        Paragraph(f"{intro} {len(found)} of {len(records)} studies are above it."),
        Table(
            ("Month", "Equipment", "RP air kerma (mGy)"),
            tuple((s.month, s.device, s.rp_dose_mgy) for s in found),
            caption=f"Studies above {threshold / 1000:g} Gy reference-point air kerma",
        ),
    ]


render_ir_dose_audit = _guarded("IR", "interventional radiology", IR_IMPORTER, ir_audit_blocks)
render_ir_high_dose = _guarded("IR", "interventional radiology", IR_IMPORTER, high_dose_blocks)
