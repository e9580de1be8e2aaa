"""Dose audits over stored dose records: pure functions of record dicts and tables, no database.

CT (XR-501, XR-604, CT-904): per exam type and scanner, the median and quartiles of CTDIvol per sequence
(localisers left out: they carry no CTDIvol) and of DLP per exam, split by phantom and by adult or
paediatric, compared with a DRL table; a median above the DRL is flagged (DOMAIN.md section 3: the local
DRL is the median of per-exam values). IR: per procedure type, the medians of DAP, reference-point air
kerma and fluoroscopy time against the user's table if any, and the studies whose cumulative
reference-point air kerma is above the follow-up threshold, by month and device only.

Quartiles use :func:`statistics.quantiles` with ``method="inclusive"``: Hyndman and Fan's type 7, the
default of numpy and R and Excel's QUARTILE.INC, so a physicist can check any figure in a spreadsheet.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from qsi_desktop.dose.drl import CtDrl, DrlTable, IrDrl
from qsi_desktop.dose.exam_types import MapRule, descriptions, exam_type_of, map_text

QUANTILE_METHOD = "inclusive quartiles (Hyndman-Fan type 7; Excel QUARTILE.INC, numpy's default)"
PAEDIATRIC_UNDER_YEARS = 16.0  # the brief's split: under 16 is paediatric; unknown age counts as adult
# A median of fewer exams moves with one unusual patient; UK dose surveys commonly ask for at least 10
# patients per room and exam (check the number with the Medical Physics Expert).
MIN_EXAMS = 10
FEW_EXAMS_NOTE = "too few exams for a reliable median"
DEFAULT_HIGH_DOSE_MGY = 5000.0  # 5 Gy cumulative reference-point air kerma (issue 14; NCRP 168 follow-up level)
UNKNOWN_DEVICE = "unknown scanner"


@dataclass(frozen=True)
class Stats:
    n: int
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float

    def to_dict(self) -> dict[str, Any]:
        return {key: round(value, 4) if isinstance(value, float) else value for key, value in asdict(self).items()}


def summarise(values: Iterable[float]) -> Stats | None:
    """Count, range, median and inclusive quartiles; None for no values."""
    xs = sorted(values)
    if not xs:
        return None
    if len(xs) == 1:
        q1 = median = q3 = xs[0]
    else:
        q1, median, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return Stats(len(xs), xs[0], q1, median, q3, xs[-1])


def month_of(record: dict[str, Any]) -> str | None:
    month = record.get("exam_month") or (record.get("occurred_on") or "")[:7]
    return month or None


def _device(record: dict[str, Any]) -> str:
    return str(record.get("device") or UNKNOWN_DEVICE)


def _above(stats: Stats | None, level: float | None) -> bool:
    return stats is not None and level is not None and stats.median > level


# -- CT -------------------------------------------------------------------------------------------------


def exam_dlp(record: dict[str, Any]) -> float | None:
    """The exam's DLP: the report's total, else the sum of its events' DLPs (None when neither)."""
    if record.get("dlp_total_mgycm") is not None:
        return float(record["dlp_total_mgycm"])
    dlps = [float(e["dlp_mgycm"]) for e in record.get("events") or () if e.get("dlp_mgycm") is not None]
    return sum(dlps) if dlps else None


def sequences(record: dict[str, Any]) -> list[tuple[str, float]]:
    """(phantom, CTDIvol) of each sequence that is not a localiser and has a CTDIvol."""
    return [
        (e.get("phantom") or "unknown", float(e["ctdivol_mgy"]))
        for e in record.get("events") or ()
        if not e.get("localiser") and e.get("ctdivol_mgy") is not None
    ]


def exam_phantom(record: dict[str, Any]) -> str:
    """head, body, mixed (both in one exam) or unknown: what the exam's DLP is split by."""
    phantoms = {p for p, _ in sequences(record)}
    return phantoms.pop() if len(phantoms) == 1 else "mixed" if len(phantoms) > 1 else "unknown"


def population(record: dict[str, Any], bands: Sequence[CtDrl] = ()) -> str:
    """ "adult" (16 or over, or age unknown), else the paediatric band of ``bands`` the child falls in,
    else "paediatric"."""
    age = record.get("age_years")
    if age is None or float(age) >= PAEDIATRIC_UNDER_YEARS:
        return "adult"
    weight = record.get("weight_kg")
    for entry in bands:
        if entry.age_band is not None and entry.age_band.contains(float(age)):
            return f"paediatric, age {entry.age_band} y"
        if entry.weight_band is not None and entry.weight_band.contains(weight):
            return f"paediatric, {entry.weight_band} kg"
    return "paediatric"


