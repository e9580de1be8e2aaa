"""CT registers and checklists (CT-9), worded after the CT-901..904 suggestions and notes.

The DRL audit also evidences the XR-wide radiation statements (XR-501, XR-604: DOMAIN.md 3).
"""

from __future__ import annotations

from qsi_desktop.plugins.types import ChecklistItem, ChecklistTemplate

DRL_AUDIT = ChecklistTemplate(
    id="ct.drl-audit",
    title="CT dose audit against diagnostic reference levels",
    modality="CT",
    statement_refs=("CT-904", "CT-901", "XR-501", "XR-604"),
    description="Local DRLs (median CTDIvol per sequence and DLP per exam) compared with national DRLs, "
    "reviewed with the medical physics expert.",
    items=(
        ChecklistItem(
            "local-drls",
            "Local DRLs are set for each CT protocol or clinical indication, adult and paediatric",
            ("CT-904", "XR-501"),
        ),
        ChecklistItem(
            "national-comparison",
            "Local DRLs are compared with the current national DRLs and the comparison reviewed with the MPE",
            ("XR-501", "XR-604"),
        ),
        ChecklistItem(
            "paediatric-drls",
            "Paediatric protocols set out image optimisation and the use of national and local DRLs",
            ("CT-904",),
        ),
        ChecklistItem(
            "actions",
            "Protocols above the national DRL are investigated and optimised, with an action plan and a re-audit",
            ("CT-901", "XR-604"),
        ),
        ChecklistItem(
            "equipment-qc",
            "Routine quality control, safety audits and risk assessments for CT equipment, environment and procedures",
            ("CT-901",),
        ),
    ),
)

PAEDIATRIC_PROTOCOLS = ChecklistTemplate(
    id="ct.paediatric-protocols",
    title="Paediatric CT protocol review",
    modality="CT",
    statement_refs=("CT-904",),
    items=(
        ChecklistItem(
            "protocols",
            "Specific, evidence-based CT protocols for children and young people, as IR(ME)R 12(8)(a) requires",
            ("CT-904",),
        ),
        ChecklistItem(
            "guidance",
            "National and professional guidance informs the local protocols, with local implementation considered",
            ("CT-904",),
        ),
        ChecklistItem("xr-704", "The protocols are consistent with those for XR-704", ("CT-904", "XR-704")),
        ChecklistItem(
            "approval",
            "The paediatric lead and the MPE are involved in developing and approving the protocols",
            ("CT-904",),
        ),
        ChecklistItem(
            "staff",
            "Paediatric CT is undertaken by designated, trained and entitled clinicians, on a designated list "
            "where possible",
            ("CT-904",),
        ),
        ChecklistItem(
            "communication",
            "Staff are trained in communicating with children, young people and their parents or guardians, "
            "with play specialists or toy scanners considered",
            ("CT-904",),
        ),
        ChecklistItem(
            "sedation",
            "Procedures for sedation and medicines, and a named consultant anaesthetic lead for CT",
            ("CT-904",),
        ),
        ChecklistItem(
            "transfer",
            "Transfer arrangements and responsibilities agreed in advance with other providers",
            ("CT-904",),
        ),
    ),
)

TRAUMA_REVIEW = ChecklistTemplate(
    id="ct.trauma-gap-review",
    title="Trauma standards gap review",
    modality="CT",
    statement_refs=("CT-903",),
    description="Review of national trauma standards and guidance against local practice, with an action plan.",
    items=(
        ChecklistItem("nice-qs", "Trauma quality standards (NICE, 2018) reviewed against local practice", ("CT-903",)),
        ChecklistItem(
            "nice-major-trauma",
            "Major trauma: assessment and initial management (NICE, 2016) reviewed against local practice",
            ("CT-903",),
        ),
        ChecklistItem(
            "rcr-adult",
            "Major adult trauma radiology guidance (RCR, 2024) reviewed against local practice",
            ("CT-903",),
        ),
        ChecklistItem(
            "rcr-paediatric",
            "Major paediatric trauma radiology guidance (RCR, 2024) reviewed against local practice",
            ("CT-903", "CT-904"),
        ),
        ChecklistItem(
            "benchmarking",
            "Response times benchmarked against similar organisations",
            ("CT-903",),
        ),
        ChecklistItem(
            "local-processes",
            "Local processes and procedures updated to align with the standards",
            ("CT-903",),
        ),
        ChecklistItem(
            "action-plan",
            "An action plan with owners and timescales addresses every gap in compliance",
            ("CT-903",),
        ),
    ),
)

COMPETENCE_MATRIX = ChecklistTemplate(
    id="ct.staff-competence",
    title="CT staff entitlement and competence matrix",
    modality="CT",
    statement_refs=("CT-902",),
    items=(
        ChecklistItem(
            "entitlement",
            "Every operator is entitled under IR(ME)R for the CT examinations they undertake",
            ("CT-902",),
        ),
        ChecklistItem(
            "matrix",
            "A competence matrix shows how, collectively, staff competence links to the needs of the service",
            ("CT-902",),
        ),
        ChecklistItem(
            "training",
            "Training maintains competence in CT, including IR(ME)R and IRR compliance and medicines management",
            ("CT-902",),
        ),
        ChecklistItem("irmer-records", "Records of additional training, as IR(ME)R requires", ("CT-902",)),
        ChecklistItem(
            "supervision",
            "Systems of work prevent staff undertaking examinations they are not trained for; staff not yet "
            "entitled are directly supervised",
            ("CT-902",),
        ),
        ChecklistItem(
            "out-of-hours",
            "Enough suitably trained staff to deliver CT out of hours and 24/7 as required",
            ("CT-902",),
        ),
        ChecklistItem(
            "new-staff",
            "Support for the integration and development of new professionals and staff new to CT",
            ("CT-902",),
        ),
        ChecklistItem(
            "staffing-review",
            "Regular review of staffing levels, skill mix and training, with action plans",
            ("CT-902",),
        ),
    ),
)

CHECKLISTS: tuple[ChecklistTemplate, ...] = (DRL_AUDIT, PAEDIATRIC_PROTOCOLS, TRAUMA_REVIEW, COMPETENCE_MATRIX)
