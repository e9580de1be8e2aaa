"""Nuclear medicine and molecular imaging (NM-9): the section, registers, the register of licences,
appointments and permits (importer) and its expiry report.

Qt-free: the core builds the checklist panel from the registered templates.
"""

from __future__ import annotations

from pathlib import Path

from qsi_desktop.catalogue import Section, load_framework_file
from qsi_desktop.plugins.markers import hookimpl
from qsi_desktop.plugins.types import ChecklistTemplate, Importer, Modality, Register, ReportSection
from qsi_plugin_nm import __version__
from qsi_plugin_nm.activity_audit import ACTIVITY_SECTION, REFERENCE_ACTIVITIES
from qsi_plugin_nm.checklists import CHECKLISTS
from qsi_plugin_nm.importers import activity, licences
from qsi_plugin_nm.registers import REGISTERS
from qsi_plugin_nm.report import REPORT_SECTIONS

PLUGIN_NAME = "nm"
QSI_PLUGIN_API_VERSION = 2
MODALITY = Modality(code="NM", name="Nuclear medicine and molecular imaging", section_ref="NM-9")
DATA_FILE = Path(__file__).parent / "data" / "qsi-2026-draft-nm.json"


@hookimpl
def qsi_register_standards_sections(framework_id: str) -> list[Section]:
    framework = load_framework_file(DATA_FILE)
    return list(framework.sections) if framework.id == framework_id else []


@hookimpl
def qsi_register_modalities() -> list[Modality]:
    return [MODALITY]


@hookimpl
def qsi_register_checklists() -> list[ChecklistTemplate]:
    return list(CHECKLISTS)


@hookimpl
def qsi_register_importers() -> list[Importer]:
    return [licences.IMPORTER, activity.IMPORTER]


@hookimpl
def qsi_register_registers() -> list[Register]:
    return [*REGISTERS, REFERENCE_ACTIVITIES]


@hookimpl
def qsi_register_report_sections() -> list[ReportSection]:
    return [*REPORT_SECTIONS, ACTIVITY_SECTION]


__all__ = ["PLUGIN_NAME", "QSI_PLUGIN_API_VERSION", "__version__"]
