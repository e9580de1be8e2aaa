"""Drawing for the pack's charts and zone maps with Pillow alone (no matplotlib, no numpy: issue 17).

A :class:`Canvas` takes coordinates in the final picture's pixels. Shapes are drawn on an image
``SUPERSAMPLE`` times larger and scaled down by averaging each 3 x 3 block (``Image.reduce``: each pixel
gets the share of it a shape covers, so edges are smooth and flat fills keep their exact colour; Lanczos
gave the same look with faint dark halos at thin lines, at ten times the cost); text is drawn
afterwards at the final size, so FreeType renders it crisp and hinted at the size it is read. The font is
Pillow's own embedded TrueType font (Aileron Regular, ``ImageFont.load_default(size)``): the same in the
bundle, on Windows and in CI, and nothing to ship. Pillow objects are per call, so charts may be drawn on
several threads at once; the one shared thing, a FreeType face, is kept per thread.

Also here: axis ticks at round numbers (1-2-5 steps) and label fitting (wrap, then cut with "…").
"""

from __future__ import annotations

import io
import itertools
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageColor, ImageDraw, ImageFont

from qsi_desktop import colours as app_colours
from qsi_desktop.colours import TEXT

DPI = 200  # at 16 cm: sharp in Word and in print
WIDTH_CM = 16.0
WIDTH_PX = int(WIDTH_CM / 2.54 * DPI)  # 1259: a 16 cm column
SUPERSAMPLE = 3  # shapes drawn 3x larger, then scaled down: anti-aliased edges
FONT_NAME = "Aileron Regular (Pillow's embedded font)"
ELLIPSIS = "…"
# Kept exact in every PNG: white and the app's colours (NHS identity, text, status badges).
APP_COLOURS = (
    "#ffffff",
    *(v for k, v in vars(app_colours).items() if k.isupper() and isinstance(v, str)),
    *(fill for fill, _ in app_colours.STATUS_BADGE.values()),
)

Point = tuple[float, float]
Font = ImageFont.FreeTypeFont
_fonts = threading.local()  # a FreeType face must not be used by two threads at once


def px(points: float) -> float:
    """Typographic points (1/72 inch) in pixels at :data:`DPI`."""
    return points * DPI / 72


def font(size_pt: float) -> Font:
    """The charts' font at ``size_pt`` points (one face per thread and size)."""
    cache: dict[float, Font] = _fonts.__dict__.setdefault("cache", {})
    if size_pt not in cache:
        loaded = ImageFont.load_default(round(px(size_pt)))
        if not isinstance(loaded, ImageFont.FreeTypeFont):  # Pillow built without FreeType
            raise RuntimeError("Pillow was built without FreeType: the charts need its TrueType font")
        cache[size_pt] = loaded
    return cache[size_pt]


def line_height(face: Font) -> float:
    ascent, descent = face.getmetrics()
    return (ascent + descent) * 1.05


def text_width(text: str, face: Font) -> float:
    return max((face.getlength(line) for line in text.split("\n")), default=0.0)


# -- fitting labels ----------------------------------------------------------------------------------


def ellipsize(text: str, face: Font, width: float) -> str:
    """``text`` cut at a word (or, failing that, a letter) and ended with "…" so that it fits ``width``."""
    if face.getlength(text) <= width:
        return text
    words = text.split(" ")
    for end in range(len(words) - 1, 0, -1):  # whole words first
        cut = " ".join(words[:end]).rstrip(" ,;:-") + " " + ELLIPSIS
        if face.getlength(cut) <= width:
            return cut
    for end in range(len(text) - 1, 0, -1):
        cut = text[:end].rstrip() + ELLIPSIS
        if face.getlength(cut) <= width:
            return cut
    return ELLIPSIS


