"""A zone map: a floor plan (an image) or a plain room grid, with areas drawn over it as polygons and
markers placed on it (entrances, signs, emergency equipment), in the background's pixel coordinates.

The JSON form is what the workspace keeps and what ``qsi zone-map --import-json`` reads; reading it
checks everything against the register's :class:`~qsi_desktop.plugins.types.ZoneMapSpec`, so a bad
file is refused whole with a message naming the place, never half-applied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from qsi_desktop.errors import QsiError
from qsi_desktop.plugins.types import ZoneMapSpec
from qsi_desktop.services.values import check_free_text, parse_date

FORMAT = 1
MAX_ZONES = 200
MAX_POINTS = 2000
MAX_MARKERS = 500
MAX_TEXT = 200
GRID_DEFAULT = (1200, 900, 60)  # a room grid 20 m by 15 m, a line per metre (60 px)
GRID_LIMITS = (200, 6000)
MARGIN = 0.02  # points may sit this fraction outside the background (a line drawn to the edge)


class ZoneMapError(QsiError):
    """A zone map (or its JSON) that cannot be used: the message says where and what."""


@dataclass(frozen=True)
class Background:
    """What the map is drawn over: a stored image (by SHA-256) or a grid ``step`` pixels a metre."""

    kind: Literal["image", "grid"]
    width: int
    height: int
    sha256: str | None = None
    media_type: str = ""  # image/png, image/jpeg
    file_name: str = ""  # the imported file's name, for the alt text
    step: int = GRID_DEFAULT[2]

    @classmethod
    def grid(
        cls, width: int = GRID_DEFAULT[0], height: int = GRID_DEFAULT[1], step: int = GRID_DEFAULT[2]
    ) -> Background:
        low, high = GRID_LIMITS
        if not (low <= width <= high and low <= height <= high):
            raise ZoneMapError(f"a room grid is {low} to {high} pixels each way, not {width} x {height}")
        if not 10 <= step <= min(width, height):
            raise ZoneMapError(f"a grid line every {step} pixels does not fit a {width} x {height} grid")
        return cls("grid", width, height, step=step)


@dataclass
class Zone:
    kind: str
    points: list[tuple[float, float]]
    label: str = ""  # an optional area label ("Zone III")


@dataclass
class Marker:
    kind: str
    x: float
    y: float
    name: str = ""
    detail: str = ""
    checked_on: str | None = None  # ISO date


@dataclass
class ZoneMap:
    background: Background
    zones: list[Zone] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    revision: int = 0  # raised by each save: a save made on an older revision is refused
    image: bytes | None = field(default=None, repr=False, compare=False)  # loaded, never in the JSON

    def copy(self) -> ZoneMap:
        return ZoneMap(
            self.background,
            [Zone(z.kind, list(z.points), z.label) for z in self.zones],
            [replace(m) for m in self.markers],
            self.revision,
            self.image,
        )

    def to_json(self) -> dict[str, Any]:
        bg = self.background
        background: dict[str, Any] = {"kind": bg.kind, "width": bg.width, "height": bg.height}
        if bg.kind == "image":
            background.update(sha256=bg.sha256, media_type=bg.media_type, file_name=bg.file_name)
        else:
            background["step"] = bg.step
        return {
            "format": FORMAT,
            "revision": self.revision,
            "background": background,
            "zones": [
                {"kind": z.kind, "label": z.label, "points": [[round(x, 1), round(y, 1)] for x, y in z.points]}
                for z in self.zones
            ],
            "markers": [
                {
                    "kind": m.kind,
                    "x": round(m.x, 1),
                    "y": round(m.y, 1),
                    "name": m.name,
                    "detail": m.detail,
                    "checked_on": m.checked_on,
                }
                for m in self.markers
            ],
        }


def new_map(background: Background | None = None) -> ZoneMap:
    return ZoneMap(background or Background.grid())


def from_json(data: Any, spec: ZoneMapSpec, *, background: Background | None = None) -> ZoneMap:
    """A map from its JSON, checked against ``spec``. ``background``: use this one (the map being
    edited) instead of the JSON's, whose ``background`` may then be left out."""
    if not isinstance(data, dict):
        raise ZoneMapError("a zone map is a JSON object with 'zones' and 'markers'")
    if data.get("format", FORMAT) != FORMAT:
        raise ZoneMapError(f"zone map format {data.get('format')!r} is not known (this version reads {FORMAT})")
    bg = background or _background(data.get("background"))
    zones = _list(data, "zones", MAX_ZONES)
    markers = _list(data, "markers", MAX_MARKERS)
    revision = data.get("revision", 0)
    return ZoneMap(
        bg,
        [_zone(z, spec, bg, f"zones[{i}]") for i, z in enumerate(zones)],
        [_marker(m, spec, bg, f"markers[{i}]") for i, m in enumerate(markers)],
        revision if isinstance(revision, int) and revision >= 0 else 0,
    )


