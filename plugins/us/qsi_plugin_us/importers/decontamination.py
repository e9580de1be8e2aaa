"""Importer ``us-decontamination``: transducer decontamination logs (CSV exported from Excel).

Compliance (US-903): every semi-critical use (mucous membranes: intracavity, transvaginal,
transrectal, TOE...) and every critical use needs a passing high-level disinfection (HLD) record;
a non-critical (intact skin) use is compliant unless its cleaning failed. The Spaulding
classification behind this is the one in the AXREM decontamination best-practice summary (2020).

Privacy: operator names are read only to note that one was recorded; patient columns are dropped
by :mod:`qsi_desktop.tabular` before a row gets here; the time of use is used only in the key.
"""

from __future__ import annotations

import re
from functools import lru_cache

from qsi_desktop.plugins.types import Importer
from qsi_desktop.tabular import (
    TABLE_PATTERNS,
    Row,
    RowRecord,
    RowRejected,
    TableImport,
    parse_date,
)

NAME = "us-decontamination"

COLUMNS = {
    "probe": (
        "probe id",
        "probe",
        "transducer",
        "transducer id",
        "probe/transducer id",
        "probe serial",
        "probe serial number",
        "probe serial no",
        "transducer serial",
        "transducer serial no",
        "transducer serial number",
        "serial number",
        "probe number",
        "probe no",
        "transducer no",
        "probe tag",
        "probe tag id",
        "tag id",
        "probe barcode",
        "probe asset",
    ),
    "date": (
        "date",
        "date of use",
        "decontamination date",
        "date cleaned",
        "cycle date",
        "exam date",
        "date/time",
        "date and time",
        "cycle start",
        "cycle start date",
        "cycle date/time",
    ),
    "time": ("time", "time of use", "cycle time", "decontamination time", "start time", "cycle start time"),
    "category": (
        "examination category",
        "exam category",
        "category",
        "examination type",
        "exam type",
        "procedure type",
        "type of use",
        "type of examination",
        "probe use",
        "use",
        "spaulding category",
        "spaulding class",
        "spaulding classification",
        "criticality",
    ),
    "method": (
        "method",
        "decontamination method",
        "disinfection method",
        "hld method",
        "reprocessing method",
        "process",
        "decontamination",
        "disinfection",
        "device",
        "product",
    ),
    "cycle": (
        "cycle",
        "cycle id",
        "cycle number",
        "cycle no",
        "cycle record",
        "cycle ref",
        "record id",
        "record number",
        "trophon cycle",
        "log number",
    ),
    "operator": (
        "operator",
        "operator name",
        "operator id",
        "user",
        "cleaned by",
        "decontaminated by",
        "staff",
        "staff name",
        "sonographer",
        "initials",
        "signature",
        "signed",
    ),
    "result": (
        "result",
        "outcome",
        "pass/fail",
        "pass or fail",
        "status",
        "indicator result",
        "cycle result",
        "cycle outcome",
        "hld result",
        "disinfection result",
        "disinfection outcome",
        "chemical indicator",
        "ci result",
    ),
}
REQUIRED = ("probe", "date", "category", "method", "result")

SEMI_CRITICAL = "semi-critical"
CRITICAL = "critical"
NON_CRITICAL = "non-critical"

# Matched against the category with everything but letters and digits removed ("Trans-vaginal"
# -> "transvaginal"); order matters: "noncritical" and "semicritical" both contain "critical".
_NON_CRITICAL_PARTS = ("noncrit", "lowrisk", "intactskin")
_SEMI_PARTS = (
    "semicrit",
    "intracav",
    "endocav",
    "transvag",
    "endovag",
    "transrect",
    "endorect",
    "transoes",
    "transes",
    "oesophag",
    "esophag",
    "mucous",
    "nonintact",
    "brokenskin",
    "internal",
    "intimate",
)
_SEMI_TOKENS = frozenset({"tv", "tvs", "tvus", "tr", "trus", "toe", "tee", "ic", "ec", "ev"})
_CRITICAL_PARTS = ("critical", "intraop", "sterile", "surgical", "biopsy", "needle")
_SURFACE_PARTS = (
    "surface",
    "external",
    "skin",
    "abdom",
    "obstet",
    "msk",
    "musculo",
    "vascular",
    "breast",
    "thyroid",
    "general",
    "echo",
    "cardiac",
    "transthoracic",
    "neck",
    "testic",
    "scrot",
    "renal",
    "pelvi",
    "paed",
)
_SURFACE_TOKENS = frozenset({"ta", "tte", "us"})

