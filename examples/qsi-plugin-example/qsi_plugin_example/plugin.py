"""The example plugin's hooks: mammography (MG-9), registered the way any modality plugin does it.

Qt-free: the core builds the "MG checklists" tab from the checklist template below.
"""

from __future__ import annotations

from pathlib import Path

from qsi_desktop import hookimpl
from qsi_desktop.catalogue import Section, load_framework_file
from qsi_desktop.plugins.types import (
    ChecklistItem,
    ChecklistTemplate,
    Importer,
    Modality,
    ReportSection,
    Scope,
)
from qsi_plugin_example import __version__
from qsi_plugin_example.phantom_log import IMPORTER
from qsi_plugin_example.report import PHANTOM_SUMMARY

PLUGIN_NAME = "mg"  # the same as the entry point's name
QSI_PLUGIN_API_VERSION = 2  # the plugin API this plugin was written for

DATA_FILE = Path(__file__).parent / "data" / "qsi-2026-draft-mg.json"

MODALITY = Modality(code="MG", name="Mammography", section_ref="MG-9")

BREAST_SCREENING = Scope(
    id="breast-screening",
    label="NHS Breast Screening Programme work",
    question="The service screens for the NHS Breast Screening Programme",
)

QA_CHECKS = ChecklistTemplate(
    id="mg.qa-checks",
    title="Mammography quality assurance checks",
    modality="MG",
    statement_refs=("MG-901", "MG-904"),
    description="The QA programme for mammography units; the phantom test log itself is imported.",
    items=(
        ChecklistItem(
            "qa-protocol",
            "A QA protocol for each unit sets out the routine tests, their frequency, the phantom and action levels",
            ("MG-901",),
        ),
        ChecklistItem(
            "phantom-log",
            "Phantom image quality tests are logged for every unit and the log is reviewed for trends",
            ("MG-901",),
            guidance="Import the log with the mg-phantom-log importer.",
        ),
        ChecklistItem(
            "failed-tests",
            "Every failed test has a recorded action and a passing re-test before clinical use resumed",
            ("MG-901",),
        ),
        ChecklistItem(
            "staff-trained",
            "Everyone who performs the routine tests is trained and their training is recorded",
            ("MG-902",),
        ),
        ChecklistItem(
            "image-review",
            "A sample of each practitioner's images is reviewed for technical quality, with feedback",
            ("MG-904",),
        ),
    ),
)


@hookimpl
def qsi_register_standards_sections(framework_id: str) -> list[Section]:
    framework = load_framework_file(DATA_FILE)
    return list(framework.sections) if framework.id == framework_id else []


@hookimpl
def qsi_register_scopes() -> list[Scope]:
    return [BREAST_SCREENING]


@hookimpl
def qsi_register_modalities() -> list[Modality]:
    return [MODALITY]


@hookimpl
def qsi_register_checklists() -> list[ChecklistTemplate]:
    return [QA_CHECKS]


@hookimpl
def qsi_register_importers() -> list[Importer]:
    return [IMPORTER]


@hookimpl
def qsi_register_report_sections() -> list[ReportSection]:
    return [PHANTOM_SUMMARY]


__all__ = ["PLUGIN_NAME", "QSI_PLUGIN_API_VERSION", "__version__"]
