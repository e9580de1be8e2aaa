"""Zone maps (Qt-free): a floor plan or room grid per register row with areas and markers drawn on
it, checked, rendered for the pack and described in words. Storage is :mod:`qsi_desktop.services.zone_maps`;
the editor is :mod:`qsi_desktop.gui.zone_map_editor`."""

from qsi_desktop.zone_maps.model import Background, Marker, Zone, ZoneMap, ZoneMapError, from_json, new_map
from qsi_desktop.zone_maps.render import alt_text, marker_checks, render_png, report_blocks

__all__ = [
    "Background",
    "Marker",
    "Zone",
    "ZoneMap",
    "ZoneMapError",
    "alt_text",
    "from_json",
    "marker_checks",
    "new_map",
    "render_png",
    "report_blocks",
]