_HLD_PARTS = (
    "highlevel",
    "hld",
    "trophon",
    "astech",
    "antigermix",
    "hydrogenperoxide",
    "h2o2",
    "chlorinedioxide",
    "tristel",
    "hypochlor",
    "peracetic",
    "orthophthal",
    "glutaral",
    "uvc",
    "uvlight",
    "ultraviolet",
)
_HLD_TOKENS = frozenset({"uv", "opa", "clo2", "hld"})
_PASS = frozenset({"pass", "passed", "p", "ok", "yes", "y", "complete", "completed", "satisfactory", "✓", "✔"})
_FAIL = frozenset({"fail", "failed", "f", "no", "n", "x", "incomplete", "unsatisfactory", "aborted", "✗"})
_BLANK = frozenset({"", "-", "n/a", "na", "not recorded", "unknown"})


def _compact(text: str) -> tuple[str, frozenset[str]]:
    lowered = text.lower()
    return re.sub(r"[^0-9a-z]", "", lowered), frozenset(re.findall(r"[0-9a-z]+", lowered))


@lru_cache(maxsize=1024)  # a log repeats a handful of values
def classify_category(text: str) -> str | None:
    """The Spaulding class of an examination category, or None when it cannot be told."""
    key, tokens = _compact(text)
    if any(part in key for part in _NON_CRITICAL_PARTS) and "nonintact" not in key:
        return NON_CRITICAL
    if any(part in key for part in _SEMI_PARTS) or tokens & _SEMI_TOKENS:
        return SEMI_CRITICAL
    if any(part in key for part in _CRITICAL_PARTS):
        return CRITICAL
    if any(part in key for part in _SURFACE_PARTS) or tokens & _SURFACE_TOKENS:
        return NON_CRITICAL
    return None


@lru_cache(maxsize=1024)  # a log repeats a handful of values
def is_high_level(method: str) -> bool:
    key, tokens = _compact(method)
    if "lowlevel" in key or "nonhld" in key:
        return False
    return any(part in key for part in _HLD_PARTS) or bool(tokens & _HLD_TOKENS)


@lru_cache(maxsize=1024)  # a log repeats a handful of values
def normalise_result(text: str) -> str | None:
    """ "pass", "fail" or "not recorded"; None for a value that is none of these."""
    value = text.strip().lower()
    if value in _PASS:
        return "pass"
    if value in _FAIL:
        return "fail"
    if value in _BLANK:
        return "not recorded"
    return None


def parse_row(row: Row) -> RowRecord:
    get = row.values.get
    probe = " ".join(get("probe", "").split())
    if not probe:
        raise RowRejected("no probe or transducer id")
    raw_date = get("date", "")
    if not raw_date:
        raise RowRejected("no date")
    try:
        used_on = parse_date(raw_date)
    except ValueError as exc:
        raise RowRejected(f"date: {exc}") from None
    category = " ".join(get("category", "").split())
    if not category:
        raise RowRejected("no examination category: cannot tell whether high-level disinfection was needed")
    criticality = classify_category(category)
    if criticality is None:
        raise RowRejected(
            f"examination category {category[:40]!r} not recognised "
            "(use e.g. intracavity, transvaginal, TOE, surface, semi-critical or non-critical)"
        )
    raw_result = get("result", "")
    result = normalise_result(raw_result)
    if result is None:
        raise RowRejected(f"result {raw_result[:40]!r} is neither pass nor fail")
    method = " ".join(get("method", "").split())
    hld = bool(method) and is_high_level(method)
    hld_required = criticality != NON_CRITICAL
    compliant = (result == "pass" and hld) if hld_required else result != "fail"
    cycle = get("cycle", "")
    iso = used_on.isoformat()
    return RowRecord(
        # What the row is about: one use of a probe. A corrected export (a result or method fixed)
        # replaces the row it corrects; two uses logged in the same minute are two occurrences.
        identity=(probe, iso, get("time", "")),
        data={
            "probe": probe,
            "date": iso,
            "month": iso[:7],
            "category": category,
            "criticality": criticality,
            "method": method,
            "hld": hld,
            "hld_required": hld_required,
            "cycle_recorded": bool(cycle),
            "operator_recorded": bool(get("operator")),
            "result": result,
            "compliant": compliant,
        },
        occurred_on=iso,
    )


SPEC = TableImport(name=NAME, columns=COLUMNS, required=REQUIRED, parse=parse_row, repeats="count")


read = SPEC.read
run = SPEC.run  # every file in one batch, for tests and scripts


IMPORTER = Importer(
    name=NAME,
    title="Transducer decontamination log",
    read=read,
    parallel=True,  # a long log is read in another process while the core stores it
    patterns=TABLE_PATTERNS,
    modality="US",
    description=(
        "CSV export of a transducer decontamination log: probe, date, time, examination category, "
        "method, cycle record, operator and result. Patient and operator names are not kept."
    ),
    statement_refs=("US-903", "US-902"),
    columns=("probe", "date", "category", "method", "result", "compliant"),
    free_text=("category", "method", "result"),  # the probe is a serial or an ID: a code
)
