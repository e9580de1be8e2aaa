"""Magnetic resonance imaging (MR-9): the section, safety registers (the equipment register reads the
files the retired mr-equipment-register importer read), zone maps, the environment log and reports.

Qt-free: the core builds the checklist panel from the registered templates.
"""

from __future__ import annotations

from pathlib import Path

from qsi_desktop.catalogue import Section, load_framework_file
from qsi_desktop.plugins.markers import hookimpl
from qsi_desktop.plugins.types import ChecklistTemplate, Importer, Modality, Panel, Register, ReportSection
from qsi_plugin_mr import __version__, environment, zone_map
from qsi_plugin_mr.checklists import CHECKLISTS
from qsi_plugin_mr.registers import REGISTERS
from qsi_plugin_mr.report import REPORT_SECTIONS

PLUGIN_NAME = "mr"
QSI_PLUGIN_API_VERSION = 2
MODALITY = Modality(code="MR", name="Magnetic resonance imaging", section_ref="MR-9")
DATA_FILE = Path(__file__).parent / "data" / "qsi-2026-draft-mr.json"


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
    return [environment.IMPORTER]  # the equipment register's files import into the register (mr.equipment)


@hookimpl
def qsi_register_registers() -> list[Register]:
    return [*REGISTERS, environment.LIMITS]


@hookimpl
def qsi_register_report_sections() -> list[ReportSection]:
    return [*REPORT_SECTIONS, environment.ENVIRONMENT_SECTION, zone_map.ZONE_MAP_SECTION]


@hookimpl
def qsi_register_panels() -> list[Panel]:
    # The core's zone-map editor for the MR units register (Qt is imported only when it is built).
    return [Panel(id="mr.zone-maps", title="MR zone maps", factory=zone_map.build_panel, modality="MR")]


__all__ = ["PLUGIN_NAME", "QSI_PLUGIN_API_VERSION", "__version__"]
