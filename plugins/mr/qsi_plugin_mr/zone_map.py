"""MR zone maps (MR-903): what is drawn on each MR unit's map, its pack section and its editor panel.

Following the MHRA safety guidelines (v4.3): the MR Controlled Access Area contains the MR Environment
(the Faraday cage and the 0.5 mT contour); the 3 mT line is shown on the control room's fringe-field
plot; every entrance to the controlled area has controlled entry and warning signs. ACR zones I-IV are
offered as optional labels for services that use them. The core keeps and draws the maps (the
register ``mr.units`` declares them); this module only says what they hold.
"""

from __future__ import annotations

from typing import Any

from qsi_desktop.colours import NHS_BLUE, NHS_RED
from qsi_desktop.errors import QsiError
from qsi_desktop.plugins.types import (
    Heading,
    MarkerKind,
    Paragraph,
    ReportBlock,
    ReportContext,
    ReportSection,
    ZoneKind,
    ZoneMapSpec,
)
from qsi_desktop.zone_maps import report_blocks

UNITS_ID = "mr.units"  # the register whose rows (MR units) each have a map
CHECK_EVERY_DAYS = 365  # signs and emergency equipment checked at least yearly (the register's rule)

SPEC = ZoneMapSpec(
    title="MR zone map",
    zones=(
        ZoneKind(
            "controlled-access-area",
            "MR Controlled Access Area",
            NHS_BLUE,
            required=True,
            short="Controlled Access Area",
        ),
        ZoneKind(
            "mr-environment",
            "MR Environment (Faraday cage and 0.5 mT contour)",
            NHS_RED,
            required=True,
            short="MR Environment",
        ),
        ZoneKind("line-3mt", "3 mT line", "#330072", shape="line", required=True, short="3 mT"),
    ),
    markers=(
        MarkerKind(
            "entrance",
            "Entrance",
            "E",
            detail_label="Access control",
            detail_choices=("Keypad", "Swipe card", "Key lock", "Staffed reception", "No access control"),
        ),
        MarkerKind(
            "sign",
            "Safety sign",
            "S",
            detail_label="Sign type",
            detail_choices=(
                "MR Controlled Access Area warning",
                "Magnet is always on",
                "MR Unsafe items prohibited",
                "Quench exhaust",
            ),
            date_label="Checked",
            check_every_days=CHECK_EVERY_DAYS,
        ),
        MarkerKind(
            "quench-button",
            "Quench button",
            "Q",
            detail_label="Where",
            date_label="Tested",
            check_every_days=CHECK_EVERY_DAYS,
        ),
        MarkerKind(
            "oxygen-monitor",
            "Oxygen monitor",
            "O",
            detail_label="Where",
            date_label="Tested",
            check_every_days=CHECK_EVERY_DAYS,
        ),
        MarkerKind(
            "emergency-stop",
            "Emergency stop (power off)",
            "P",
            detail_label="Where",
            date_label="Tested",
            check_every_days=CHECK_EVERY_DAYS,
        ),
    ),
    area_labels=("Zone I", "Zone II", "Zone III", "Zone IV"),
)


def unit_title(row: dict[str, Any]) -> str:
    return ", ".join(str(row[k]) for k in ("room", "site") if row.get(k)) or f"MR unit {row.get('id')}"


def render(context: ReportContext) -> list[ReportBlock]:
    units = context.register_rows(UNITS_ID)
    if not units:
        return [Paragraph("No MR units are in the MR units register, so no zone maps are drawn.", style="note")]
    blocks: list[ReportBlock] = [
        Paragraph(
            "Each MR unit's MR Controlled Access Area, MR Environment (Faraday cage and 0.5 mT contour) and 3 mT "
            "line, with its entrances and their access control, its safety signs and its emergency equipment. "
            f"Checks and tests over {CHECK_EVERY_DAYS} days old are flagged."
        )
    ]
    for row in units:
        title = unit_title(row)
        blocks.append(Heading(title, level=3))
        try:
            zone_map = context.zone_map(UNITS_ID, int(row["id"]))
        except QsiError as exc:  # a damaged floor plan: the pack says so and goes on
            blocks.append(Paragraph(f"The {SPEC.title} of {title} could not be drawn: {exc}.", style="warning"))
            continue
        blocks.extend(report_blocks(zone_map, SPEC, title, context.as_of))
    return blocks


ZONE_MAP_SECTION = ReportSection(
    id="mr.zone-maps",
    title="MR zone maps",
    render=render,
    modality="MR",
    order=305,
    section_ref="MR-9",
    statement_refs=("MR-903",),
)


def build_panel(parent: Any, context: Any) -> Any:
    from qsi_desktop.gui.zone_map_editor import ZoneMapEditor  # Qt only here: the plugin loads without it

    return ZoneMapEditor(context, UNITS_ID, parent)
