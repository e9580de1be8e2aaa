"""The US registers: transducers (US-903), ergonomic risk assessments and competence records.

The transducer register lists every probe with its make, model, type, location and use.

The decontamination log's probes are checked against it: a probe the log names and the register
does not is listed in the pack (:func:`unknown_probes`). Its header spellings are the log's, so a
vendor's export (``Probe Serial No.``) maps to the probe id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from qsi_desktop.plugins.types import Register, RegisterField
from qsi_plugin_us.importers.decontamination import COLUMNS as LOG_COLUMNS

INTRACAVITY, SURFACE = "Intracavity", "Surface"

TRANSDUCERS = Register(
    id="us.transducers",
    title="Transducer register",
    modality="US",
    statement_refs=("US-903",),
    description="Every ultrasound transducer (probe): make, model, type, where it is kept and its use.",
    key_fields=("probe",),
    fields=(
        RegisterField("probe", "Probe id", aliases=(*LOG_COLUMNS["probe"], "serial")),
        RegisterField("make", "Make", aliases=("manufacturer", "vendor")),
        RegisterField("model", "Model", aliases=("probe model", "transducer model")),
        RegisterField("type", "Type", aliases=("probe type", "transducer type"), help="e.g. linear, curvilinear"),
        RegisterField("location", "Location", aliases=("room", "department", "site", "machine")),
        RegisterField(
            "use",
            "Use",
            kind="choice",
            choices=(INTRACAVITY, SURFACE),
            required=True,
            aliases=("intracavity or surface", "intracavity/surface", "category", "spaulding category"),
        ),
    ),
)


def review_flags(values: Mapping[str, Any], as_of: date) -> list[str]:
    """Shared by the assessment and competence registers: a record past its review, or without evidence."""
    flags = []
    review = values.get("next_review")
    if not review:
        flags.append("no review date")
    elif str(review) < as_of.isoformat():
        flags.append("review overdue")
    if not values.get("evidence"):
        flags.append("no evidence document linked")
    return flags


MSD_RISK = Register(
    id="us.msd-risk",
    title="Ergonomic (MSD) risk assessments",
    modality="US",
    statement_refs=("US-902", "US-903", "US-901"),
    description=(
        "Musculoskeletal disorder risk assessments of each scanning room or workstation: when, by whom, the "
        "actions agreed and the next review."
    ),
    key_fields=("workstation",),
    fields=(
        RegisterField("workstation", "Room or workstation", aliases=("room", "location", "workstation", "machine")),
        RegisterField("assessed_on", "Assessed", kind="date", required=True, aliases=("date", "assessment date")),
        RegisterField("assessor", "Assessed by", aliases=("assessor", "completed by")),
        RegisterField("actions", "Actions agreed", aliases=("actions", "recommendations", "control measures")),
        RegisterField("evidence", "Evidence", kind="evidence", aliases=("assessment document", "evidence id")),
        RegisterField("next_review", "Next review", kind="date", aliases=("review date", "review due")),
    ),
    flags=review_flags,
)

COMPETENCE = Register(
    id="us.competence",
    title="Preceptorship and competence records",
    modality="US",
    statement_refs=("US-902", "US-904"),
    description=(
        "Each practitioner's preceptorship and competence by area of practice (obstetric, gynaecology, MSK, "
        "paediatric...), with the evidence and the next review."
    ),
    key_fields=("practitioner", "area"),
    fields=(
        RegisterField("practitioner", "Practitioner", aliases=("name", "sonographer", "staff member")),
        RegisterField("area", "Area of practice", aliases=("area", "speciality", "specialty", "scope")),
        RegisterField("preceptorship_done", "Preceptorship completed", kind="date", aliases=("preceptorship",)),
        RegisterField("signed_off_on", "Competence signed off", kind="date", aliases=("signed off", "competent from")),
        RegisterField("evidence", "Evidence", kind="evidence", aliases=("record", "evidence id")),
        RegisterField("next_review", "Next review", kind="date", aliases=("review date", "review due")),
    ),
    flags=review_flags,
)

REGISTERS = (TRANSDUCERS, MSD_RISK, COMPETENCE)


def _probe_key(probe: Any) -> str:
    return " ".join(str(probe).split()).casefold()


def unknown_probes(log: Iterable[Mapping[str, Any]], register: Iterable[Mapping[str, Any]]) -> list[str]:
    """Probes the decontamination log names that the transducer register does not (case and spaces ignored)."""
    known = {_probe_key(row.get("probe", "")) for row in register}
    seen: dict[str, str] = {}
    for record in log:
        probe = str(record.get("probe", ""))
        if probe and _probe_key(probe) not in known:
            seen.setdefault(_probe_key(probe), probe)
    return sorted(seen.values(), key=str.casefold)
