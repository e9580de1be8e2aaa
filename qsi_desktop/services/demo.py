"""A realistic demo workspace: a mid-sized NHS imaging service part way through its QSI preparation.

Everything goes through the same services a user's work does (so it is audited), with dates
relative to today so that overdue reviews and actions stay overdue whenever the demo is built.
The people are job titles, not names, and the logs hold no patient data.
"""

from __future__ import annotations

import csv
import tempfile
from datetime import date, timedelta
from pathlib import Path

from qsi_desktop.services import actions, evidence, importing
from qsi_desktop.services.app import App
from qsi_desktop.services.assessments import AssessmentChange, assess
from qsi_desktop.services.demo_zone_map import add_demo_zone_map
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.values import add_months
from qsi_desktop.store.workspace import NewProfile, Workspace

PROFILE = NewProfile(
    name="Riverside Imaging Service",
    organisation="Riverside Hospitals NHS Foundation Trust (demo)",
    sites=("Riverside General Hospital", "Northgate Community Diagnostic Centre"),
    modalities=("CT", "IR", "MR", "NM", "US"),
    scopes={"paediatric": True},
)

# ref, status, owner, narrative, months since last review (None: not reviewed yet)
ASSESSMENTS: list[tuple[str, str, str, str, int | None]] = [
    (
        "XR-101",
        "met",
        "Patient Experience Lead",
        "Procedure leaflets for all modalities are on the trust website and in print; easy-read and translated "
        "versions are requested through PALS. Leaflets are reviewed every two years by the patient panel.",
        9,
    ),
    (
        "XR-102",
        "partially_met",
        "Imaging Services Manager",
        "Booking line and email in place. Response times are not yet measured for email enquiries.",
        4,
    ),
    (
        "XR-103",
        "met",
        "Superintendent Radiographer",
        "Chaperone policy in use; 'Hello my name is' audited quarterly; gowns stocked in three sizes.",
        6,
    ),
    ("XR-104", "in_progress", "Superintendent Radiographer", "Private room available at Northgate CDC only.", None),
    ("XR-201", "met", "Clinical Director", "Leadership structure and accountability published on the intranet.", 3),
    (
        "XR-203",
        "not_met",
        "Imaging Services Manager",
        "Staff survey shows low wellbeing scores; no wellbeing plan yet.",
        None,
    ),
    ("XR-204", "in_progress", "Imaging Services Manager", "Workforce model being updated for the CDC.", None),
    ("XR-305", "met", "Health and Safety Lead", "Annual health and safety inspection completed; actions closed.", 5),
    ("XR-306", "met", "IPC Link Radiographer", "IPC audits monthly; results reported to the governance group.", 14),
    ("XR-401", "met", "PACS Manager", "PACS business continuity plan tested in March.", 8),
    (
        "XR-403",
        "partially_met",
        "Clinical Director",
        "AI governance group formed; the register of AI tools is incomplete.",
        2,
    ),
    (
        "XR-501",
        "met",
        "Radiation Protection Supervisor",
        "Employer's procedures reviewed with the MPE; local DRLs set for CT and radiography.",
        7,
    ),
    ("XR-502", "met", "Radiation Protection Supervisor", "RPA appointed; local rules displayed in every room.", 7),
    ("XR-503", "met", "Radiation Protection Supervisor", "Pregnancy checking audited twice a year.", 7),
    (
        "XR-602",
        "partially_met",
        "Imaging Equipment Manager",
        "Inventory complete; replacement programme not yet agreed with the trust capital board.",
        3,
    ),
    ("XR-603", "met", "Medical Physics Expert", "QA programme run by medical physics, results on the QA system.", 2),
    ("XR-604", "in_progress", "Medical Physics Expert", "Image quality review group meets quarterly.", None),
    ("XR-701", "met", "Clinical Director", "iRefer-based referral guidelines embedded in the order comms system.", 10),
    ("XR-703", "met", "Superintendent Radiographer", "Consent policy aligned to the trust policy.", 10),
    ("XR-704", "in_progress", "Paediatric Imaging Lead", "Paediatric protocol being rewritten.", None),
    ("XR-802", "met", "Quality Manager", "Rolling audit programme agreed for 2026-27.", 1),
    ("XR-805", "met", "Quality Manager", "Imaging risks held on the trust risk register and reviewed monthly.", 1),
    ("CT-901", "met", "CT Superintendent", "CT governance group meets monthly.", 3),
    ("CT-904", "partially_met", "Paediatric Imaging Lead", "Paediatric CT protocols need local DRLs.", 3),
    ("MR-901", "met", "MR Safety Expert", "MR safety policy, MRSE and MRRPs appointed.", 5),
    ("MR-903", "in_progress", "MR Safety Expert", "Zone maps being redrawn after the scanner move.", None),
    ("US-901", "partially_met", "Sonography Lead", "Governance meetings started; terms of reference in draft.", 2),
    ("US-903", "met", "Sonography Lead", "Transducer decontamination logged for every intracavity examination.", 2),
    (
        "IR-905",
        "not_met",
        "Consultant Interventional Radiologist",
        "No formal 24/7 IR rota; out-of-hours cover by goodwill.",
        None,
    ),
]

