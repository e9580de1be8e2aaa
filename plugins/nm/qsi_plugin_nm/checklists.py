"""Nuclear medicine registers and checklists (NM-9), worded after the NM-901..905 suggestions.

The lettered items of NM-905 (the annual compliance report a-h and the radiopharmaceutical SOP
a-f) are kept with their letters, so the checklist reads against the statement.
"""

from __future__ import annotations

from qsi_desktop.plugins.types import ChecklistItem, ChecklistTemplate

APPOINTMENTS = ChecklistTemplate(
    id="nm.appointments-licences",
    title="Appointments and ARSAC licences",
    modality="NM",
    statement_refs=("NM-905", "NM-901"),
    description="Regulatory experts appointed in writing and licences in date; the register itself is imported.",
    items=(
        ChecklistItem(
            "mpe",
            "Medical physics expert(s) (MPE) appointed in writing, role defined in line with regulations",
            ("NM-905", "NM-901"),
        ),
        ChecklistItem(
            "mpe-staffing",
            "MPE staffing level compliant with the recommendations from ARSAC",
            ("NM-901",),
        ),
        ChecklistItem(
            "rpa",
            "Radiation protection adviser (RPA) appointed in writing, suitably certificated",
            ("NM-905", "NM-901"),
        ),
        ChecklistItem(
            "rwa",
            "Radioactive waste adviser (RWA) appointed in writing, suitably certificated",
            ("NM-905", "NM-901"),
        ),
        ChecklistItem(
            "arsac-employer",
            "ARSAC employer licence held for each site, in date and covering the procedures",
            ("NM-905",),
        ),
        ChecklistItem(
            "arsac-practitioner",
            "ARSAC practitioner licence in date for each practitioner, covering the procedures they justify",
            ("NM-905",),
        ),
        ChecklistItem(
            "environmental-permits",
            "Environmental permits (Environmental Permitting Regulations 2016 or the national equivalent) held "
            "and in date",
            ("NM-905", "NM-901"),
        ),
    ),
)

_REPORT_AREAS = (
    ("a", "Ionising Radiation (Medical Exposure) Regulations (IR(ME)R) 2017"),
    ("b", "Employer's IR(ME)R procedures"),
    ("c", "ARSAC licensing (employer and practitioner)"),
    ("d", "Ionising Radiation Regulations (IRR)"),
    ("e", "HSE authorisation"),
    ("f", "Environmental Permitting Regulations"),
    ("g", "Environmental permits"),
    ("h", "Carriage of Dangerous Goods Regulations"),
)

COMPLIANCE_REPORT = ChecklistTemplate(
    id="nm.annual-compliance-report",
    title="Annual regulatory compliance report",
    modality="NM",
    statement_refs=("NM-905",),
    description="A report assessing regulatory compliance, at least annually (NM-905).",
    items=(
        ChecklistItem("annual", "A report assessing regulatory compliance is provided at least annually", ("NM-905",)),
        *(
            ChecklistItem(f"report-{letter}", f"{letter}. The report covers {area}", ("NM-905",))
            for letter, area in _REPORT_AREAS
        ),
        ChecklistItem(
            "considered",
            "The report is considered by the radiation safety or governance meeting, with action plans agreed "
            "where compliance is not achieved",
            ("NM-905",),
        ),
    ),
)

_SOP_SECTIONS = (
    ("a", "How radiopharmaceuticals are ordered"),
    ("b", "Arrangements for their transport"),
    (
        "c",
        "Procedures for their receipt, with a dedicated receiving point and authorised personnel to accept "
        "receipt and return",
    ),
    ("d", "Procedures for their storage"),
    ("e", "Out-of-hours arrangements"),
    ("f", "Procedures for their consignment (for example waste for off-site incineration)"),
)

RADIOPHARMACEUTICAL_SOP = ChecklistTemplate(
    id="nm.radiopharmaceutical-sop",
    title="Radiopharmaceutical standard operating procedure",
    modality="NM",
    statement_refs=("NM-905",),
    description="The SOP for radiopharmaceuticals supplied by an off-site radiopharmacy sets out a-f.",
    items=tuple(ChecklistItem(f"sop-{letter}", f"{letter}. {text}", ("NM-905",)) for letter, text in _SOP_SECTIONS),
)

CHECKLISTS: tuple[ChecklistTemplate, ...] = (APPOINTMENTS, COMPLIANCE_REPORT, RADIOPHARMACEUTICAL_SOP)
