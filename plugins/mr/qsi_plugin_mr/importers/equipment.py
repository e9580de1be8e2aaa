"""Reading the MR equipment safety register (MR-903) as services keep it: the header spellings and
the row preparation the ``mr.equipment`` register's import uses, and the retired importer's name.

Each item carries one of the four labels (MR Safe, MR Conditional, MR Unsafe, MR Unlabelled). An MR
Conditional item needs its conditions recorded (static field strength in T, spatial field gradient in
T/m, SAR in W/kg, or the conditions as text): the register held in the control room must say what led
to the conditional labelling. Such items are imported and flagged.

The ``mr-equipment-register`` importer once stored the same file as imported records beside the
register: two sources. It is retired: the register's import reads its files (same spellings, same
label and number rules), ``qsi register import PATH mr.equipment FILE`` or Import in its tab.
"""

from __future__ import annotations

import re
from typing import Any

from qsi_desktop.tabular import RowRejected

MR_SAFE = "MR Safe"
MR_CONDITIONAL = "MR Conditional"
MR_UNSAFE = "MR Unsafe"
UNLABELLED = "MR Unlabelled"  # MHRA's term
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
        raise RowRejected("no MR label: record MR Safe, MR Conditional, MR Unsafe or MR Unlabelled")
    hint = " ('MR compatible' is an old term)" if "compatible" in key else ""
    raise RowRejected(
        f"unknown MR label {text.strip()[:40]!r}{hint}: use MR Safe, MR Conditional, MR Unsafe or MR Unlabelled"
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


def prepare(values: dict[str, Any]) -> dict[str, Any]:
    """One imported row of the equipment register, spelled the register's way (``Register.prepare``).

    The label's many spellings become the four labels; a field strength like "1.5T / 3T" is its highest
    value, a gradient in G/cm becomes T/m; what a conditions text says ("3T, 720 G/cm, SAR 2 W/kg") fills
    the numbers the separate columns left empty. Raises ValueError with the reason for a bad row.
    """
    text = {
        key: "" if value is None else value if isinstance(value, str) else str(value) for key, value in values.items()
    }
    item = " ".join(text.get("item", "").split())
    if not item:
        raise ValueError("no item name")
    try:
        label = normalise_label(text.get("label", ""))
        conditions = " ".join(text.get("conditions", "").split())
        field = quantity(text.get("field_strength", ""), "field strength", "T", 12)
        gradient = quantity(text.get("spatial_gradient", ""), "spatial gradient", "T/m", 200)
        sar = quantity(text.get("sar", ""), "SAR", "W/kg", 10)
    except RowRejected as exc:
        raise ValueError(str(exc)) from None
    if conditions:  # fill what the separate columns left empty from the conditions text
        field = field if field is not None else _from_text(_TEXT_FIELD, conditions)
        gradient = gradient if gradient is not None else _from_text(_TEXT_GRADIENT, conditions)
        sar = sar if sar is not None else _from_text(_TEXT_SAR, conditions)
    return {
        **values,
        "item": item,
        "label": label,
        "conditions": conditions,
        "field_strength": field,
        "spatial_gradient": gradient,
        "sar": sar,
    }


REGISTER_ID = "mr.equipment"
