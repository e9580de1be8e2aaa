"""Computerised tomography (CT-9): the section, registers and checklists, and the registers report.

Qt-free: the core builds the checklist panel from the registered templates.
"""

from __future__ import annotations

from pathlib import Path

from qsi_desktop.catalogue import Section, load_framework_file
from qsi_desktop.plugins.markers import hookimpl
from qsi_desktop.plugins.types import ChecklistTemplate, Importer, Modality, ReportSection
from qsi_plugin_ct import __version__
from qsi_plugin_ct.checklists import CHECKLISTS
from qsi_plugin_ct.importers import dose
from qsi_plugin_ct.report import REPORT_SECTIONS

PLUGIN_NAME = "ct"
QSI_PLUGIN_API_VERSION = 2
MODALITY = Modality(code="CT", name="Computerised tomography", section_ref="CT-9")
DATA_FILE = Path(__file__).parent / "data" / "qsi-2026-draft-ct.json"


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
    return [dose.IMPORTER]


@hookimpl
def qsi_register_report_sections() -> list[ReportSection]:
    return list(REPORT_SECTIONS)


__all__ = ["PLUGIN_NAME", "QSI_PLUGIN_API_VERSION", "__version__"]