def _drl_for(table: DrlTable, exam_type: str, group_population: str, phantom: str) -> CtDrl | None:
    entries = table.ct_for(exam_type)
    if group_population == "adult":
        entries = [e for e in entries if not e.paediatric]
    else:
        entries = [e for e in entries if e.paediatric and group_population == population_label(e)]
    fits = [e for e in entries if e.phantom in (None, phantom)]
    return max(fits, key=lambda e: e.phantom is not None, default=None)  # a phantom-specific level first


def population_label(entry: CtDrl) -> str:
    if entry.age_band is not None:
        return f"paediatric, age {entry.age_band} y"
    if entry.weight_band is not None:
        return f"paediatric, {entry.weight_band} kg"
    return "adult"


@dataclass(frozen=True)
class CtGroup:
    exam_type: str
    device: str
    population: str  # "adult", "paediatric" or "paediatric, age 1-5 y"
    phantom: str  # head, body, mixed (DLP of exams using both) or unknown
    exams: int  # exams whose DLP is in ``dlp`` (all their sequences on this phantom)
    unknown_age: int  # of those, counted as adult for want of an age
    ctdivol: Stats | None  # per sequence on this phantom, localisers out
    dlp: Stats | None  # per exam
    drl: CtDrl | None
    ctdivol_above: bool
    dlp_above: bool
    notes: tuple[str, ...] = ()

    @property
    def flagged(self) -> bool:
        return self.ctdivol_above or self.dlp_above

    def to_dict(self) -> dict[str, Any]:
        return {
            "exam_type": self.exam_type,
            "device": self.device,
            "population": self.population,
            "phantom": self.phantom,
            "exams": self.exams,
            "unknown_age": self.unknown_age,
            "ctdivol_mgy": self.ctdivol.to_dict() if self.ctdivol else None,
            "dlp_mgycm": self.dlp.to_dict() if self.dlp else None,
            "drl_ctdivol_mgy": self.drl.ctdivol_mgy if self.drl else None,
            "drl_dlp_mgycm": self.drl.dlp_mgycm if self.drl else None,
            "ctdivol_above_drl": self.ctdivol_above,
            "dlp_above_drl": self.dlp_above,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ExamTypeDlp:
    """Adult exam DLP of one exam type, all scanners together: a box of the box plot."""

    exam_type: str
    dlp: Stats
    drl_dlp_mgycm: float | None


@dataclass(frozen=True)
class MonthlyMedian:
    exam_type: str
    month: str
    exams: int
    median_dlp_mgycm: float


@dataclass(frozen=True)
class CtAudit:
    table: DrlTable
    since: date | None
    until: date | None
    exams: int
    paediatric: int
    unknown_age: int
    groups: tuple[CtGroup, ...]
    unmapped: tuple[tuple[str, int, str | None], ...]  # (description, exams, suggested exam type)
    by_exam_type: tuple[ExamTypeDlp, ...] = ()
    monthly: tuple[MonthlyMedian, ...] = ()
    quantile_method: str = QUANTILE_METHOD
    min_exams: int = MIN_EXAMS

    @property
    def mapped(self) -> int:
        return self.exams - sum(count for _, count, _ in self.unmapped)

    @property
    def flagged(self) -> tuple[CtGroup, ...]:
        return tuple(g for g in self.groups if g.flagged)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": {"name": self.table.name, "title": self.table.title, "citation": self.table.citation()},
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
            "exams": self.exams,
            "mapped": self.mapped,
            "paediatric": self.paediatric,
            "unknown_age": self.unknown_age,
            "quantile_method": self.quantile_method,
            "min_exams": self.min_exams,
            "groups": [g.to_dict() for g in self.groups],
            "above_drl": len(self.flagged),
            "unmapped": [{"text": t, "exams": n, "suggestion": s} for t, n, s in self.unmapped],
            "monthly": [asdict(m) for m in self.monthly],
        }


