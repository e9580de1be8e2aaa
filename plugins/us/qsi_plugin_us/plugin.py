"""Ultrasound (US-9): the section, registers, the decontamination log importer and its report.

Qt-free: the core builds the checklist panel from the registered templates.
"""

from __future__ import annotations

from pathlib import Path

from qsi_desktop.catalogue import Section, load_framework_file
from qsi_desktop.plugins.markers import hookimpl
from qsi_desktop.plugins.types import ChecklistTemplate, Importer, Modality, Register, ReportSection
from qsi_plugin_us import __version__
from qsi_plugin_us.checklists import CHECKLISTS
from qsi_plugin_us.importers import decontamination
from qsi_plugin_us.registers import REGISTERS
from qsi_plugin_us.report import REPORT_SECTIONS

PLUGIN_NAME = "us"
QSI_PLUGIN_API_VERSION = 2
MODALITY = Modality(code="US", name="Ultrasound", section_ref="US-9")
DATA_FILE = Path(__file__).parent / "data" / "qsi-2026-draft-us.json"


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
    return [decontamination.IMPORTER]


@hookimpl
def qsi_register_registers() -> list[Register]:
    return list(REGISTERS)


@hookimpl
def qsi_register_report_sections() -> list[ReportSection]:
    return list(REPORT_SECTIONS)


__all__ = ["PLUGIN_NAME", "QSI_PLUGIN_API_VERSION", "__version__"]
