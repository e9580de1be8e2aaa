"""A zone map drawn for the pack (with Pillow, :mod:`qsi_desktop.export.raster`; Qt-free), its alt text and checks.

The picture is the floor plan (or a grid a line per metre) with each area filled or outlined in its
kind's colour, and each marker shown by its reference (E1, S2); the references lead to a table of the
markers with their details and dates, overdue checks flagged. The alt text says the same in words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from qsi_desktop.colours import NHS_PALE_GREY, TEXT, TEXT_MUTED
from qsi_desktop.export import raster
from qsi_desktop.export.raster import DPI, WIDTH_CM, WIDTH_PX, px
from qsi_desktop.plugins.types import Figure, Paragraph, ReportBlock, Table, ZoneMapSpec
from qsi_desktop.zone_maps.images import open_image
from qsi_desktop.zone_maps.model import Marker, ZoneMap

__all__ = ["DPI", "WIDTH_CM", "alt_text", "marker_checks", "marker_refs", "render_png", "report_blocks"]

FONT_SIZE = 8.5
MAX_DRAWN_SIDE = 2400  # the floor plan is scaled down to this before drawing: sharp at 16 cm, small file
MAX_HEIGHT = 9.5 * DPI  # pixels: the map and its legend fit a portrait page under the heading
MARKER_FILL = "#ffffff"
MARGIN = px(3)
OUTLINE = px(2.0)  # an area's edge
CONTOUR_DASH = (px(12), px(6))
AREA_ALPHA = 0.16  # an area's tint: the plan's walls and room names stay readable through it


@dataclass(frozen=True)
class MarkerCheck:
    ref: str  # what the map shows at the marker: its kind's symbol and its number among them, "S2"
    kind: str  # the marker kind's label
    name: str
    detail: str
    checked_on: str | None
    flag: str  # "", "overdue" (its date older than the kind's check interval) or "no date"
    dated: bool  # the kind keeps a date (an entrance does not)

    @property
    def check(self) -> str:
        """The pack's Check cell: the flag, "in date", or nothing for a kind without a date."""
        return self.flag or ("in date" if self.dated else "")


def marker_refs(zone_map: ZoneMap, spec: ZoneMapSpec) -> list[str]:
    """Each marker's reference, in the map's order: E1, E2 for entrances, S1 for the first sign."""
    seen: Counter[str] = Counter()
    refs = []
    for marker in zone_map.markers:
        seen[marker.kind] += 1
        kind = spec.marker(marker.kind)
        refs.append(f"{kind.symbol if kind else '?'}{seen[marker.kind]}")
    return refs


def marker_checks(zone_map: ZoneMap, spec: ZoneMapSpec, as_of: date) -> list[MarkerCheck]:
    """Each marker with its reference and check, in the order of the spec's kinds."""
    order = {m.key: i for i, m in enumerate(spec.markers)}
    pairs = list(zip(marker_refs(zone_map, spec), zone_map.markers, strict=True))
    ordered = sorted(range(len(pairs)), key=lambda i: (order.get(pairs[i][1].kind, 99), i))  # E1, E2, S1...
    return [_check(*pairs[i], spec, as_of) for i in ordered]


def _check(ref: str, marker: Marker, spec: ZoneMapSpec, as_of: date) -> MarkerCheck:
    kind = spec.marker(marker.kind)
    label = kind.label if kind else marker.kind
    dated = kind is not None and bool(kind.date_label)
    flag = ""
    if kind is not None and dated:
        if not marker.checked_on:
            flag = "no date"
        elif kind.check_every_days and marker.checked_on < (as_of - timedelta(days=kind.check_every_days)).isoformat():
            flag = "overdue"
    return MarkerCheck(ref, label, marker.name, marker.detail, marker.checked_on, flag, dated)


def missing_zones(zone_map: ZoneMap, spec: ZoneMapSpec) -> list[str]:
    drawn = {z.kind for z in zone_map.zones}
    return [z.label for z in spec.zones if z.required and z.key not in drawn]