NOT_APPLICABLE = {
    "XR-708": "No forensic or post-mortem imaging is performed here: referred to the regional centre under an SLA.",
}

# title, statements, version, owner, document ref, months since approval, months until review
DOCUMENTS: list[tuple[str, list[str], str, str, str, int, int]] = [
    ("Patient information leaflets index", ["XR-101", "XR-102"], "4.0", "Patient Experience Lead", "IMG-PI-001", 9, 15),
    (
        "Chaperone and intimate examinations policy",
        ["XR-103", "XR-104"],
        "2.1",
        "Superintendent Radiographer",
        "IMG-POL-014",
        6,
        18,
    ),
    (
        "IR(ME)R employer's procedures",
        ["XR-501", "XR-503", "CT-901"],
        "7.0",
        "Radiation Protection Supervisor",
        "IMG-RP-001",
        7,
        5,
    ),
    (
        "Local diagnostic reference levels audit 2026",
        ["XR-501", "XR-604", "CT-904"],
        "1.0",
        "Medical Physics Expert",
        "MP-AUD-2026-03",
        2,
        10,
    ),
    (
        "Equipment inventory and replacement programme",
        ["XR-602", "XR-603"],
        "3.2",
        "Imaging Equipment Manager",
        "IMG-EQ-002",
        3,
        9,
    ),
    ("MR safety policy", ["MR-901", "MR-903"], "3.0", "MR Safety Expert", "IMG-MR-001", 5, 7),
    (
        "Ultrasound transducer decontamination procedure",
        ["US-903", "XR-306"],
        "2.0",
        "Sonography Lead",
        "IMG-US-004",
        14,
        -2,
    ),
    ("Clinical audit programme 2026-27", ["XR-802"], "1.0", "Quality Manager", "IMG-QM-010", 1, 11),
]

# document ref -> (version, months since approval, months until review) of the version it replaced
PREVIOUS_VERSIONS: dict[str, tuple[str, int, int]] = {"IMG-RP-001": ("6.0", 31, -7)}

# ref, description, owner, days until due (negative: overdue), status
ACTIONS: list[tuple[str, str, str, int, str]] = [
    ("XR-102", "Measure and report email response times monthly", "Imaging Services Manager", 45, "in_progress"),
    (
        "XR-203",
        "Write a staff wellbeing plan with the staff survey working group",
        "Imaging Services Manager",
        60,
        "open",
    ),
    ("XR-403", "Complete the register of AI tools in clinical use", "Clinical Director", -14, "open"),
    (
        "XR-602",
        "Agree the five-year replacement programme with the capital board",
        "Imaging Equipment Manager",
        90,
        "open",
    ),
    ("CT-904", "Set local DRLs for paediatric head and chest CT with the MPE", "Medical Physics Expert", 30, "open"),
    ("US-901", "Approve the ultrasound governance group terms of reference", "Sonography Lead", 21, "open"),
    ("IR-905", "Business case for a networked 24/7 IR rota", "Consultant Interventional Radiologist", 120, "open"),
]


