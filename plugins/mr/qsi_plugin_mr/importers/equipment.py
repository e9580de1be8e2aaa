"""Importer ``mr-equipment-register``: the MR equipment safety register (CSV), MR-903.

Each item carries one of the four labels MR-903 lists (MR Safe, MR Conditional, MR Unsafe,
unlabelled). An MR Conditional item needs its conditions recorded (static field strength in T,
spatial field gradient in T/m, SAR in W/kg, or the conditions as text): the register held in the
control room must say what led to the conditional labelling. Such items are imported and flagged.
"""

from __future__ import annotations

import re

from qsi_desktop.plugins.types import Importer
from qsi_desktop.tabular import (
    TABLE_PATTERNS,
    Row,
    RowRecord,
    RowRejected,
    TableImport,
    parse_date,
)

NAME = "mr-equipment-register"

MR_SAFE = "MR Safe"
MR_CONDITIONAL = "MR Conditional"
MR_UNSAFE = "MR Unsafe"
UNLABELLED = "Unlabelled"
LABELS = (MR_SAFE, MR_CONDITIONAL, MR_UNSAFE, UNLABELLED)

COLUMNS = {
    "item": (
        "item",
        "equipment",
        "equipment item",
        "item name",
        "equipment name",
        "device",
        "device name",
        "description",
        "item description",
        "equipment description",
        "product",
    ),
    "location": ("location", "unit", "mr unit", "scanner", "room", "area", "department", "site"),
    "label": (
        "label",
        "mr label",
        "mr labelling",
        "mr status",
        "mr safety label",
        "mr safety status",
        "mr safety",
        "mr classification",
        "classification",
        "safety label",
    ),
    "field_strength": (
        "field strength",
        "static field strength",
        "max field strength",
        "static field",
        "b0",
        "tesla",
    ),
    "spatial_gradient": (
        "spatial gradient",
        "spatial field gradient",
        "max spatial gradient",
        "max spatial field gradient",
        "sfg",
        "gradient",
    ),
    "sar": ("sar", "max sar", "whole body sar", "specific absorption rate"),
    "conditions": ("conditions", "mr conditions", "conditions of use", "constraints", "condition"),
    "last_checked": (
        "last checked",
        "date checked",
        "checked",
        "last check",
        "check date",
        "date of last check",
        "last inspected",
        "inspection date",
        "last reviewed",
    ),
    "asset": (
        "asset number",
        "asset no",
        "asset",
        "asset id",
        "asset tag",
        "equipment number",
        "serial number",
        "serial no",
    ),
}
REQUIRED = ("item", "label")

# Keyed by the label with everything but letters removed: "MR-Conditional" -> "mrconditional".
_LABELS = {
    **dict.fromkeys(("mrsafe", "safe"), MR_SAFE),
    **dict.fromkeys(("mrconditional", "conditional", "mrcond", "cond", "mrc"), MR_CONDITIONAL),
    **dict.fromkeys(("mrunsafe", "unsafe", "notmrsafe", "mru"), MR_UNSAFE),
    **dict.fromkeys(
        ("unlabelled", "unlabeled", "mrunlabelled", "mrunlabeled", "nolabel", "notlabelled", "notlabeled", "none"),
        UNLABELLED,
    ),
}
_NONE = frozenset({"", "-", "n/a", "na", "none", "not applicable"})
_NUMBER = r"(\d+(?:\.\d+)?)"
# What a conditions text says, when the register keeps the conditions in one column.
_TEXT_FIELD = re.compile(_NUMBER + r"\s*(?:t|tesla)\b(?!\s*/)", re.IGNORECASE)
_TEXT_GRADIENT = re.compile(_NUMBER + r"\s*(t/m|g/cm)", re.IGNORECASE)
_TEXT_SAR = re.compile(_NUMBER + r"\s*w/kg", re.IGNORECASE)


