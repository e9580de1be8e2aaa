"""The MR zone map declaration: what the MR units register's maps hold, the pack section per unit
(through a test report context), and the panel registered for the GUI."""

from __future__ import annotations

from datetime import date

from qsi_plugin_mr import plugin
from qsi_plugin_mr.registers import UNITS
from qsi_plugin_mr.zone_map import SPEC, ZONE_MAP_SECTION

from qsi_desktop.plugins.testing import SimpleReportContext
from qsi_desktop.plugins.types import Figure, Heading, Paragraph, Table
from qsi_desktop.zone_maps import from_json
from qsi_desktop.zone_maps.model import Background

TODAY = date(2026, 12, 2)


def test_the_units_register_declares_the_mhra_areas_and_markers() -> None:
    assert UNITS.zone_map is SPEC
    assert [z.key for z in SPEC.zones if z.required] == ["controlled-access-area", "mr-environment", "line-3mt"]
    assert SPEC.zone("line-3mt").shape == "line"
    assert SPEC.area_labels == ("Zone I", "Zone II", "Zone III", "Zone IV")
    assert {m.key for m in SPEC.markers} >= {"entrance", "sign", "quench-button", "oxygen-monitor"}
    assert SPEC.marker("entrance").date_label == "" and SPEC.marker("sign").check_every_days == 365


def test_the_section_without_units_with_a_unit_without_a_map_and_with_one() -> None:
    assert ZONE_MAP_SECTION in plugin.qsi_register_report_sections()
    empty = ZONE_MAP_SECTION.render(SimpleReportContext(provided=frozenset({"MR"})))
    assert empty == [Paragraph("No MR units are in the MR units register, so no zone maps are drawn.", style="note")]

    drawn = from_json(
        {
            "zones": [
                {"kind": "controlled-access-area", "points": [[10, 10], [900, 10], [900, 800], [10, 800]]},
                {"kind": "mr-environment", "points": [[300, 100], [800, 100], [800, 700], [300, 700]]},
            ],
            "markers": [{"kind": "sign", "x": 20, "y": 400, "name": "Main door", "checked_on": "2024-01-01"}],
        },
        SPEC,
        background=Background.grid(),
    )
    context = SimpleReportContext(
        provided=frozenset({"MR"}),
        as_of=TODAY,
        rows_by_register={
            "mr.units": [{"id": 1, "site": "Main", "room": "MR 1"}, {"id": 2, "site": "Main", "room": "MR 2"}]
        },
        zone_maps={("mr.units", 1): drawn},
    )
    blocks = ZONE_MAP_SECTION.render(context)
    kinds = [type(b).__name__ for b in blocks]
    assert kinds == ["Paragraph", "Heading", "Figure", "Paragraph", "Table", "Paragraph", "Heading", "Paragraph"]
    assert blocks[1] == Heading("MR 1, Main", level=3) and isinstance(blocks[2], Figure)
    assert blocks[3].text == "Not drawn on this map: the 3 mT line." and blocks[3].style == "warning"
    table = blocks[4]
    assert isinstance(table, Table) and table.rows[0] == ("S1", "Safety sign", "Main door", date(2024, 1, 1), "overdue")
    assert blocks[-1] == Paragraph("No MR zone map has been drawn for MR 2, Main.", style="warning")


def test_the_panel_is_registered_for_mr_services() -> None:
    (panel,) = plugin.qsi_register_panels()
    assert panel.id == "mr.zone-maps" and panel.modality == "MR" and callable(panel.factory)
