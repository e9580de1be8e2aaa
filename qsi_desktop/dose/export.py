"""The CT DRL audit as a CSV file for the evidence store: the figures, and what reproduces them.

Besides the groups' quartiles and DRLs, the file records the period, the DRL table and version, the
mapping rules in force and the command that recomputes it from the stored records, so an assessor or the
Medical Physics Expert can check it later even after the mapping has changed. Every text cell is made
inert for spreadsheets (:func:`qsi_desktop.export.cells.neutralise`).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from qsi_desktop.dose.audit import CtAudit, Stats
from qsi_desktop.dose.exam_types import MapRule
from qsi_desktop.export.cells import neutralise

GROUP_COLUMNS = (
    *("Exam type", "Scanner", "Patients", "Phantom", "Exams", "Exams without an age", "Sequences"),
    *("CTDIvol lower quartile (mGy)", "CTDIvol median (mGy)", "CTDIvol upper quartile (mGy)"),
    *("CTDIvol DRL (mGy)", "CTDIvol median above DRL"),
    *("DLP lower quartile (mGy.cm)", "DLP median (mGy.cm)", "DLP upper quartile (mGy.cm)"),
    *("DLP DRL (mGy.cm)", "DLP median above DRL", "Notes"),
)

# What a saved CT audit gives evidence for in the CT plugin's DRL audit checklist: local DRLs set from
# the medians, and compared with the national DRLs.
AUDIT_CHECKLIST_ITEMS = ("ct.drl-audit", ("local-drls", "national-comparison"))


def _quartiles(stats: Stats | None) -> tuple[float | None, ...]:
    return (stats.q1, stats.median, stats.q3) if stats else (None, None, None)


def ct_audit_rows(result: CtAudit, rules: Sequence[MapRule], *, made_on: date, reproduce: str) -> list[list[Any]]:
    table = result.table
    rows: list[list[Any]] = [
        ["CT DRL audit"],
        ["From", result.since.isoformat() if result.since else "first record"],
        ["To", result.until.isoformat() if result.until else "last record"],
        ["Made on", made_on.isoformat()],
        ["DRL table", table.name, table.version, table.citation()],
        ["Exams", result.exams, "mapped to an exam type", result.mapped],
        ["Paediatric (under 16)", result.paediatric, "without an age (counted as adult)", result.unknown_age],
        ["Medians and quartiles", result.quantile_method],
        ["Reproduce with", reproduce],
        [],
        list(GROUP_COLUMNS),
    ]
    for g in result.groups:
        drl_ctdivol = g.drl.ctdivol_mgy if g.drl else None
        drl_dlp = g.drl.dlp_mgycm if g.drl else None
        rows.append(
            [
                *(g.exam_type, g.device, g.population, g.phantom, g.exams, g.unknown_age),
                *(g.ctdivol.n if g.ctdivol else 0, *_quartiles(g.ctdivol), drl_ctdivol, _yes(g.ctdivol_above)),
                *(*_quartiles(g.dlp), drl_dlp, _yes(g.dlp_above), "; ".join(g.notes)),
            ]
        )
    rows += [[], ["Mapping rules in force"], ["Pattern", "Exam type"], *([r.pattern, r.exam_type] for r in rules)]
    rows += [[], ["Descriptions without an exam type"], ["Description", "Exams", "Suggested exam type"]]
    rows += [[text, count, suggestion] for text, count, suggestion in result.unmapped]
    return rows


def write_ct_audit_csv(result: CtAudit, rules: Sequence[MapRule], path: Path, *, made_on: date, reproduce: str) -> Path:
    rows = ct_audit_rows(result, rules, made_on=made_on, reproduce=reproduce)
    # utf-8-sig: Excel on Windows reads the BOM and shows accents and units right.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow([neutralise(_cell(value)) for value in row])
    return path


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    return "" if value is None else value