def build_demo(path: Path, app: App, *, actor: str = "demo", today: date | None = None) -> Path:
    today = today or date.today()
    ws = Workspace.create(path, PROFILE, framework_id=app.framework_id, actor=actor)
    try:
        _assess(ws, app, actor, today)
        _documents(ws, app, actor, today)
        for ref, description, owner, due_in, status in ACTIONS:
            if app.catalogue.get(ref):
                actions.add_action(
                    ws,
                    app,
                    ref,
                    description,
                    owner=owner,
                    due_on=today + timedelta(days=due_in),
                    status=status,
                    actor=actor,
                )
        _import_logs(ws, app, actor, today)
        _registers(ws, app, actor, today)
        add_demo_zone_map(ws, app, actor, today)
    finally:
        ws.close()
    return ws.path


# register id -> rows (values by field key). Dates are days before today. L12-03 is missing from the
# transducer register on purpose: the decontamination check lists it as an unknown probe.
REGISTER_ROWS: dict[str, list[dict[str, object]]] = {
    "mr.units": [
        {
            "site": "Riverside General Hospital",
            "room": "MR 1",
            "scanner": "Siemens MAGNETOM Sola",
            "field_strength": 1.5,
        },
        {"site": "Riverside General Hospital", "room": "MR 2", "scanner": "Siemens MAGNETOM Vida", "field_strength": 3},
    ],
    "mr.equipment": [
        {
            "item": "MR Conditional patient trolley",
            "location": "MR 1",
            "label": "MR Conditional",
            "field_strength": 3,
            "last_checked": 40,
        },
        {
            "item": "Fire extinguisher (non-magnetic)",
            "location": "MR 1 control room",
            "label": "MR Safe",
            "last_checked": 40,
        },
        {"item": "Oxygen cylinder (steel)", "location": "Zone 2 store", "label": "MR Unsafe", "last_checked": 400},
        {"item": "Patient monitor", "location": "MR 2", "label": "MR Conditional", "last_checked": 20},
    ],
    "mr.safety-roles": [
        {"role": "MR Responsible Person", "name": "MR Superintendent", "unit": "MR 1", "trained_on": 200},
        {"role": "MR Safety Expert", "name": "Consultant Physicist", "unit": "All units", "trained_on": 500},
    ],
    "nm.radiopharmaceutical-sops": [
        {
            "section": "a. Ordering",
            "document": "Ordering radiopharmaceuticals from the regional radiopharmacy",
            "owner": "Nuclear Medicine Manager",
            "version": "3.1",
            "review_date": -200,
        },
        {
            "section": "b. Transport",
            "document": "Transport of radioactive materials between sites",
            "owner": "Radiation Protection Supervisor",
            "version": "2.0",
            "review_date": -90,
        },
        {
            "section": "c. Receipt",
            "document": "Receipt and checking of radiopharmaceutical deliveries",
            "owner": "Nuclear Medicine Manager",
            "version": "1.4",
            "review_date": 30,
        },
        {
            "section": "d. Storage",
            "document": "Storage of radioactive substances in the hot lab",
            "owner": "Radiation Protection Supervisor",
            "version": "2.2",
            "review_date": -300,
        },
    ],
    "nm.reference-activities": [
        {
            "procedure": "Bone scan",
            "radiopharmaceutical": "Tc-99m HDP",
            "reference": 600,
            "unit": "MBq",
            "source": "Demo values: use ARSAC's Notes for Guidance or your own",
        },
        {
            "procedure": "Myocardial perfusion (stress)",
            "radiopharmaceutical": "Tc-99m tetrofosmin",
            "reference": 400,
            "unit": "MBq",
            "source": "Demo values: use ARSAC's Notes for Guidance or your own",
        },
        {
            "procedure": "Renogram",
            "radiopharmaceutical": "Tc-99m MAG3",
            "reference": 100,
            "unit": "MBq",
            "source": "Demo values: use ARSAC's Notes for Guidance or your own",
        },
    ],
    "us.transducers": [
        {
            "probe": "TV-01",
            "make": "GE",
            "model": "RIC5-9-D",
            "type": "endocavity",
            "location": "US 1",
            "use": "Intracavity",
        },
        {
            "probe": "TV-02",
            "make": "GE",
            "model": "RIC5-9-D",
            "type": "endocavity",
            "location": "US 2",
            "use": "Intracavity",
        },
        {
            "probe": "C5-01",
            "make": "GE",
            "model": "C1-6-D",
            "type": "curvilinear",
            "location": "US 1",
            "use": "Surface",
        },
    ],
}