def fit_lines(text: str, face: Font, width: float, max_lines: int = 2) -> list[str]:
    """``text`` wrapped at spaces into at most ``max_lines`` lines no wider than ``width``; what does not
    fit is cut with "…" (a word longer than a line is cut too). Empty text gives one empty line."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and face.getlength(f"{line} {words[0]}") <= width:
            line += " " + words.pop(0)
        lines.append(line)
    if words:  # more than fits: the last line takes the rest and is cut
        lines[-1] = ellipsize(" ".join([lines[-1], *words]), face, width)
    elif len(lines) == 2:  # two lines of about the same width read better than a long and a short one
        lines = _balanced(" ".join(lines).split(), face, width) or lines
    return [ellipsize(line, face, width) for line in lines] or [""]


def _balanced(words: list[str], face: Font, width: float) -> list[str] | None:
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    fitting = [pair for pair in splits if max(face.getlength(line) for line in pair) <= width]
    best = min(fitting, key=lambda pair: max(face.getlength(line) for line in pair), default=None)
    return list(best) if best else None


# -- axes at round numbers -------------------------------------------------------------------------------


def nice_step(span: float, most_ticks: int = 6) -> float:
    """The smallest 1, 2 or 5 times a power of ten that cuts ``span`` into at most ``most_ticks`` steps."""
    if not math.isfinite(span) or span <= 0:
        return 1.0
    rough = span / max(most_ticks, 1)
    power = 10 ** math.floor(math.log10(rough))
    for multiple in (1, 2, 5, 10):
        if multiple * power >= rough * (1 - 1e-9):
            return multiple * power
    return 10 * power  # not reached


def ticks(low: float, high: float, most_ticks: int = 6) -> list[float]:
    """Round tick values from at or below ``low`` to at or above ``high`` (0 to 1 when there is no range)."""
    if high <= low:
        high = low + (abs(low) or 1.0)
    step = nice_step(high - low, most_ticks)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(i * step, 12) for i in range(first, last + 1)]


def tick_label(value: float, step: float) -> str:
    """A tick's number with as many decimals as the step needs and thousands separated: 1,500, 0.25."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    return f"{value:,.{decimals}f}".replace("-", "\u2212")  # a real minus sign


# -- the canvas ------------------------------------------------------------------------------------------


@dataclass
class _Text:
    x: float
    y: float
    lines: list[str]
    size: float
    colour: str
    anchor: str
    bold: bool
    box: str | None
    angle: float


