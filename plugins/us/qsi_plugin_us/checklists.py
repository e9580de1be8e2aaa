"""Ultrasound registers and checklists (US-9), worded after the US-901..904 suggestions and notes."""

from __future__ import annotations

from qsi_desktop.plugins.types import ChecklistItem, ChecklistTemplate

TRANSDUCER_REGISTER = ChecklistTemplate(
    id="us.transducer-register",
    title="Transducer register",
    modality="US",
    statement_refs=("US-903",),
    description="One entry per transducer, kept with the ultrasound asset register.",
    items=(
        ChecklistItem(
            "asset-register",
            "Every transducer is on the asset register with its scanner, equipment age and replacement plan",
            ("US-903",),
        ),
        ChecklistItem(
            "criticality",
            "Each transducer's intended use is recorded (surface, intracavity, interventional) so the "
            "decontamination level it needs is known",
            ("US-903",),
            guidance="Intracavity and other semi-critical use needs high-level disinfection.",
        ),
        ChecklistItem(
            "maintenance",
            "Maintenance schedules and records: planned preventative maintenance, calibration and prompt "
            "repair of faults",
            ("US-903",),
        ),
        ChecklistItem(
            "inspection",
            "Transducers are checked for damage (lens, housing, cable) before use, against an equipment checklist",
            ("US-903",),
            guidance="AXREM Ultrasound Use Equipment Checklist, 2023.",
        ),
        ChecklistItem(
            "replacement-policy",
            "A documented policy for the provision, maintenance and replacement of ultrasound equipment",
            ("US-903",),
        ),
    ),
)

DECONTAMINATION = ChecklistTemplate(
    id="us.decontamination",
    title="Transducer decontamination",
    modality="US",
    statement_refs=("US-903", "US-902"),
    description="Infection prevention and control for transducers; the log itself is imported.",
    items=(
        ChecklistItem(
            "protocol",
            "Cleaning protocols for the decontamination of transducers and equipment, including "
            "ventilation where the method produces fumes",
            ("US-903",),
            guidance="AXREM Ultrasound Transducer Decontamination - Best Practice Summary, 2020.",
        ),
        ChecklistItem(
            "hld-semi-critical",
            "Every semi-critical (intracavity) use is followed by a passing high-level disinfection cycle",
            ("US-903",),
        ),
        ChecklistItem(
            "traceability",
            "A decontamination log records the probe, date and time, examination category, method, cycle "
            "record, operator and result",
            ("US-903",),
        ),
        ChecklistItem(
            "gel-and-covers",
            "Good practice for ultrasound gel and probe covers, with checks that no sheath or cover is "
            "retained after an intimate examination",
            ("US-903",),
            guidance="UKHSA gel guidance; SoR guidance on retained sheaths and probe covers.",
        ),
        ChecklistItem(
            "staff-trained",
            "Operators and support staff are trained and audited in the use of decontamination products and devices",
            ("US-902",),
        ),
        ChecklistItem(
            "audit",
            "The decontamination log is audited and non-compliance is acted on",
            ("US-903", "US-901"),
        ),
    ),
)

MSD_RISK = ChecklistTemplate(
    id="us.msd-risk",
    title="Ergonomic (MSD) risk assessment",
    modality="US",
    statement_refs=("US-902", "US-903", "US-901"),
    description="Work-related musculoskeletal disorder risk for sonographers.",
    items=(
        ChecklistItem(
            "risk-assessments",
            "Designated sonographers risk-assess all procedures in line with the employer's protocols",
            ("US-901",),
        ),
        ChecklistItem(
            "ergonomic-training",
            "Sonographers are trained in risk assessment and the ergonomic use of ultrasound equipment",
            ("US-902",),
        ),
        ChecklistItem(
            "equipment-and-lists",
            "Operator equipment, facilities and the structure of clinical lists are designed to reduce the "
            "risk of musculoskeletal disorder",
            ("US-903",),
        ),
        ChecklistItem(
            "early-support",
            "Staff have access to support at early signs of work-related musculoskeletal disorders",
            ("US-902",),
        ),
        ChecklistItem(
            "hse-review",
            "Working practices are reviewed against current Health and Safety Executive regulations and guidance",
            ("US-901",),
        ),
    ),
)

PRECEPTORSHIP = ChecklistTemplate(
    id="us.preceptorship-competence",
    title="Preceptorship and competence records",
    modality="US",
    statement_refs=("US-902", "US-904"),
    items=(
        ChecklistItem("competency-framework", "Competency frameworks for all ultrasound roles", ("US-902",)),
        ChecklistItem(
            "preceptorship",
            "Structured induction, preceptorship, supervision and support for staff new to ultrasound",
            ("US-902",),
        ),
        ChecklistItem(
            "records",
            "Records of training, competency assessments and continuing professional development (CPD)",
            ("US-902",),
        ),
        ChecklistItem(
            "recruitment",
            "Qualifications and skills are assessed when employing sonographers, in line with SoR and BMUS guidance",
            ("US-902",),
        ),
        ChecklistItem(
            "fgm-safeguarding",
            "Safeguarding responsibilities for female genital mutilation (FGM) are understood by staff in "
            "gynaecology and paediatric ultrasound",
            ("US-902", "US-904"),
        ),
        ChecklistItem(
            "paediatric-competence",
            "Paediatric ultrasound is undertaken only by trained and competent clinicians",
            ("US-904",),
        ),
    ),
)

CHECKLISTS: tuple[ChecklistTemplate, ...] = (TRANSDUCER_REGISTER, DECONTAMINATION, MSD_RISK, PRECEPTORSHIP)