def _registers(ws: Workspace, app: App, actor: str, today: date) -> None:
    """A few rows in each register of the modalities the demo provides, so each editor shows something."""
    from qsi_desktop.services import registers

    for register_id, rows in REGISTER_ROWS.items():
        try:
            register = registers.find_register(app, register_id)
        except UserError:
            continue  # that plugin is not installed
        for row in rows:
            values = {  # dates are given as days before today (negative: after)
                key: (today - timedelta(days=value)).isoformat()
                if key.endswith(("_checked", "_on", "_date"))
                else value
                for key, value in row.items()
                if value != ""
            }
            registers.add_row(ws, register, values, actor=actor)


def _assess(ws: Workspace, app: App, actor: str, today: date) -> None:
    for ref, status, owner, narrative, months_ago in ASSESSMENTS:
        if app.catalogue.get(ref) is None:  # a modality plugin is not installed
            continue
        reviewed = _months_before(today, months_ago) if months_ago is not None else None
        assess(
            ws,
            app,
            ref,
            AssessmentChange(
                status=status,
                owner=owner,
                narrative=narrative,
                review_interval_months=12,
                reviewed_on=reviewed,
                signed_off_by="Imaging Services Manager" if status == "met" else None,
            ),
            actor=actor,
        )
    for ref, reason in NOT_APPLICABLE.items():
        assess(ws, app, ref, AssessmentChange(status="not_applicable", justification=reason), actor=actor)


def _documents(ws: Workspace, app: App, actor: str, today: date) -> None:
    with tempfile.TemporaryDirectory(prefix="qsi-demo-") as folder:
        for title, refs, version, owner, doc_ref, approved_ago, review_in in DOCUMENTS:
            refs = [ref for ref in refs if app.catalogue.get(ref)]
            if not refs:
                continue
            versions = [(version, approved_ago, review_in)]
            if doc_ref in PREVIOUS_VERSIONS:  # the document as it was before its latest revision
                versions.insert(0, PREVIOUS_VERSIONS[doc_ref])
            previous = None
            for number, months_ago, due_in in versions:
                approved = _months_before(today, months_ago)
                review_due = today + timedelta(days=30 * due_in)
                file = Path(folder) / f"{doc_ref} {title} v{number}.docx"
                _write_document(file, title, number, owner, doc_ref, approved, review_due)
                details = evidence.EvidenceDetails(
                    title=title,
                    version=number,
                    owner=owner,
                    document_ref=doc_ref,
                    approved_on=approved,
                    review_due_on=review_due,
                    targets=refs,
                    supersedes=previous,
                )
                previous = evidence.add_file(ws, app, file, details, actor=actor).id
    evidence.add_link(
        ws,
        app,
        "https://intranet.riverside.example.nhs.uk/risk-register/imaging",
        evidence.EvidenceDetails(
            title="Imaging risk register (trust risk system)", owner="Quality Manager", targets=["XR-805"]
        ),
        actor=actor,
    )


def _write_document(
    path: Path, title: str, version: str, owner: str, doc_ref: str, approved: date, review_due: date
) -> None:
    from docx import Document

    document = Document()
    document.add_heading(title, level=1)
    table = document.add_table(rows=0, cols=2)
    table.style = "Light Grid Accent 1"
    for label, value in (
        ("Document reference", doc_ref),
        ("Version", version),
        ("Owner", owner),
        ("Approved", approved.isoformat()),
        ("Review due", review_due.isoformat()),
        ("Organisation", PROFILE.organisation),
    ):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    document.add_heading("Purpose", level=2)
    document.add_paragraph(
        f"This document sets out how {PROFILE.name} meets its obligations for: {title.lower()}. "
        "It applies to all staff working in imaging at every site of the service."
    )
    document.add_heading("Responsibilities", level=2)
    document.add_paragraph(f"The {owner} owns this document and reviews it before the review date.")
    document.save(path)