@dataclass
class Canvas:
    """A white picture ``width`` x ``height`` pixels: shapes drawn supersampled, text at the final size."""

    width: int
    height: int
    background: str = "white"
    scale: int = SUPERSAMPLE
    _texts: list[_Text] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.image = Image.new("RGB", (self.width * self.scale, self.height * self.scale), self.background)
        self.draw = ImageDraw.Draw(self.image)

    def _p(self, point: Point) -> tuple[float, float]:
        return (point[0] * self.scale, point[1] * self.scale)

    def _w(self, width: float) -> int:
        return max(1, round(width * self.scale))

    # -- shapes (supersampled) --

    def paste(self, picture: Image.Image, box: tuple[float, float, float, float]) -> None:
        """``picture`` scaled into ``box`` (a floor plan under the map)."""
        left, top, right, bottom = (round(v * self.scale) for v in box)
        self.image.paste(
            picture.convert("RGB").resize((right - left, bottom - top), Image.Resampling.LANCZOS), (left, top)
        )

    def rect(
        self,
        box: tuple[float, float, float, float],
        fill: str | None = None,
        outline: str | None = None,
        width: float = 0,
    ) -> None:
        left, top, right, bottom = box
        if right - left <= 0 or bottom - top <= 0:
            return
        self.draw.rectangle(
            (*self._p((left, top)), *self._p((right, bottom))),
            fill=fill,
            outline=outline,
            width=self._w(width) if outline else 0,
        )

    def line(self, points: Sequence[Point], colour: str, width: float, dash: tuple[float, float] | None = None) -> None:
        """A polyline with round joins; ``dash`` (on, off) in pixels draws it dashed."""
        if len(points) < 2:
            return
        for run in _dashes(points, dash) if dash else [list(points)]:
            self.draw.line([self._p(p) for p in run], fill=colour, width=self._w(width), joint="curve")

    def polygon(
        self,
        points: Sequence[Point],
        fill: str | None = None,
        alpha: float = 1.0,
        outline: str | None = None,
        width: float = 0,
        dash: tuple[float, float] | None = None,
    ) -> None:
        """A closed shape: ``fill`` blended at ``alpha`` over what is below, then its outline."""
        if len(points) < 3:
            return
        if fill is not None:
            scaled = [self._p(p) for p in points]
            if alpha >= 1:
                self.draw.polygon(scaled, fill=fill)
            else:
                mask = Image.new("L", self.image.size, 0)
                ImageDraw.Draw(mask).polygon(scaled, fill=round(255 * alpha))
                self.image.paste(fill, mask=mask)
        if outline is not None and width > 0:
            self.line([*points, points[0], points[1]] if not dash else [*points, points[0]], outline, width, dash)

    def circle(
        self, centre: Point, radius: float, fill: str | None, outline: str | None = None, width: float = 0
    ) -> None:
        x, y = centre
        self.draw.ellipse(
            (*self._p((x - radius, y - radius)), *self._p((x + radius, y + radius))),
            fill=fill,
            outline=outline,
            width=self._w(width) if outline else 0,
        )

    def marker(self, shape: str, centre: Point, size: float, colour: str) -> None:
        """A filled data marker ``size`` pixels across: o circle, s square, ^ and v triangles, D diamond."""
        x, y, r = centre[0], centre[1], size / 2
        if shape == "o":
            self.circle(centre, r, colour)
            return
        corners = {
            "s": [(-0.85, -0.85), (0.85, -0.85), (0.85, 0.85), (-0.85, 0.85)],
            "^": [(0, -1.1), (1.0, 0.75), (-1.0, 0.75)],
            "v": [(0, 1.1), (1.0, -0.75), (-1.0, -0.75)],
            "D": [(0, -1.15), (1.0, 0), (0, 1.15), (-1.0, 0)],
        }[shape]
        self.polygon([(x + dx * r, y + dy * r) for dx, dy in corners], fill=colour)

    # -- text (final size) --

    def text(
        self,
        xy: Point,
        text: str | Sequence[str],
        *,
        size: float,
        colour: str = TEXT,
        anchor: str = "lm",
        bold: bool = False,
        box: str | None = None,
        angle: float = 0,
    ) -> None:
        """Text at ``xy``. ``anchor``: horizontal l/m/r, vertical t/m/b of the text's box (the box turned
        by ``angle`` degrees when rotated). Several lines (a list or "\\n") are centred on each other as
        the horizontal anchor says. ``box``: a background colour behind it; ``bold``: strokes thickened
        (the embedded font has no bold face)."""
        lines = text.split("\n") if isinstance(text, str) else list(text)
        self._texts.append(_Text(xy[0], xy[1], lines, size, colour, anchor, bold, box, angle))

    def finish(self) -> Image.Image:
        """The picture at its final size, text drawn."""
        image = self.image.reduce(self.scale)
        draw = ImageDraw.Draw(image)
        for item in self._texts:
            _draw_text(image, draw, item)
        return image


def _dashes(points: Sequence[Point], dash: tuple[float, float]) -> list[list[Point]]:
    """The runs of a polyline that are drawn with the pattern (on, off), each a list of points."""
    on, off = dash
    runs: list[list[Point]] = []
    drawing, left = True, on
    current: list[Point] = [points[0]]
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        length = math.hypot(x2 - x1, y2 - y1)
        done = 0.0
        while length - done > left:
            done += left
            point = (x1 + (x2 - x1) * done / length, y1 + (y2 - y1) * done / length)
            if drawing:
                if point != current[-1]:
                    current.append(point)
                runs.append(current)
            current = [point]
            drawing, left = not drawing, off if drawing else on
        left -= length - done
        if drawing:
            current.append((x2, y2))
    if drawing and len(current) > 1:
        runs.append(current)
    return runs


