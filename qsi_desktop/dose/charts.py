"""Dose-audit charts for the pack: exam DLP per exam type against the DRL, and median DLP by month.

Drawn like :mod:`qsi_desktop.export.charts` (its sizes, font and palette PNG encoder, reused here) with
:mod:`qsi_desktop.export.raster`: the app's colours, axes at round numbers with light gridlines, alt text
that states the figures and the same data as a table. Boxes are drawn from the audit's own quartiles,
so the picture shows exactly the numbers in the table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from qsi_desktop.colours import (
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_DARK_GREY,
    NHS_GREEN,
    NHS_ORANGE,
    NHS_PALE_GREY,
    NHS_RED,
    TEXT,
    TEXT_MUTED,
)
from qsi_desktop.dose.audit import ExamTypeDlp, MonthlyMedian
from qsi_desktop.export import raster
from qsi_desktop.export.charts import FONT_SIZE, LABEL_SHARE, MARGIN, PALETTE_COLOURS
from qsi_desktop.export.raster import WIDTH_PX, px
from qsi_desktop.plugins.types import Figure, Table

BOX_FILL = "#c6dbf0"  # a pale NHS blue: the median line stays visible on it
# Lines by month: colour and marker both differ, so they tell apart in grey print and for colour blindness.
SERIES = ((NHS_BLUE, "o"), (NHS_ORANGE, "s"), (NHS_GREEN, "^"), (NHS_DARK_GREY, "D"), (NHS_RED, "v"))
MAX_SERIES = len(SERIES)  # more lines than this tangle; the table keeps every exam type
TICK_SIZE = FONT_SIZE - 0.5
AXIS = px(0.8)  # the axis lines' width
TICK = px(3.5)  # a tick mark's length
DRL_DASH = (px(4), px(2))


@dataclass(frozen=True)
class _Scale:
    """Values low..high (round ticks) onto pixels start..end."""

    ticks: list[float]
    start: float
    end: float

    def __call__(self, value: float) -> float:
        low, high = self.ticks[0], self.ticks[-1]
        return self.start + (value - low) * (self.end - self.start) / (high - low)

    def labels(self) -> list[str]:
        step = self.ticks[1] - self.ticks[0] if len(self.ticks) > 1 else 1.0
        return [raster.tick_label(t, step) for t in self.ticks]


def _ticks(high: float, most: int = 6) -> list[float]:
    """Round ticks from 0 past ``high`` with a little room, so the highest value never sits on the axis' end."""
    return raster.ticks(0.0, high * 1.03 if high > 0 else 1.0, most)


def _legend(keys: list[tuple[raster.Swatch, str]]) -> raster.Legend:
    return raster.Legend(keys, WIDTH_PX - 2 * MARGIN, TICK_SIZE)


