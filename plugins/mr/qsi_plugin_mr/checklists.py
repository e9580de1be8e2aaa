"""MR registers and checklists (MR-9), worded after the MR-901..904 suggestions and notes.

"MR unit" means one scanner (MR-9 introduction): the zone map is kept per unit.
"""

from __future__ import annotations

from qsi_desktop.plugins.types import ChecklistItem, ChecklistTemplate

SAFETY_ROLES = ChecklistTemplate(
    id="mr.safety-roles",
    title="MR safety roles",
    modality="MR",
    statement_refs=("MR-901",),
    description="Who holds each MR safety role, with their appointment letter or certificate as evidence.",
    items=(
        ChecklistItem(
            "mrrp",
            "MR responsible person (MRRP) designated for the service (one per MR unit where appropriate)",
            ("MR-901",),
        ),
        ChecklistItem(
            "mrse",
            "MR safety expert (MRSE) designated, employed or on a consultancy basis",
            ("MR-901",),
            guidance="IPEM offers an MRSE Certificate of Competence; it is not yet a requirement.",
        ),
        ChecklistItem("authorised-persons", "MR authorised person(s) named for each MR unit", ("MR-901",)),
        ChecklistItem("operators", "Named MR operators", ("MR-901",)),
        ChecklistItem(
            "committee",
            "MR governance/safety committee with multidisciplinary representation",
            ("MR-901",),
        ),
        ChecklistItem(
            "local-rules",
            "MR local rules reviewed and updated, including compliance with CEMFAW and the Health and Safety "
            "at Work Act",
            ("MR-901",),
        ),
        ChecklistItem(
            "staff-screening",
            "MR staff are safety screened annually, or earlier after a relevant change",
            ("MR-901",),
        ),
        ChecklistItem(
            "training-records",
            "Staff training and competency records in MR safety and emergency procedures",
            ("MR-901", "MR-902"),
        ),
    ),
)

ZONE_MAP = ChecklistTemplate(
    id="mr.zone-map",
    title="MR controlled access area and zone map (per MR unit)",
    modality="MR",
    statement_refs=("MR-903",),
    description="Complete one per MR unit.",
    items=(
        ChecklistItem(
            "controlled-access",
            "The MR controlled access area of this MR unit is identified and access is secured",
            ("MR-903",),
        ),
        ChecklistItem(
            "signage",
            "Clearly visible signage at the entrances to the MR controlled access area and the MR environment",
            ("MR-903",),
        ),
        ChecklistItem(
            "zones",
            "Regions or zones for specific MR conditional equipment and their allowed proximity to the "
            "scanner are defined, in consultation with the MRSE",
            ("MR-903",),
        ),
        ChecklistItem(
            "conditional-list",
            "A list of MR conditional equipment with the constraints of its labelling is held in the control room",
            ("MR-903",),
        ),
        ChecklistItem(
            "labelling",
            "Equipment is labelled MR safe, MR conditional, MR unsafe or unlabelled, and staff understand "
            "the difference",
            ("MR-903",),
        ),
        ChecklistItem(
            "emf-risk",
            "Risk assessment of electromagnetic fields and the impact of their hazards in this MR unit",
            ("MR-903",),
        ),
        ChecklistItem(
            "emergency",
            "A procedure for emergency situations that staff know, with their responsibilities",
            ("MR-903",),
        ),
        ChecklistItem(
            "hearing",
            "Hearing protection for patients, staff and others, with special care for neonates, children, "
            "unconscious and noise-sensitive patients",
            ("MR-903",),
        ),
    ),
)

QA_ENVIRONMENT = ChecklistTemplate(
    id="mr.qa-environment",
    title="MR quality assurance and environment monitoring",
    modality="MR",
    statement_refs=("MR-903",),
    items=(
        ChecklistItem(
            "qa-schedule",
            "Image quality assurance tests are undertaken according to an agreed schedule",
            ("MR-903",),
        ),
        ChecklistItem(
            "tolerances",
            "Tolerances for the QA parameters are agreed before the checks are undertaken",
            ("MR-903",),
        ),
        ChecklistItem(
            "environment",
            "Temperature, oxygen levels and humidity are monitored regularly and the logs kept",
            ("MR-903",),
        ),
        ChecklistItem(
            "maintenance",
            "Maintenance schedules and records: planned preventative maintenance, calibration and prompt "
            "repair of faults",
            ("MR-903",),
        ),
        ChecklistItem(
            "asset-register",
            "Asset register with safe operating weight limits, equipment age and replacement plans",
            ("MR-903",),
        ),
    ),
)

CHECKLISTS: tuple[ChecklistTemplate, ...] = (SAFETY_ROLES, ZONE_MAP, QA_ENVIRONMENT)
