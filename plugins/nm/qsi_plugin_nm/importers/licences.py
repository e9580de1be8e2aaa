"""Importer ``nm-licences``: the register of ARSAC licences, appointments and permits (CSV), NM-905.

Holders are named: this is a register of appointments (staff and organisations), not patient
data. Patient columns, should a spreadsheet have any, are still dropped by the table reader.
"""

from __future__ import annotations

import re
from datetime import date

from qsi_desktop.plugins.types import Importer
from qsi_desktop.tabular import (
    TABLE_PATTERNS,
    Row,
    RowRecord,
    RowRejected,
    TableImport,
    parse_date,
)

NAME = "nm-licences"

ARSAC_EMPLOYER = "ARSAC employer licence"
ARSAC_PRACTITIONER = "ARSAC practitioner licence"
MPE = "MPE appointment"
RPA = "RPA appointment"
RWA = "RWA appointment"
PERMIT = "Environmental permit"
HSE = "HSE authorisation"
TYPES = (ARSAC_EMPLOYER, ARSAC_PRACTITIONER, MPE, RPA, RWA, PERMIT, HSE)
EXPIRING_TYPES = frozenset({ARSAC_EMPLOYER, ARSAC_PRACTITIONER})  # ARSAC licences always have an end date

COLUMNS = {
    "type": (
        "type",
        "item",
        "appointment",
        "licence",
        "license",
        "licence type",
        "license type",
        "appointment type",
        "category",
        "role",
        "document",
        "registration",
    ),
    "holder": (
        "holder",
        "name",
        "holder name",
        "appointee",
        "licensee",
        "licence holder",
        "license holder",
        "held by",
        "person",
        "organisation",
        "organization",
        "permit holder",
        "appointed person",
    ),
    "reference": (
        "reference",
        "ref",
        "reference number",
        "ref no",
        "number",
        "licence number",
        "license number",
        "licence no",
        "permit number",
        "certificate number",
        "registration number",
    ),
    "issued": (
        "issued",
        "issue date",
        "date issued",
        "valid from",
        "start date",
        "start",
        "appointed",
        "date appointed",
        "effective date",
        "granted",
    ),
    "expires": (
        "expires",
        "expiry",
        "expiry date",
        "expiration",
        "expiration date",
        "valid until",
        "valid to",
        "end date",
        "renewal date",
        "renewal due",
    ),
}
REQUIRED = ("type", "holder", "expires")


def normalise_type(text: str) -> str:
    """The register entry's type, or RowRejected saying which types are known."""
    key = re.sub(r"[^a-z0-9]", "", text.lower())
    tokens = set(re.findall(r"[a-z0-9]+", text.lower()))
    if "employer" in key:
        return ARSAC_EMPLOYER
    if "practitioner" in key:
        return ARSAC_PRACTITIONER
    if "mpe" in tokens or "medicalphysicsexpert" in key:
        return MPE
    if "rpa" in tokens or "radiationprotectionadvis" in key:
        return RPA
    if "rwa" in tokens or "wasteadvis" in key:
        return RWA
    if "permit" in key or tokens & {"epr", "easr", "rsr"}:
        return PERMIT
    if "hse" in tokens:
        return HSE
    if not key:
        raise RowRejected("no type")
    if "arsac" in key or "licen" in key:
        raise RowRejected(
            f"type {text.strip()[:40]!r}: say whether it is the employer's or a practitioner's ARSAC licence"
        )
    raise RowRejected(f"type {text.strip()[:40]!r} not recognised (expected one of: {', '.join(TYPES)})")


def _date(row: Row, column: str) -> date | None:
    value = row.values.get(column, "")
    if not value or value.lower() in ("n/a", "na", "-", "none"):
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise RowRejected(f"{column}: {exc}") from None


def parse_row(row: Row) -> RowRecord:
    kind = normalise_type(row.get("type"))
    holder = " ".join(row.get("holder").split())
    if not holder:
        raise RowRejected("no holder")
    issued = _date(row, "issued")
    expires = _date(row, "expires")
    if issued and expires and expires < issued:
        raise RowRejected("expires before it was issued")
    reference = " ".join(row.get("reference").split())
    return RowRecord(
        identity=(kind, holder.lower(), reference.lower()),
        data={
            "type": kind,
            "holder": holder,
            "reference": reference,
            "issued": issued.isoformat() if issued else None,
            "expires": expires.isoformat() if expires else None,
        },
        occurred_on=issued.isoformat() if issued else None,
    )


SPEC = TableImport(name=NAME, columns=COLUMNS, required=REQUIRED, parse=parse_row, repeats="reject")


read = SPEC.read
run = SPEC.run  # every file in one batch, for tests and scripts


IMPORTER = Importer(
    name=NAME,
    title="ARSAC licences, appointments and permits",
    read=read,
    patterns=TABLE_PATTERNS,
    modality="NM",
    description=(
        "CSV register of ARSAC employer and practitioner licences, MPE, RPA and RWA appointments and "
        "environmental permits: type, holder, reference, issued and expiry dates."
    ),
    statement_refs=("NM-905", "NM-901"),
    columns=("type", "holder", "reference", "issued", "expires"),
    # The holder is a named practitioner or employer by design (Dr A Consultant) and the reference a
    # licence number: neither is free text; NHS numbers are still refused in both.
    free_text=("type",),
)
