"""A zone map drawn for the pack (matplotlib's Agg canvas, Qt-free), its alt text and its checks.

The picture is the floor plan (or a grid a line per metre) with each area filled or outlined in its
kind's colour, and each marker shown by its reference (E1, S2); the references lead to a table of the
markers with their details and dates, overdue checks flagged. The alt text says the same in words.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon
from PIL import Image

from qsi_desktop.colours import NHS_PALE_GREY, TEXT, TEXT_MUTED
from qsi_desktop.export.drawing import one_at_a_time
from qsi_desktop.plugins.types import Figure, Paragraph, ReportBlock, Table, ZoneMapSpec
from qsi_desktop.zone_maps.images import open_image
from qsi_desktop.zone_maps.model import Marker, ZoneMap

FONT = "DejaVu Sans"
FONT_SIZE = 8.0
WIDTH_CM = 16.0
DPI = 200
MAX_DRAWN_SIDE = 2400  # the floor plan is scaled down to this before drawing: sharp at 16 cm, small file
MARKER_FILL = "#ffffff"


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


@one_at_a_time
def render_png(zone_map: ZoneMap, spec: ZoneMapSpec) -> bytes:
    """The map as a PNG sized for a 16 cm column (a legend of the areas and markers below it)."""
    bg = zone_map.background
    width_in = WIDTH_CM / 2.54
    plot_height = width_in * bg.height / bg.width
    fig = MplFigure(figsize=(width_in, min(plot_height + 1.0, 9.5)), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if bg.kind == "image" and zone_map.image:
        image = open_image(zone_map.image).convert("RGB")
        image.thumbnail((MAX_DRAWN_SIDE, MAX_DRAWN_SIDE))
        ax.imshow(image, extent=(0, bg.width, bg.height, 0), interpolation="antialiased")
    else:
        _grid(ax, bg.width, bg.height, bg.step)
    ax.set_xlim(0, bg.width)
    ax.set_ylim(bg.height, 0)  # y grows downwards, as on the screen
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    scale = bg.width / 1200  # line widths and marker sizes look the same on any image size

    for zone in zone_map.zones:
        kind = spec.zone(zone.kind)
        colour = kind.colour if kind else TEXT
        line = kind is not None and kind.shape == "line"
        ax.add_patch(
            Polygon(
                zone.points,
                closed=True,
                facecolor="none",
                edgecolor=colour,
                linewidth=2.0,
                linestyle=(0, (6, 3)) if line else "-",
            )
        )
        if not line:
            ax.add_patch(Polygon(zone.points, closed=True, facecolor=colour, alpha=0.16, edgecolor="none"))
        if line:  # a contour is named on it; areas are named by colour in the legend (nested areas'
            # names would sit on top of each other and of the plan's own room names)
            name = (kind.short or kind.label) if kind else zone.kind
            x, y = min(zone.points, key=lambda p: p[0] + p[1])
            ax.text(
                x,
                y - 4 * scale,
                f"{name} ({zone.label})" if zone.label else name,
                fontsize=FONT_SIZE - 1,
                family=FONT,
                color=colour,
                ha="left",
                va="bottom",
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
                clip_on=True,
            )
    for ref, marker in zip(marker_refs(zone_map, spec), zone_map.markers, strict=True):
        ax.text(  # the reference in a ring: what the table below the map lists
            marker.x,
            marker.y,
            ref,
            fontsize=FONT_SIZE - 1,
            family=FONT,
            color=TEXT,
            weight="bold",
            ha="center",
            va="center",
            bbox={"boxstyle": "circle,pad=0.25", "facecolor": MARKER_FILL, "edgecolor": TEXT, "linewidth": 1.2},
        )
    _legend(fig, zone_map, spec)
    return _png(fig)


def _grid(ax: object, width: int, height: int, step: int) -> None:
    ax.set_facecolor("white")  # type: ignore[attr-defined]
    for x in range(0, width + 1, step):
        ax.axvline(x, color=NHS_PALE_GREY, linewidth=0.6, zorder=0)  # type: ignore[attr-defined]
    for y in range(0, height + 1, step):
        ax.axhline(y, color=NHS_PALE_GREY, linewidth=0.6, zorder=0)  # type: ignore[attr-defined]
    ax.text(  # type: ignore[attr-defined]
        4, height - 4, "Room grid: one square a metre", fontsize=FONT_SIZE - 1, family=FONT, color=TEXT_MUTED
    )


def _legend(fig: MplFigure, zone_map: ZoneMap, spec: ZoneMapSpec) -> None:
    handles: list[object] = []
    for kind in spec.zones:
        mine = [z for z in zone_map.zones if z.kind == kind.key]
        if not mine:
            continue
        labels = sorted({z.label for z in mine if z.label})
        text = f"{kind.label} ({', '.join(labels)})" if labels else kind.label
        if kind.shape == "line":
            handles.append(Line2D([], [], color=kind.colour, linewidth=2, linestyle=(0, (6, 3)), label=text))
        else:
            handles.append(Patch(facecolor=kind.colour, alpha=0.35, edgecolor=kind.colour, label=text))
    placed = {m.kind for m in zone_map.markers}
    for kind in spec.markers:
        if kind.key in placed:
            handles.append(
                Line2D(
                    [],
                    [],
                    marker=f"$\\mathsf{{{kind.symbol}}}$",
                    linestyle="none",
                    color=TEXT,
                    markersize=7,
                    label=f"{kind.symbol}: {kind.label}",
                )
            )
    if handles:
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=1 if len(handles) <= 3 else 2,
            frameon=False,
            prop={"family": FONT, "size": FONT_SIZE},
        )


def _png(fig: MplFigure) -> bytes:
    canvas = fig.canvas
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    # 256 colours: a scanned plan's greys survive, and the file stays small (no date chunk: repeatable).
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6, dpi=(DPI, DPI))
    return out.getvalue()


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
