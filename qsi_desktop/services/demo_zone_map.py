"""The demo's zone map: a floor plan of an MR suite drawn with Pillow (no file shipped) and the MR
Controlled Access Area, MR Environment, 3 mT line, entrances, signs and emergency equipment on it.

The plan is 1600 x 1000 pixels, 50 pixels a metre: waiting room, changing, control room, the
scanner room (the Faraday cage) with its magnet, a technical room and induction and recovery,
along a corridor. Dates are days before the day the demo is built, so one sign stays overdue.
"""

from __future__ import annotations

import io
import math
from datetime import date, timedelta
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from qsi_desktop.zone_maps.images import check_floor_plan

SIZE = (1600, 1000)
WALL = 8
ROOMS = (  # (left, top, right, bottom), name
    ((40, 40, 460, 780), "Waiting"),
    ((460, 40, 760, 380), "Changing and\nscreening"),
    ((460, 380, 760, 780), "Control room"),
    ((760, 40, 1260, 780), "MR 1 scanner room"),
    ((1260, 40, 1560, 460), "Technical room"),
    ((1260, 460, 1560, 780), "Induction and\nrecovery"),
    ((40, 780, 1560, 960), "Corridor"),
)
DOORS = ((230, 780, 290, 780), (580, 780, 640, 780), (580, 380, 640, 380), (760, 570, 760, 630), (1380, 780, 1440, 780))
MAGNET = (930, 320, 1090, 500)


def floor_plan_png() -> bytes:
    image = Image.new("RGB", SIZE, "white")
    draw = ImageDraw.Draw(image)
    font = _font(26)
    for (left, top, right, bottom), name in ROOMS:
        draw.rectangle((left, top, right, bottom), outline="#3a3a3a", width=WALL)
        draw.multiline_text((left + 24, top + 22), name, fill="#3a3a3a", font=font, spacing=6)
    for x1, y1, x2, y2 in DOORS:  # a gap in the wall
        draw.line((x1, y1, x2, y2), fill="white", width=WALL + 2)
    draw.rounded_rectangle(MAGNET, radius=30, outline="#3a3a3a", width=5, fill="#f2f2f2")
    draw.ellipse((985, 385, 1035, 435), outline="#3a3a3a", width=4)
    draw.text((955, 505), "Magnet", fill="#3a3a3a", font=_font(22))
    draw.rectangle((990, 500 + 40, 1030, 700), outline="#3a3a3a", width=3)  # the patient table
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size)  # Pillow's embedded TrueType font, as the pack's charts use


def _contour(cx: float, cy: float, rx: float, ry: float, corners: int = 16) -> list[list[float]]:
    return [
        [
            round(cx + rx * math.cos(2 * math.pi * i / corners), 1),
            round(cy + ry * math.sin(2 * math.pi * i / corners), 1),
        ]
        for i in range(corners)
    ]


def zone_map_json(today: date) -> dict[str, Any]:
    """The demo map's areas and markers (no background: the caller's floor plan)."""

    def ago(days: int | None) -> str | None:
        return None if days is None else (today - timedelta(days=days)).isoformat()

    markers = (
        ("entrance", 610, 790, "Corridor door to the control room", "Keypad", None),
        ("entrance", 1410, 790, "Corridor door to recovery", "Swipe card", None),
        ("sign", 660, 810, "Corridor door to the control room", "MR Controlled Access Area warning", 35),
        ("sign", 1460, 810, "Corridor door to recovery", "MR Controlled Access Area warning", 420),
        ("sign", 735, 660, "Scanner room door", "Magnet is always on", 35),
        ("quench-button", 700, 460, "Control room, beside the console", "", 90),
        ("quench-button", 800, 660, "Scanner room, inside the door", "", 90),
        ("oxygen-monitor", 1200, 110, "Scanner room, ceiling sensor", "Display in the control room", 200),
        ("emergency-stop", 520, 720, "Control room wall", "Power off to the magnet room", None),
    )
    return {
        "zones": [
            {
                "kind": "controlled-access-area",
                "label": "Zone III",
                "points": [[460, 40], [1560, 40], [1560, 780], [460, 780]],
            },
            {"kind": "mr-environment", "label": "Zone IV", "points": [[760, 40], [1260, 40], [1260, 780], [760, 780]]},
            {"kind": "line-3mt", "label": "", "points": _contour(1010, 410, 190, 250)},
        ],
        "markers": [
            {"kind": kind, "x": x, "y": y, "name": name, "detail": detail, "checked_on": ago(days)}
            for kind, x, y, name, detail, days in markers
        ],
    }


def add_demo_zone_map(ws: Any, app: Any, actor: str, today: date) -> None:
    """The first MR unit of the demo gets the map (the second is left without, as in real life)."""
    from qsi_desktop.services import registers, zone_maps
    from qsi_desktop.zone_maps.model import from_json

    register = app.plugins.register("mr.units")
    if register is None or register.zone_map is None:
        return  # the MR plugin is not installed
    rows = registers.list_rows(ws, register)
    if not rows:
        return
    plan = check_floor_plan(floor_plan_png(), "MR 1 floor plan.png")
    blank = zone_maps.with_floor_plan(zone_maps.blank(), plan)
    zone_map = from_json(zone_map_json(today), register.zone_map, background=blank.background)
    zone_map.image = plan.data
    zone_maps.save(ws, register, rows[0].id, zone_map, expected_revision=0, actor=actor)