def _block_size(lines: list[str], face: Font) -> tuple[float, float]:
    return max((face.getlength(line) for line in lines), default=0.0), line_height(face) * len(lines)


def _draw_text(image: Image.Image, draw: ImageDraw.ImageDraw, item: _Text) -> None:
    face = font(item.size)
    width, height = _block_size(item.lines, face)
    stroke = 1 if item.bold else 0
    if item.angle:
        _draw_rotated(image, item, face, width, height, stroke)
        return
    left = item.x - {"l": 0, "m": width / 2, "r": width}[item.anchor[0]]
    top = item.y - {"t": 0, "m": height / 2, "b": height}[item.anchor[1]]
    if item.box:
        pad = px(1.5)
        draw.rounded_rectangle((left - pad, top - pad / 2, left + width + pad, top + height + pad / 2), pad, item.box)
    _draw_lines(draw, item.lines, face, left, top, width, item.anchor[0], item.colour, stroke)


def _draw_lines(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    face: Font,
    left: float,
    top: float,
    width: float,
    align: str,
    colour: str | int,
    stroke: int,
) -> None:
    step = line_height(face)
    for i, line in enumerate(lines):
        x = {"l": left, "m": left + width / 2, "r": left + width}[align]
        draw.text(
            (x, top + step * (i + 0.5)),
            line,
            fill=colour,
            font=face,
            anchor=align + "m",
            stroke_width=stroke,
            stroke_fill=colour,
        )


def _draw_rotated(image: Image.Image, item: _Text, face: Font, width: float, height: float, stroke: int) -> None:
    """Text turned by ``item.angle`` degrees (anticlockwise): drawn on a mask, turned, then filled in."""
    mask = Image.new("L", (math.ceil(width) + 4, math.ceil(height) + 4), 0)
    _draw_lines(ImageDraw.Draw(mask), item.lines, face, 2, 2, width, item.anchor[0], 255, stroke)
    turned = mask.rotate(item.angle, resample=Image.Resampling.BICUBIC, expand=True)
    w, h = turned.size
    left = item.x - {"l": 0, "m": w / 2, "r": w}[item.anchor[0]]
    top = item.y - {"t": 0, "m": h / 2, "b": h}[item.anchor[1]]
    image.paste(item.colour, (round(left), round(top)), turned)


# -- legends ---------------------------------------------------------------------------------------------

Swatch = Callable[[Canvas, float, float], None]  # draws a key's symbol centred at (x, y)
SWATCH_WIDTH = px(16)


def box_swatch(fill: str, *, alpha: float = 1.0, edge: str | None = None) -> Swatch:
    def draw(canvas: Canvas, x: float, y: float) -> None:
        half_w, half_h = SWATCH_WIDTH / 2, px(4.5)
        box = [(x - half_w, y - half_h), (x + half_w, y - half_h), (x + half_w, y + half_h), (x - half_w, y + half_h)]
        canvas.polygon(box, fill=fill, alpha=alpha, outline=edge, width=px(0.8) if edge else 0)

    return draw


def line_swatch(colour: str, width: float, *, dash: tuple[float, float] | None = None, marker: str = "") -> Swatch:
    def draw(canvas: Canvas, x: float, y: float) -> None:
        canvas.line([(x - SWATCH_WIDTH / 2, y), (x + SWATCH_WIDTH / 2, y)], colour, width, dash)
        if marker:
            canvas.marker(marker, (x, y), px(4.5), colour)

    return draw


def text_swatch(symbol: str, colour: str, size: float) -> Swatch:
    def draw(canvas: Canvas, x: float, y: float) -> None:
        canvas.text((x, y), symbol, size=size, colour=colour, anchor="mm", bold=True)

    return draw