def dlp_box_plot(boxes: Sequence[ExamTypeDlp], *, drl_name: str) -> Figure:
    """One box per exam type (quartiles, median, whiskers to the lowest and highest exam) with its DRL."""
    face, tick_face = raster.font(FONT_SIZE), raster.font(TICK_SIZE)
    with_drl = any(b.drl_dlp_mgycm is not None for b in boxes)
    legend = _legend(
        [
            (raster.line_swatch(NHS_RED, px(1.6), dash=DRL_DASH), f"DRL ({drl_name})"),
            (raster.line_swatch(NHS_DARK_BLUE, px(2.2)), "Median"),
        ]
        if with_drl
        else []
    )
    labels = [raster.fit_lines(b.exam_type, face, WIDTH_PX * LABEL_SHARE) for b in boxes]
    label_width = max((raster.text_width("\n".join(lines), face) for lines in labels), default=0.0)
    row = px(30)  # 0.42 inch a box
    top = MARGIN + legend.height + px(4)
    bottom = top + row * max(len(boxes), 1)
    height = bottom + TICK + 2.3 * raster.line_height(tick_face) + MARGIN
    highest = max([*(b.dlp.maximum for b in boxes), *(b.drl_dlp_mgycm or 0 for b in boxes)], default=0.0)
    x = _value_axis(highest, MARGIN + label_width + TICK + px(4), WIDTH_PX - MARGIN)
    canvas = raster.Canvas(WIDTH_PX, round(height))
    legend.draw(canvas, MARGIN, MARGIN)
    _x_axis(canvas, x, top, bottom, "Exam DLP (mGy.cm)")
    canvas.rect((x.start - AXIS / 2, top, x.start + AXIS / 2, bottom), fill=TEXT)  # the y axis
    for i, (box, lines) in enumerate(zip(boxes, labels, strict=True)):
        s, y = box.dlp, top + row * (i + 0.5)
        canvas.rect((x.start - TICK, y - AXIS / 2, x.start, y + AXIS / 2), fill=TEXT)
        canvas.text((x.start - TICK - px(3), y), lines, size=FONT_SIZE, anchor="rm")
        for low, high in ((s.minimum, s.q1), (s.q3, s.maximum)):  # whiskers, with caps at their ends
            canvas.line([(x(low), y), (x(high), y)], NHS_BLUE, px(1))
        for end in (s.minimum, s.maximum):
            canvas.line([(x(end), y - row * 0.12), (x(end), y + row * 0.12)], NHS_BLUE, px(1))
        canvas.rect((x(s.q1), y - row * 0.25, x(s.q3), y + row * 0.25), fill=BOX_FILL, outline=NHS_BLUE, width=px(1))
        canvas.line([(x(s.median), y - row * 0.25), (x(s.median), y + row * 0.25)], NHS_DARK_BLUE, px(2.2))
        if box.drl_dlp_mgycm is not None:
            drl = x(box.drl_dlp_mgycm)
            canvas.line([(drl, y - row * 0.4), (drl, y + row * 0.4)], NHS_RED, px(1.6), dash=DRL_DASH)
    if not boxes:
        canvas.text(
            ((x.start + x.end) / 2, (top + bottom) / 2), "No exams", size=TICK_SIZE, colour=TEXT_MUTED, anchor="mm"
        )

    def words(box: ExamTypeDlp) -> str:
        s = box.dlp
        text = f"{box.exam_type}: median {s.median:g} (quartiles {s.q1:g} to {s.q3:g}; {s.n} exams)"
        if box.drl_dlp_mgycm is not None:
            relation = "above" if s.median > box.drl_dlp_mgycm else "at or below"
            text += f", {relation} the DRL of {box.drl_dlp_mgycm:g}"
        return text

    return Figure(
        png=raster.png(canvas.finish(), colours=PALETTE_COLOURS, keep=(BOX_FILL,)),
        caption="Adult exam DLP per exam type, all scanners: box from lower to upper quartile, line at the median, "
        "whiskers to the lowest and highest exam; dashed red line at the DRL",
        alt_text="Box plot of adult exam DLP in mGy.cm per exam type against the DRL. "
        + ("; ".join(words(b) for b in boxes) or "No exams")
        + ".",
        table=Table(
            columns=("Exam type", "Exams", "Lowest", "Lower quartile", "Median", "Upper quartile", "Highest", "DRL"),
            rows=tuple(
                (b.exam_type, b.dlp.n, b.dlp.minimum, b.dlp.q1, b.dlp.median, b.dlp.q3, b.dlp.maximum, b.drl_dlp_mgycm)
                for b in boxes
            ),
            caption="Adult exam DLP (mGy.cm) per exam type",
            landscape=True,
        ),
    )


def median_dlp_by_month(monthly: Sequence[MonthlyMedian]) -> Figure:
    """Median adult exam DLP per month, one line for each of the commonest exam types."""
    counts: dict[str, int] = {}
    for m in monthly:
        counts[m.exam_type] = counts.get(m.exam_type, 0) + m.exams
    shown = sorted(counts, key=lambda t: (-counts[t], t))[:MAX_SERIES]
    months = sorted({m.month for m in monthly})
    canvas = _monthly_lines(monthly, shown, months)
    left_out = len(counts) - len(shown)
    series = "; ".join(
        f"{t}: " + ", ".join(f"{m.month} {m.median_dlp_mgycm:g}" for m in monthly if m.exam_type == t) for t in shown
    )
    return Figure(
        png=raster.png(canvas.finish(), colours=PALETTE_COLOURS, keep=(BOX_FILL,)),
        caption="Median adult exam DLP by month"
        + (f" ({len(shown)} commonest exam types; all {len(counts)} in the table)" if left_out else ""),
        alt_text=f"Lines of median adult exam DLP in mGy.cm by month. {series or 'No exams'}.",
        table=Table(
            columns=("Exam type", "Month", "Exams", "Median DLP (mGy.cm)"),
            rows=tuple((m.exam_type, m.month, m.exams, m.median_dlp_mgycm) for m in monthly),
            caption="Median adult exam DLP by month",
        ),
    )