def _import_logs(ws: Workspace, app: App, actor: str, today: date) -> None:
    _import_nm_logs(ws, app, actor, today)
    if app.plugins.importer("us-decontamination") is None:
        return
    with tempfile.TemporaryDirectory(prefix="qsi-demo-") as folder:
        log = Path(folder) / "decontamination-log.csv"
        with log.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ["Probe ID", "Date", "Time", "Examination category", "Method", "Cycle ID", "Operator", "Result"]
            )
            probes = [("TV-01", "intracavity"), ("TV-02", "intracavity"), ("C5-01", "surface"), ("L12-03", "surface")]
            for day in range(90, 0, -1):
                when = today - timedelta(days=day)
                if when.weekday() >= 5:
                    continue
                for slot, (probe, category) in enumerate(probes):
                    hld = category == "intracavity"
                    result = "Fail" if (day == 37 and probe == "TV-02") else "Pass"
                    cycle = "" if (day == 52 and probe == "TV-01") else f"C{when:%y%m%d}{slot}"
                    writer.writerow(
                        [
                            probe,
                            when.isoformat(),
                            f"{9 + slot}:15",
                            category,
                            "Trophon EPR" if hld else "Detergent wipe",
                            cycle if hld else "",
                            "Sonographer",
                            result,
                        ]
                    )
        importing.run_import(ws, app, "us-decontamination", [log], actor=actor)


def _months_before(day: date, months: int) -> date:
    return add_months(day, -months)


# procedure, radiopharmaceutical, usual activity (MBq), per weekday
NM_PROCEDURES = (
    ("Bone scan", "Tc-99m HDP", 580, 4),
    ("Myocardial perfusion (stress)", "Tc-99m tetrofosmin", 385, 2),
    ("Renogram", "Tc-99m MAG3", 88, 1),
)


def _import_nm_logs(ws: Workspace, app: App, actor: str, today: date) -> None:
    """Three months of administered activities (a few above the reference activity) and the ARSAC
    licences, one of them falling due for renewal."""
    if app.plugins.importer("nm-activity") is None:
        return
    with tempfile.TemporaryDirectory(prefix="qsi-demo-") as folder:
        log = Path(folder) / "administered-activity.csv"
        with log.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Date", "Time", "Procedure", "Radiopharmaceutical", "Administered activity (MBq)", "Room"])
            for day in range(90, 0, -1):
                when = today - timedelta(days=day)
                if when.weekday() >= 5:
                    continue
                slot = 0
                for procedure, agent, usual, count in NM_PROCEDURES:
                    for number in range(count):
                        activity = usual + (day * 7 + number * 3) % 21 - 10  # a spread about the usual activity
                        if procedure == "Bone scan" and day in (61, 23) and number == 0:
                            activity = 720  # above the reference: listed as an outlier
                        writer.writerow(
                            [
                                when.isoformat(),
                                f"{8 + slot // 2}:{(slot % 2) * 30:02d}",
                                procedure,
                                agent,
                                activity,
                                "Gamma 1" if slot % 2 else "Gamma 2",
                            ]
                        )
                        slot += 1
        licences = Path(folder) / "arsac-licences.csv"
        with licences.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Type", "Holder", "Reference", "Issued", "Expires"])
            writer.writerow(
                [
                    "ARSAC employer licence",
                    "Riverside General Hospital",
                    "EMP-0421",
                    (today - timedelta(days=1750)).isoformat(),
                    (today + timedelta(days=70)).isoformat(),
                ]
            )
            writer.writerow(
                [
                    "ARSAC practitioner licence",
                    "Consultant Radiologist (nuclear medicine)",
                    "PRA-7781",
                    (today - timedelta(days=700)).isoformat(),
                    (today + timedelta(days=1100)).isoformat(),
                ]
            )
            writer.writerow(
                [
                    "MPE appointment",
                    "Consultant Physicist",
                    "MPE-2024",
                    (today - timedelta(days=400)).isoformat(),
                    (today + timedelta(days=700)).isoformat(),
                ]
            )
        importing.run_import(ws, app, "nm-activity", [log], actor=actor)
        if app.plugins.importer("nm-licences") is not None:
            importing.run_import(ws, app, "nm-licences", [licences], actor=actor)
