"""IR registers and checklists (IR-9), worded after the IR-901..905 suggestions and notes.

IR-9 covers the whole IR service, including the parts delivered by nursing and anaesthetics, so
the items speak of the multidisciplinary team rather than of imaging staff alone.
"""

from __future__ import annotations

from qsi_desktop.plugins.types import ChecklistItem, ChecklistTemplate

SAFETY_CHECKLIST_AUDIT = ChecklistTemplate(
    id="ir.safety-checklist-audit",
    title="WHO-style safety checklist audit",
    modality="IR",
    statement_refs=("IR-901",),
    description="Audit of the procedural safety checklist (sign in, time out, sign out) used for every IR procedure.",
    items=(
        ChecklistItem(
            "in-use",
            "A WHO-style safety checklist is completed for every IR procedure (sign in, time out, sign out)",
            ("IR-901",),
        ),
        ChecklistItem(
            "identification-consent",
            "Protocols for patient identification, pregnancy checking and consent, including two-part consent",
            ("IR-901",),
        ),
        ChecklistItem(
            "audit",
            "Checklist completion is audited regularly and the results reported to the IR governance committee",
            ("IR-901",),
        ),
        ChecklistItem(
            "safety-lead",
            "Designated IR safety lead(s) and a multidisciplinary governance committee (radiologists, "
            "radiographers, nurses, anaesthetists, support staff)",
            ("IR-901",),
        ),
        ChecklistItem(
            "incidents",
            "Incidents and near misses related to IR procedures are reported, investigated and learnt from",
            ("IR-901",),
        ),
        ChecklistItem(
            "morbidity-mortality",
            "Clinicians attend morbidity and mortality meetings, with actions and learning recorded",
            ("IR-901",),
        ),
        ChecklistItem(
            "deterioration",
            "Protocols cover complex cases, vulnerable patients and episodes of patient deterioration",
            ("IR-901",),
        ),
    ),
)

ACCESS_ROTA = ChecklistTemplate(
    id="ir.access-rota",
    title="24/7 IR rota and referral pathway",
    modality="IR",
    statement_refs=("IR-905",),
    items=(
        ChecklistItem(
            "sop",
            "A SOP identifies which procedures are available in hours and out of hours",
            ("IR-905",),
        ),
        ChecklistItem(
            "rota",
            "A 24/7 IR service through an internal rota or an SLA with another regional organisation",
            ("IR-905",),
        ),
        ChecklistItem(
            "referral-pathway",
            "An agreed referral pathway, communicated to referrers, for procedures not available at some times",
            ("IR-905",),
        ),
        ChecklistItem(
            "responsible-clinician",
            "The responsible clinician is identified at each stage, with clear handover arrangements",
            ("IR-905",),
        ),
        ChecklistItem(
            "external-staff",
            "Communication and planning arrangements for rota staff from outside the imaging establishment",
            ("IR-905",),
        ),
        ChecklistItem(
            "admissions",
            "Pre-admission, discharge and urgent admission processes are defined in the pathway",
            ("IR-905",),
        ),
        ChecklistItem(
            "ward-agreements",
            "Agreements with wards for timely assessment and preparation of patients, evidenced by audits of delays",
            ("IR-905",),
        ),
        ChecklistItem(
            "transfers",
            "Agreed criteria and processes for out-of-hours emergency transfers, within or between providers, "
            "and the role of receiving organisations",
            ("IR-905",),
        ),
    ),
)

PAEDIATRIC = ChecklistTemplate(
    id="ir.paediatric",
    title="Paediatric IR arrangements",
    modality="IR",
    statement_refs=("IR-904",),
    items=(
        ChecklistItem(
            "protocols",
            "Specific, evidence-based protocols for IR procedures in children and young people, with paediatric "
            "optimisation (see XR-704)",
            ("IR-904", "XR-704"),
        ),
        ChecklistItem(
            "clinicians",
            "Paediatric IR is undertaken by designated clinicians trained in paediatric IR",
            ("IR-904",),
        ),
        ChecklistItem(
            "facilities",
            "Paediatric IR is undertaken in facilities designated for that purpose",
            ("IR-904",),
        ),
        ChecklistItem(
            "networks",
            "Clinical network arrangements that provide the required range of expertise are documented",
            ("IR-904",),
        ),
        ChecklistItem(
            "communication",
            "Staff are trained in communicating with children, young people and their parents or guardians",
            ("IR-904",),
        ),
        ChecklistItem(
            "sedation",
            "Procedures for sedation and medicines, and a named consultant anaesthetic lead for IR",
            ("IR-904",),
        ),
        ChecklistItem(
            "transfer",
            "Transfer arrangements and responsibilities agreed in advance with other providers",
            ("IR-904",),
        ),
    ),
)

CHECKLISTS: tuple[ChecklistTemplate, ...] = (SAFETY_CHECKLIST_AUDIT, ACCESS_ROTA, PAEDIATRIC)