def _monthly_lines(monthly: Sequence[MonthlyMedian], shown: list[str], months: list[str]) -> raster.Canvas:
    """A line a series (colour and marker) over the months, the legend above the plot, never on a line."""
    tick_face = raster.font(TICK_SIZE)
    legend = _legend([(raster.line_swatch(c, px(1.4), marker=m), t) for (c, m), t in zip(SERIES, shown, strict=False)])
    top = MARGIN + legend.height + px(6)
    y_ticks = _ticks(max((m.median_dlp_mgycm for m in monthly if m.exam_type in shown), default=0.0))
    y_labels = _Scale(y_ticks, 0, 1).labels()
    title_room = raster.line_height(tick_face) + px(4)  # the y axis title, turned
    left = MARGIN + title_room + max(tick_face.getlength(t) for t in y_labels) + TICK + px(3)
    right = WIDTH_PX - MARGIN
    slot = (right - left) / max(len(months), 1)
    widest = max((tick_face.getlength(m) for m in months), default=0.0)
    turned = widest + px(4) > slot  # the months' labels do not fit side by side: turned 45 degrees
    label_room = (widest + raster.line_height(tick_face)) * 0.72 if turned else raster.line_height(tick_face)
    # Turned labels a slot apart sit slot x sin 45 degrees apart: over three years of months, every 2nd or 3rd.
    every = math.ceil(raster.line_height(tick_face) / (slot * math.sqrt(0.5))) if turned else 1
    bottom = top + px(136)  # the plot's height: the picture is 2.8 inches with a one-line legend, as before
    height = bottom + TICK + px(3) + label_room + MARGIN
    y = _Scale(y_ticks, bottom, top)
    canvas = raster.Canvas(WIDTH_PX, round(height))
    legend.draw(canvas, MARGIN, MARGIN)
    for value, label in zip(y.ticks, y_labels, strict=True):
        at = y(value)
        if value:
            canvas.line([(left, at), (right, at)], NHS_PALE_GREY, px(0.6))
        canvas.rect((left - TICK, at - AXIS / 2, left, at + AXIS / 2), fill=TEXT)
        canvas.text((left - TICK - px(3), at), label, size=TICK_SIZE, anchor="rm")
    canvas.text((MARGIN, (top + bottom) / 2), "Median exam DLP (mGy.cm)", size=TICK_SIZE, anchor="lm", angle=90)
    canvas.rect((left - AXIS / 2, top, left + AXIS / 2, bottom + AXIS / 2), fill=TEXT)
    canvas.rect((left - AXIS / 2, bottom - AXIS / 2, right, bottom + AXIS / 2), fill=TEXT)
    for i, month in enumerate(months):
        at = left + slot * (i + 0.5)
        canvas.rect((at - AXIS / 2, bottom, at + AXIS / 2, bottom + TICK), fill=TEXT)
        if i % every:
            continue
        if turned:
            canvas.text((at + px(2), bottom + TICK + px(2)), month, size=TICK_SIZE, anchor="rt", angle=45)
        else:
            canvas.text((at, bottom + TICK + px(2)), month, size=TICK_SIZE, anchor="mt")
    for (colour, marker), exam_type in zip(SERIES, shown, strict=False):
        points = [
            (left + slot * (months.index(m.month) + 0.5), y(m.median_dlp_mgycm))
            for m in monthly
            if m.exam_type == exam_type
        ]
        canvas.line(points, colour, px(1.4))
        for point in points:
            canvas.marker(marker, point, px(4.5), colour)
    if not months:
        canvas.text(
            ((left + right) / 2, (top + bottom) / 2), "No exams", size=TICK_SIZE, colour=TEXT_MUTED, anchor="mm"
        )
    return canvas


def _value_axis(highest: float, start: float, end: float) -> _Scale:
    """A horizontal value axis from 0 past ``highest``: as many round ticks as fit their numbers side by side
    (up to 8: a gridline every 200 rather than 500 on the page's width), the last number inside ``end``."""
    face = raster.font(TICK_SIZE)
    for most in range(8, 1, -1):
        scale = _Scale(_ticks(highest, most), start, end)
        widths = [face.getlength(label) for label in scale.labels()]
        scale = _Scale(scale.ticks, start, end - widths[-1] / 2 - px(1))
        room = (scale.end - scale.start) / (len(scale.ticks) - 1)
        if max(widths) + px(8) <= room:
            break
    return scale


def _x_axis(canvas: raster.Canvas, x: _Scale, top: float, bottom: float, title: str) -> None:
    """The value axis along the bottom: gridlines up through the plot, ticks, their numbers and the title."""
    line = raster.line_height(raster.font(TICK_SIZE))
    for value, label in zip(x.ticks, x.labels(), strict=True):
        at = x(value)
        if value:
            canvas.line([(at, top), (at, bottom)], NHS_PALE_GREY, px(0.6))
        canvas.rect((at - AXIS / 2, bottom, at + AXIS / 2, bottom + TICK), fill=TEXT)
        canvas.text((at, bottom + TICK + px(2)), label, size=TICK_SIZE, anchor="mt")
    canvas.rect((x.start - AXIS / 2, bottom - AXIS / 2, x.end, bottom + AXIS / 2), fill=TEXT)
    canvas.text(((x.start + x.end) / 2, bottom + TICK + px(2) + line * 1.15), title, size=TICK_SIZE, anchor="mt")