@dataclass(frozen=True)
class Legend:
    """Keys (a symbol and a label), centred: in rows across ``width`` (as many a row as fit), or in up to
    ``columns`` columns read downwards (fewer when the labels would not fit side by side)."""

    keys: Sequence[tuple[Swatch, str]]
    width: float
    size: float
    columns: int = 0  # 0: flow across

    def _cells(self) -> list[tuple[float, int]]:
        """(x of the key's left, row) for each key."""
        face = font(self.size)
        space = px(12)
        widths = [SWATCH_WIDTH + px(4) + face.getlength(label) for _, label in self.keys]
        for columns in range(self.columns, 0, -1):
            rows = math.ceil(len(widths) / columns)
            column_widths = [max(widths[c * rows : (c + 1) * rows], default=0.0) for c in range(columns)]
            total = sum(column_widths) + space * (columns - 1)
            if total <= self.width or columns == 1:
                starts = [
                    max((self.width - total) / 2, 0.0) + sum(column_widths[:c]) + space * c for c in range(columns)
                ]
                return [(starts[i // rows], i % rows) for i in range(len(widths))]
        lines: list[list[float]] = [[]]
        for w in widths:
            if lines[-1] and sum(lines[-1]) + space * len(lines[-1]) + w > self.width:
                lines.append([])
            lines[-1].append(w)
        cells = []
        for r, line in enumerate(lines):
            x = max((self.width - sum(line) - space * (len(line) - 1)) / 2, 0.0)
            for w in line:
                cells.append((x, r))
                x += w + space
        return cells

    @property
    def row_height(self) -> float:
        return line_height(font(self.size)) * 1.3

    @property
    def height(self) -> float:
        rows = [row for _, row in self._cells()]
        return (max(rows) + 1) * self.row_height if rows else 0.0

    def draw(self, canvas: Canvas, left: float, top: float) -> None:
        face = font(self.size)
        for (swatch, label), (x, row) in zip(self.keys, self._cells(), strict=True):
            y = top + (row + 0.5) * self.row_height
            swatch(canvas, left + x + SWATCH_WIDTH / 2, y)
            room = self.width - x - SWATCH_WIDTH - px(4) + 1  # a label too long for the picture is cut
            canvas.text((left + x + SWATCH_WIDTH + px(4), y), ellipsize(label, face, room), size=self.size)


# -- PNG -------------------------------------------------------------------------------------------------


def png(image: Image.Image, *, colours: int, keep: Sequence[str] = ()) -> bytes:
    """``image`` as a small PNG that is the same bytes for the same picture: a palette of at most
    ``colours``, no date or software chunk, 200 dpi. The app's colours and ``keep`` stay exact (median cut
    alone merges a thin red line's colour with its neighbours'); the rest of the palette is median cut's."""
    exact = list(dict.fromkeys(rgb(c) for c in (*APP_COLOURS, *keep)))
    cut = image.quantize(colors=max(colours - len(exact), 2), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    found = cut.getpalette() or []
    # Pillow maps pixels to a given palette at 6 bits a channel (from the corner of each 4x4x4 cell): a
    # near-copy of an exact colour would take that colour's pixels (white drawn as #fcfcfc), so none is kept.
    near = [
        c
        for c in (tuple(found[i : i + 3]) for i in range(0, len(found), 3))
        if min(_distance(c, e) for e in exact) > 12
    ]
    entries = [*exact, *near][:256]
    palette = Image.new("P", (1, 1))
    palette.putpalette([v for entry in entries for v in entry] + [0, 0, 0] * (256 - len(entries)))
    indexed = image.quantize(palette=palette, dither=Image.Dither.NONE)
    out = io.BytesIO()
    # zlib's default level: level 9 (optimize) saves 5% of the bytes for 40 ms more per chart.
    indexed.save(out, format="PNG", compress_level=6, dpi=(DPI, DPI))
    return out.getvalue()


def _distance(a: Sequence[int], b: Sequence[int]) -> float:
    return math.dist(a, b)


def rgb(colour: str) -> tuple[int, int, int]:
    red, green, blue = ImageColor.getrgb(colour)[:3]
    return (red, green, blue)