def ct_audit(
    records: Sequence[dict[str, Any]],
    table: DrlTable,
    rules: Sequence[MapRule],
    *,
    since: date | None = None,
    until: date | None = None,
    min_exams: int = MIN_EXAMS,
) -> CtAudit:
    """The CT DRL audit of ``records`` (``ct-dose`` record dicts) against ``table``."""
    typed = [(r, exam_type_of(rules, r)) for r in records]
    unmapped = tuple((d.text, d.count, d.suggestion) for d in descriptions(rules, [r for r, t in typed if t is None]))
    ctdivols: dict[tuple[str, str, str, str], list[float]] = defaultdict(list)
    dlps: dict[tuple[str, str, str, str], list[float]] = defaultdict(list)
    exams: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for record, exam_type in typed:
        if exam_type is None:
            continue
        bands = [e for e in table.ct_for(exam_type) if e.paediatric]
        base = (exam_type, _device(record), population(record, bands))
        for phantom, ctdivol in sequences(record):
            ctdivols[(*base, phantom)].append(ctdivol)
        key = (*base, exam_phantom(record))
        exams[key].append(record)
        if (dlp := exam_dlp(record)) is not None:
            dlps[key].append(dlp)
    groups = tuple(
        _ct_group(key, ctdivols.get(key, []), dlps.get(key, []), exams.get(key, []), table, min_exams)
        for key in sorted({*ctdivols, *exams})
    )
    adults = [(r, t) for r, t in typed if t is not None and population(r) == "adult"]
    return CtAudit(
        table=table,
        since=since,
        until=until,
        exams=len(records),
        paediatric=sum(1 for r in records if population(r) != "adult"),
        unknown_age=sum(1 for r in records if r.get("age_years") is None),
        groups=groups,
        unmapped=unmapped,
        by_exam_type=_by_exam_type(adults, table),
        monthly=_monthly(adults),
        min_exams=min_exams,
    )


def _ct_group(
    key: tuple[str, str, str, str],
    ctdivols: list[float],
    dlps: list[float],
    exams: list[dict[str, Any]],
    table: DrlTable,
    min_exams: int,
) -> CtGroup:
    exam_type, device, group_population, phantom = key
    drl = _drl_for(table, exam_type, group_population, phantom)
    ctdivol, dlp = summarise(ctdivols), summarise(dlps)
    notes = []
    if len(exams) < min_exams:
        notes.append(f"{FEW_EXAMS_NOTE} ({len(exams)} < {min_exams})")
    if drl is None:
        notes.append(f"no {group_population} DRL for this exam type in {table.name}")
    if phantom == "mixed":
        notes.append("head and body phantoms in one exam: DLP only (sequences counted under their phantom)")
    unknown_age = sum(1 for r in exams if r.get("age_years") is None)
    if unknown_age:
        notes.append(f"{unknown_age} exam(s) without an age counted as adult")
    return CtGroup(
        exam_type=exam_type,
        device=device,
        population=group_population,
        phantom=phantom,
        exams=len(exams),
        unknown_age=unknown_age,
        ctdivol=ctdivol,
        dlp=dlp,
        drl=drl,
        ctdivol_above=_above(ctdivol, drl.ctdivol_mgy if drl else None),
        dlp_above=_above(dlp, drl.dlp_mgycm if drl else None),
        notes=tuple(notes),
    )


def _by_exam_type(adults: list[tuple[dict[str, Any], str]], table: DrlTable) -> tuple[ExamTypeDlp, ...]:
    values: dict[str, list[float]] = defaultdict(list)
    for record, exam_type in adults:
        if (dlp := exam_dlp(record)) is not None:
            values[exam_type].append(dlp)
    found = []
    for exam_type in sorted(values):
        drl = next((e for e in table.ct_for(exam_type) if not e.paediatric and e.dlp_mgycm is not None), None)
        if (stats := summarise(values[exam_type])) is not None:
            found.append(ExamTypeDlp(exam_type, stats, drl.dlp_mgycm if drl else None))
    return tuple(found)


def _monthly(adults: list[tuple[dict[str, Any], str]]) -> tuple[MonthlyMedian, ...]:
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    for record, exam_type in adults:
        month, dlp = month_of(record), exam_dlp(record)
        if month and dlp is not None:
            values[(exam_type, month)].append(dlp)
    ordered = sorted(values.items())
    return tuple(MonthlyMedian(exam_type, month, len(xs), statistics.median(xs)) for (exam_type, month), xs in ordered)


