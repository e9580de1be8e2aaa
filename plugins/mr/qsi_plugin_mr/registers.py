"""MR registers the core keeps (MR-901..903): MR units, the MR equipment safety register and MR safety roles.

The equipment register reads the files the retired ``mr-equipment-register`` importer read (its header
spellings, label spellings and conditions text), so a register kept in Excel imports into it through
the mapping preview: one source for the register.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from qsi_desktop.plugins.types import Register, RegisterField
from qsi_plugin_mr.importers import equipment as equipment_import
from qsi_plugin_mr.importers.equipment import COLUMNS as EQUIPMENT_COLUMNS
from qsi_plugin_mr.zone_map import SPEC as ZONE_MAP
from qsi_plugin_mr.zone_map import UNITS_ID

MR_SAFE, MR_CONDITIONAL, MR_UNSAFE, MR_UNLABELLED = equipment_import.LABELS
CHECK_EVERY_DAYS = 365


def _older_than(value: Any, as_of: date, days: int) -> bool:
    return isinstance(value, str) and value < (as_of - timedelta(days=days)).isoformat()


UNITS = Register(
    id=UNITS_ID,
    title="MR units",
    modality="MR",
    statement_refs=("MR-901", "MR-902"),
    description="Each MR scanner by site and room, with its static field strength; each has a zone map.",
    key_fields=("site", "room"),
    fields=(
        RegisterField("site", "Site", aliases=("hospital", "location")),
        RegisterField("room", "Room", aliases=("scanner room", "unit", "mr unit")),
        RegisterField("scanner", "Scanner", required=True, aliases=("model", "system", "make and model")),
        RegisterField(
            "field_strength",
            "Field strength",
            kind="number",
            unit="T",
            minimum=0.01,
            maximum=12,
            required=True,
            aliases=("static field strength", "b0", "tesla"),
        ),
        RegisterField("notes", "Notes"),
    ),
    zone_map=ZONE_MAP,
)


def equipment_flags(values: Mapping[str, Any], as_of: date) -> Sequence[str]:
    flags = []
    conditions = any(values.get(k) is not None for k in ("field_strength", "spatial_gradient", "sar", "conditions"))
    if values.get("label") == MR_CONDITIONAL and not conditions:
        flags.append("conditions not recorded")
    if values.get("label") == MR_UNLABELLED:
        flags.append("unlabelled: treat as MR Unsafe until assessed")
    if not values.get("last_checked"):
        flags.append("no check recorded")
    elif _older_than(values.get("last_checked"), as_of, CHECK_EVERY_DAYS):
        flags.append("last check over a year ago")
    return flags


def _aliases(column: str) -> tuple[str, ...]:
    return tuple(EQUIPMENT_COLUMNS[column])


EQUIPMENT = Register(
    id="mr.equipment",
    title="MR equipment safety register",
    modality="MR",
    statement_refs=("MR-903",),
    description=(
        "Every item taken into the MR Environment, with its MR label (MR Safe, MR Conditional with its "
        "conditions, MR Unsafe, MR Unlabelled), where it is kept and when it was last checked."
    ),
    key_fields=("item", "location"),
    fields=(
        RegisterField("item", "Item", aliases=_aliases("item")),
        RegisterField("location", "Location", aliases=_aliases("location")),
        RegisterField(
            "label",
            "MR label",
            kind="choice",
            choices=(MR_SAFE, MR_CONDITIONAL, MR_UNSAFE, MR_UNLABELLED),
            required=True,
            aliases=_aliases("label"),
        ),
        RegisterField(
            "field_strength",
            "Field strength",
            kind="number",
            unit="T",
            minimum=0,
            maximum=12,
            aliases=_aliases("field_strength"),
            help="MR Conditional: the highest static field allowed",
        ),
        RegisterField(
            "spatial_gradient",
            "Spatial gradient",
            kind="number",
            unit="T/m",
            minimum=0,
            maximum=200,
            aliases=_aliases("spatial_gradient"),
        ),
        RegisterField("sar", "SAR", kind="number", unit="W/kg", minimum=0, maximum=10, aliases=_aliases("sar")),
        RegisterField("conditions", "Other conditions", aliases=_aliases("conditions")),
        RegisterField("last_checked", "Last checked", kind="date", aliases=_aliases("last_checked")),
        RegisterField("asset", "Asset number", aliases=_aliases("asset")),
    ),
    flags=equipment_flags,
    prepare=equipment_import.prepare,  # the label spellings and conditions text the old importer read
)

ROLE_MRRP, ROLE_MRSE, ROLE_AUTHORISED = "MR Responsible Person", "MR Safety Expert", "Authorised person"
TRAINING_EVERY_DAYS = 365


def roles_flags(values: Mapping[str, Any], as_of: date) -> Sequence[str]:
    due = values.get("training_due")
    if isinstance(due, str) and due < as_of.isoformat():
        return ["training overdue"]
    if values.get("role") == ROLE_AUTHORISED and not values.get("trained_on"):
        return ["no training date"]
    if not due and _older_than(values.get("trained_on"), as_of, TRAINING_EVERY_DAYS):
        return ["trained over a year ago"]
    return []


ROLES = Register(
    id="mr.safety-roles",
    title="MR safety roles",
    modality="MR",
    statement_refs=("MR-901",),
    description=(
        "The MR Responsible Person and MR Safety Expert appointed in writing, and the authorised persons "
        "with their MR safety training dates."
    ),
    key_fields=("role", "name", "unit"),
    fields=(
        RegisterField(
            "role",
            "Role",
            kind="choice",
            choices=(ROLE_MRRP, ROLE_MRSE, ROLE_AUTHORISED),
            aliases=("mr role", "safety role"),
        ),
        RegisterField("name", "Name", aliases=("person", "staff name", "full name")),
        RegisterField(
            "unit", "MR unit", aliases=("unit", "site", "room"), help="'All' when the role covers every unit"
        ),
        RegisterField("staff_group", "Staff group", aliases=("job title", "profession")),
        RegisterField("appointed_on", "Appointed", kind="date", aliases=("appointment date", "date appointed")),
        RegisterField("trained_on", "Trained", kind="date", aliases=("training date", "date trained", "last training")),
        RegisterField("training_due", "Training due", kind="date", aliases=("refresher due", "next training")),
        RegisterField("evidence", "Evidence", kind="evidence", aliases=("appointment letter", "certificate")),
    ),
    flags=roles_flags,
)

REGISTERS = (UNITS, EQUIPMENT, ROLES)