def render_png(zone_map: ZoneMap, spec: ZoneMapSpec) -> bytes:
    """The map as a PNG sized for a 16 cm column (a legend of the areas and markers below it)."""
    bg = zone_map.background
    legend = _legend(zone_map, spec)
    plot_w = WIDTH_PX - 2 * MARGIN
    plot_h = plot_w * bg.height / bg.width
    room = MAX_HEIGHT - legend.height - 3 * MARGIN
    if plot_h > room:  # a tall plan: narrower, centred, so that the page holds it
        plot_w, plot_h = room * bg.width / bg.height, room
    left, top = (WIDTH_PX - plot_w) / 2, MARGIN
    k = plot_w / bg.width  # map pixels to picture pixels

    def at(x: float, y: float) -> tuple[float, float]:
        return (left + x * k, top + y * k)

    canvas = raster.Canvas(WIDTH_PX, round(top + plot_h + 2 * MARGIN + legend.height))
    if bg.kind == "image" and zone_map.image:
        image = open_image(zone_map.image).convert("RGB")
        image.thumbnail((MAX_DRAWN_SIDE, MAX_DRAWN_SIDE))
        canvas.paste(image, (left, top, left + plot_w, top + plot_h))
    else:
        _grid(canvas, at, bg.width, bg.height, bg.step)
    kinds = [spec.zone(zone.kind) for zone in zone_map.zones]
    for zone, kind in zip(zone_map.zones, kinds, strict=True):  # tints first: no edge is tinted over
        if kind is None or kind.shape != "line":
            canvas.polygon([at(*p) for p in zone.points], fill=kind.colour if kind else TEXT, alpha=AREA_ALPHA)
    for zone, kind in zip(zone_map.zones, kinds, strict=True):
        colour = kind.colour if kind else TEXT
        points = [at(*p) for p in zone.points]
        if kind is not None and kind.shape == "line":
            canvas.polygon(points, outline=colour, width=OUTLINE, dash=CONTOUR_DASH)
            # A contour is named on it; areas are named by colour in the legend (nested areas' names
            # would sit on top of each other and of the plan's own room names).
            name = kind.short or kind.label
            x, y = min(points, key=lambda p: p[0] + p[1])
            x, y = min(max(x, left + px(2)), left + plot_w - px(40)), max(y - px(2), top + px(12))
            label = f"{name} ({zone.label})" if zone.label else name
            canvas.text((x, y), label, size=FONT_SIZE - 1, colour=colour, anchor="lb", box="white")
        else:
            canvas.polygon(points, outline=colour, width=OUTLINE)
    face = raster.font(FONT_SIZE - 1)
    for ref, marker in zip(marker_refs(zone_map, spec), zone_map.markers, strict=True):
        # The reference in a ring: what the table below the map lists.
        radius = max(face.getlength(ref), raster.line_height(face)) / 2 + px(3)
        centre = at(marker.x, marker.y)
        canvas.circle(centre, radius, MARKER_FILL, outline=TEXT, width=px(1.2))
        canvas.text(centre, ref, size=FONT_SIZE - 1, anchor="mm", bold=True)
    canvas.rect((left, top, left + plot_w, top + plot_h), outline=TEXT, width=px(0.8))
    legend.draw(canvas, MARGIN, top + plot_h + MARGIN)
    keep = [kind.colour for kind in spec.zones]
    # 256 colours: a scanned plan's greys survive, and the file stays small (no date chunk: repeatable).
    return raster.png(canvas.finish(), colours=256, keep=keep)


def _grid(
    canvas: raster.Canvas, at: Callable[[float, float], tuple[float, float]], width: int, height: int, step: int
) -> None:
    for x in range(0, width + 1, step):
        canvas.line([at(x, 0), at(x, height)], NHS_PALE_GREY, px(0.6))
    for y in range(0, height + 1, step):
        canvas.line([at(0, y), at(width, y)], NHS_PALE_GREY, px(0.6))
    corner, room = at(4, height - 4), at(width, 0)[0] - at(0, 0)[0] - px(4)
    canvas.text(
        (corner[0] + px(1), corner[1]),
        raster.ellipsize("Room grid: one square a metre", raster.font(FONT_SIZE - 1), room),
        size=FONT_SIZE - 1,
        colour=TEXT_MUTED,
        anchor="lb",
    )