# -- IR -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IrGroup:
    procedure: str
    studies: int
    dap: Stats | None  # Gy.cm2
    rp_dose: Stats | None  # mGy, cumulative reference-point air kerma
    fluoro_time: Stats | None  # s
    drl: IrDrl | None
    above: tuple[str, ...] = ()  # which medians are above the table's value: "DAP", "RP air kerma", ...
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "procedure": self.procedure,
            "studies": self.studies,
            "dap_gycm2": self.dap.to_dict() if self.dap else None,
            "rp_dose_mgy": self.rp_dose.to_dict() if self.rp_dose else None,
            "fluoro_time_s": self.fluoro_time.to_dict() if self.fluoro_time else None,
            "reference": asdict(self.drl) if self.drl else None,
            "above_reference": list(self.above),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class HighDoseStudy:
    """A study for skin-dose follow-up: when and on which equipment, and its dose; nothing else."""

    month: str | None
    device: str
    rp_dose_mgy: float


@dataclass(frozen=True)
class IrAudit:
    table: DrlTable | None
    since: date | None
    until: date | None
    studies: int
    groups: tuple[IrGroup, ...]
    threshold_mgy: float
    high_dose: tuple[HighDoseStudy, ...] = field(default=())
    quantile_method: str = QUANTILE_METHOD

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": {"name": self.table.name, "title": self.table.title} if self.table else None,
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
            "studies": self.studies,
            "quantile_method": self.quantile_method,
            "groups": [g.to_dict() for g in self.groups],
            "high_dose": {"threshold_mgy": self.threshold_mgy, "studies": [asdict(s) for s in self.high_dose]},
        }


def procedure_of(rules: Sequence[MapRule], record: dict[str, Any]) -> str:
    """The user's procedure type for the study, else its description as given."""
    text = record.get("study_description")
    return map_text(rules, text) or (str(text) if text else "(no description)")


def ir_audit(
    records: Sequence[dict[str, Any]],
    table: DrlTable | None,
    rules: Sequence[MapRule],
    *,
    threshold_mgy: float = DEFAULT_HIGH_DOSE_MGY,
    since: date | None = None,
    until: date | None = None,
    min_exams: int = MIN_EXAMS,
) -> IrAudit:
    """The fluoroscopy audit of ``ir-dose`` record dicts, against ``table`` (a user table) if any."""
    by_procedure: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_procedure[procedure_of(rules, record)].append(record)
    groups = tuple(_ir_group(p, by_procedure[p], table, min_exams) for p in sorted(by_procedure))
    return IrAudit(
        table=table,
        since=since,
        until=until,
        studies=len(records),
        groups=groups,
        threshold_mgy=threshold_mgy,
        high_dose=high_dose(records, threshold_mgy),
    )


def _values(records: list[dict[str, Any]], key: str) -> Stats | None:
    return summarise(float(r[key]) for r in records if r.get(key) is not None)


def _ir_group(procedure: str, records: list[dict[str, Any]], table: DrlTable | None, min_exams: int) -> IrGroup:
    dap, rp, fluoro = (_values(records, k) for k in ("dap_total_gycm2", "rp_dose_total_mgy", "fluoro_time_s"))
    drl = table.ir_for(procedure) if table is not None else None
    checks: tuple[tuple[str, Stats | None, Callable[[IrDrl], float | None]], ...] = (
        ("DAP", dap, lambda d: d.dap_gycm2),
        ("RP air kerma", rp, lambda d: d.rp_dose_mgy),
        ("fluoroscopy time", fluoro, lambda d: d.fluoro_time_s),
    )
    above = tuple(name for name, stats, level in checks if drl is not None and _above(stats, level(drl)))
    notes = []
    if len(records) < min_exams:
        notes.append(f"{FEW_EXAMS_NOTE} ({len(records)} < {min_exams})")
    if table is not None and drl is None:
        notes.append(f"no reference level for this procedure in {table.name}")
    return IrGroup(procedure, len(records), dap, rp, fluoro, drl, above, tuple(notes))


def high_dose(
    records: Iterable[dict[str, Any]], threshold_mgy: float = DEFAULT_HIGH_DOSE_MGY
) -> tuple[HighDoseStudy, ...]:
    """Studies whose cumulative reference-point air kerma is above the threshold, by month then device."""
    found = [
        HighDoseStudy(month_of(r), _device(r), float(r["rp_dose_total_mgy"]))
        for r in records
        if r.get("rp_dose_total_mgy") is not None and float(r["rp_dose_total_mgy"]) > threshold_mgy
    ]
    return tuple(sorted(found, key=lambda s: (s.month or "", s.device, -s.rp_dose_mgy)))