def normalise_label(text: str) -> str:
    """The MR label, or RowRejected saying what to write instead."""
    key = re.sub(r"[^a-z]", "", text.lower())
    if key in _LABELS:
        return _LABELS[key]
    if not key:
        raise RowRejected("no MR label: record MR Safe, MR Conditional, MR Unsafe or Unlabelled")
    hint = " ('MR compatible' is an old term)" if "compatible" in key else ""
    raise RowRejected(
        f"unknown MR label {text.strip()[:40]!r}{hint}: use MR Safe, MR Conditional, MR Unsafe or Unlabelled"
    )


def quantity(text: str, what: str, unit: str, limit: float) -> float | None:
    """The largest number in a cell ("1.5T / 3T" -> 3.0); G/cm is converted to T/m (100 G/cm = 1 T/m)."""
    value = text.strip()
    if value.lower() in _NONE:
        return None
    numbers = [float(n) for n in re.findall(_NUMBER, value)]
    if not numbers:
        raise RowRejected(f"{what} {value[:40]!r} is not a number of {unit}")
    largest = max(numbers)
    if "g/cm" in value.lower():
        largest /= 100
    if not 0 < largest <= limit:
        raise RowRejected(f"{what} {value[:40]!r} is outside 0-{limit:g} {unit}")
    return largest


def _from_text(pattern: re.Pattern[str], text: str) -> float | None:
    values = []
    for match in pattern.finditer(text):
        value = float(match.group(1))
        if match.lastindex == 2 and match.group(2).lower() == "g/cm":
            value /= 100
        values.append(value)
    return max(values, default=None)


def parse_row(row: Row) -> RowRecord:
    get = row.values.get
    item = " ".join(get("item", "").split())
    if not item:
        raise RowRejected("no item name")
    label = normalise_label(get("label", ""))
    conditions = " ".join(get("conditions", "").split())
    field = quantity(get("field_strength", ""), "field strength", "T", 12)
    gradient = quantity(get("spatial_gradient", ""), "spatial gradient", "T/m", 200)
    sar = quantity(get("sar", ""), "SAR", "W/kg", 10)
    if conditions:  # fill what the separate columns left empty from the conditions text
        field = field if field is not None else _from_text(_TEXT_FIELD, conditions)
        gradient = gradient if gradient is not None else _from_text(_TEXT_GRADIENT, conditions)
        sar = sar if sar is not None else _from_text(_TEXT_SAR, conditions)
    checked = get("last_checked", "")
    try:
        last_checked = parse_date(checked).isoformat() if checked else None
    except ValueError as exc:
        raise RowRejected(f"last checked: {exc}") from None
    recorded = bool(conditions) or any(v is not None for v in (field, gradient, sar))
    location = " ".join(get("location", "").split())
    asset = get("asset", "")
    identity = ("asset", asset.lower()) if asset else ("item", item.lower(), location.lower())
    return RowRecord(
        identity=identity,
        data={
            "item": item,
            "location": location,
            "label": label,
            "field_strength_t": field,
            "spatial_gradient_t_per_m": gradient,
            "sar_w_per_kg": sar,
            "conditions": conditions,
            "conditions_recorded": recorded,
            "missing_conditions": label == MR_CONDITIONAL and not recorded,
            "last_checked": last_checked,
            "asset": asset,
        },
        occurred_on=last_checked,
    )


SPEC = TableImport(name=NAME, columns=COLUMNS, required=REQUIRED, parse=parse_row, repeats="reject")


read = SPEC.read
run = SPEC.run  # every file in one batch, for tests and scripts


IMPORTER = Importer(
    name=NAME,
    title="MR equipment safety register",
    read=read,
    patterns=TABLE_PATTERNS,
    modality="MR",
    description=(
        "CSV export of the MR equipment register: item, location or MR unit, label (MR Safe, MR Conditional, "
        "MR Unsafe, unlabelled), conditions (field strength T, spatial gradient T/m, SAR W/kg), last checked "
        "and asset number. Conditional items without conditions are flagged."
    ),
    statement_refs=("MR-903",),
    columns=("item", "location", "label", "conditions_recorded", "last_checked", "asset"),
    free_text=("item", "location", "conditions"),  # the asset number is a code
)