def _list(data: dict[str, Any], key: str, limit: int) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ZoneMapError(f"'{key}' must be a list")
    if len(value) > limit:
        raise ZoneMapError(f"'{key}' has {len(value)} entries; a map keeps at most {limit}")
    return value


def _background(data: Any) -> Background:
    if not isinstance(data, dict):
        raise ZoneMapError("'background' is missing: give the map's image or grid")
    kind = data.get("kind")
    width, height = data.get("width"), data.get("height")
    if not all(isinstance(v, int) and v > 0 for v in (width, height)):
        raise ZoneMapError("'background' needs whole-number 'width' and 'height' in pixels")
    if kind == "grid":
        return Background.grid(width, height, int(data.get("step", GRID_DEFAULT[2])))
    if kind == "image":
        sha = data.get("sha256")
        if not (isinstance(sha, str) and len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)):
            raise ZoneMapError("an image background needs the image's 'sha256'")
        return Background(
            "image",
            width,
            height,
            sha256=sha,
            media_type=str(data.get("media_type", "")),
            file_name=check_text(data.get("file_name"), "background.file_name"),
        )
    raise ZoneMapError(f"background kind {kind!r}: give 'image' or 'grid'")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ZoneMapError(f"{where}: {value!r} is not a number")
    return float(value)


def _point(value: Any, bg: Background, where: str) -> tuple[float, float]:
    if not (isinstance(value, list | tuple) and len(value) == 2):
        raise ZoneMapError(f"{where}: a point is [x, y]")
    x, y = _number(value[0], where), _number(value[1], where)
    check_inside(x, y, bg, where)
    return x, y


def check_inside(x: float, y: float, bg: Background, where: str) -> None:
    mx, my = bg.width * MARGIN, bg.height * MARGIN
    if not (-mx <= x <= bg.width + mx and -my <= y <= bg.height + my):
        raise ZoneMapError(f"{where}: ({x:g}, {y:g}) is outside the {bg.width} x {bg.height} map")


def check_text(value: Any, where: str) -> str:
    """Text for a map (one line, short, no NHS number); raises :class:`ZoneMapError`."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ZoneMapError(f"{where}: {value!r} is not text")
    text = " ".join(value.split())
    if len(text) > MAX_TEXT:
        raise ZoneMapError(f"{where}: longer than {MAX_TEXT} characters")
    try:
        check_free_text(where, text)
    except QsiError as exc:
        raise ZoneMapError(str(exc)) from None
    return text


def _zone(data: Any, spec: ZoneMapSpec, bg: Background, where: str) -> Zone:
    if not isinstance(data, dict):
        raise ZoneMapError(f"{where}: an area is an object with 'kind' and 'points'")
    kind = data.get("kind")
    if spec.zone(str(kind)) is None:
        known = ", ".join(z.key for z in spec.zones)
        raise ZoneMapError(f"{where}: area kind {kind!r} is not one of {known}")
    points = data.get("points")
    if not isinstance(points, list) or not 3 <= len(points) <= MAX_POINTS:
        raise ZoneMapError(f"{where}: an area needs 3 to {MAX_POINTS} points")
    label = check_text(data.get("label"), f"{where}.label")
    if label and spec.area_labels and label not in spec.area_labels:
        raise ZoneMapError(f"{where}: label {label!r} is not one of {', '.join(spec.area_labels)}")
    return Zone(str(kind), [_point(p, bg, f"{where}.points[{i}]") for i, p in enumerate(points)], label)


def _marker(data: Any, spec: ZoneMapSpec, bg: Background, where: str) -> Marker:
    if not isinstance(data, dict):
        raise ZoneMapError(f"{where}: a marker is an object with 'kind', 'x' and 'y'")
    kind = data.get("kind")
    if spec.marker(str(kind)) is None:
        known = ", ".join(m.key for m in spec.markers) or "none"
        raise ZoneMapError(f"{where}: marker kind {kind!r} is not one of {known}")
    x, y = _point([data.get("x"), data.get("y")], bg, where)
    return Marker(
        str(kind),
        x,
        y,
        name=check_text(data.get("name"), f"{where}.name"),
        detail=check_text(data.get("detail"), f"{where}.detail"),
        checked_on=parse_checked_on(data.get("checked_on"), f"{where}.checked_on"),
    )


def parse_checked_on(value: Any, where: str) -> str | None:
    """An ISO date from ISO or UK text (``12/03/2026``), None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        return parse_date(str(value), where).isoformat()
    except QsiError as exc:
        raise ZoneMapError(str(exc)) from None