def _legend(zone_map: ZoneMap, spec: ZoneMapSpec) -> raster.Legend:
    keys: list[tuple[raster.Swatch, str]] = []
    for kind in spec.zones:
        mine = [z for z in zone_map.zones if z.kind == kind.key]
        if not mine:
            continue
        labels = sorted({z.label for z in mine if z.label})
        text = f"{kind.label} ({', '.join(labels)})" if labels else kind.label
        if kind.shape == "line":
            keys.append((raster.line_swatch(kind.colour, OUTLINE, dash=(px(6), px(3))), text))
        else:
            keys.append((raster.box_swatch(kind.colour, alpha=0.35, edge=kind.colour), text))
    placed = {m.kind for m in zone_map.markers}
    for kind in spec.markers:
        if kind.key in placed:
            keys.append((raster.text_swatch(kind.symbol, TEXT, FONT_SIZE + 1), f"{kind.symbol}: {kind.label}"))
    return raster.Legend(keys, WIDTH_PX - 2 * MARGIN, FONT_SIZE, columns=1 if len(keys) <= 3 else 2)


def alt_text(zone_map: ZoneMap, spec: ZoneMapSpec, title: str, as_of: date) -> str:
    """What the picture shows, in words: the background, each area drawn and the markers by kind."""
    bg = zone_map.background
    on = f"the floor plan {bg.file_name}" if bg.kind == "image" else "a room grid (one square a metre)"
    parts = [f"{spec.title} of {title}, drawn on {on}."]
    zones = Counter(z.kind for z in zone_map.zones)
    drawn = [
        f"the {kind.label}" + (f" ({zones[kind.key]} areas)" if zones[kind.key] > 1 else "")
        for kind in spec.zones
        if zones[kind.key]
    ]
    parts.append(f"Drawn: {_join(drawn)}." if drawn else "No areas are drawn.")
    labels = [f"the {_zone_label(spec, z.kind)} as {z.label}" for z in zone_map.zones if z.label]
    if labels:
        parts.append(f"Labelled: {_join(labels)}.")
    missing = missing_zones(zone_map, spec)
    if missing:
        parts.append(f"Not drawn: {_join(['the ' + m for m in missing])}.")
    checks = marker_checks(zone_map, spec, as_of)
    for kind in spec.markers:
        mine = [c for c in checks if c.kind == kind.label]
        if mine:
            names = _join([f"{c.ref} {c.name or kind.label}" + (f" ({c.detail})" if c.detail else "") for c in mine])
            overdue = sum(1 for c in mine if c.flag)
            flag = f", {overdue} needing a check" if overdue else ""
            parts.append(f"{kind.label} ({len(mine)}{flag}): {names}.")
    return " ".join(parts)


def _date(iso: str | None) -> date | None:
    return date.fromisoformat(iso) if iso else None


def _zone_label(spec: ZoneMapSpec, key: str) -> str:
    kind = spec.zone(key)
    return kind.label if kind else key


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def report_blocks(zone_map: ZoneMap | None, spec: ZoneMapSpec, title: str, as_of: date) -> list[ReportBlock]:
    """The pack's blocks for one map: the picture (alt text, a caption), the markers' table with
    overdue checks flagged, and a warning for required areas not drawn; a note when there is no map."""
    if zone_map is None:
        return [Paragraph(f"No {spec.title} has been drawn for {title}.", style="warning")]
    checks = marker_checks(zone_map, spec, as_of)
    blocks: list[ReportBlock] = [
        Figure(
            png=render_png(zone_map, spec),
            caption=f"{spec.title}: {title}",
            alt_text=alt_text(zone_map, spec, title, as_of),
            table=None,
        )
    ]
    missing = missing_zones(zone_map, spec)
    if missing:
        blocks.append(Paragraph(f"Not drawn on this map: {_join(['the ' + m for m in missing])}.", style="warning"))
    if checks:
        blocks.append(
            Table(
                ("Ref", "Item", "Where and details", "Date", "Check"),
                tuple(
                    (c.ref, c.kind, ": ".join(t for t in (c.name, c.detail) if t), _date(c.checked_on), c.check)
                    for c in checks
                ),
                caption=f"Entrances, signage and emergency equipment: {title}",
                weights=(1.3, 2.7, 6.0, 3.3, 2.3),
            )
        )
        late = [c for c in checks if c.flag]
        if late:
            every = sorted({k.check_every_days for k in spec.markers if k.check_every_days})
            rule = f"a check or test over {every[0]} days old is overdue" if len(every) == 1 else "see the Check column"
            text = f"{len(late)} of {len(checks)} items need a check ({rule}): {', '.join(c.ref for c in late)}."
            blocks.append(Paragraph(text, style="warning"))
    return blocks
