"""Charts for the Word submission pack and the window's Dashboard and Summaries tabs, drawn with Pillow.

Each function returns a :class:`~qsi_desktop.plugins.types.Figure` block: a small PNG sized for a 16 cm
column, a caption, alt text that states the figures in words, and the same data as a :class:`Table`.

Drawn by :mod:`qsi_desktop.export.raster` (no matplotlib or numpy: they were 55 MiB of the bundle): plain
objects per call, so worker threads may draw at once. The PNG is a small palette without text chunks, so
the same data gives the same bytes. Horizontal bars carry their category's name and their value in
words beside them, so colour is never the only carrier of meaning.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qsi_desktop.colours import NHS_BLUE, STATUS_BADGE, TEXT_MUTED
from qsi_desktop.export import raster
from qsi_desktop.export.raster import DPI, WIDTH_CM, WIDTH_PX, px
from qsi_desktop.plugins.types import Figure, StatusCell, Table
from qsi_desktop.services.readiness import readiness_percent
from qsi_desktop.services.values import status_label

__all__ = ["DPI", "WIDTH_CM", "bar_chart", "readiness_by_section", "status_counts"]

STATUS_COLOURS = STATUS_BADGE  # the app's status colours (qsi_desktop.colours)
# Along a bar: done on the left, still to do on the right; not applicable last (left out of section bars).
STATUS_ORDER = ("met", "partially_met", "in_progress", "not_started", "not_met", "not_applicable")

FONT_SIZE = 9.5  # points at 16 cm wide: a Word caption's size, legible in print
VALUE_SIZE = FONT_SIZE - 0.5  # the numbers on and beside the bars
LABEL_SHARE = 0.31  # of the width at most for the category labels; longer ones wrap onto two lines, then "…"
MARGIN = px(3)
PALETTE_COLOURS = 64  # flat fills and antialiased text need few colours


def readiness_by_section(sections: Sequence[tuple[str, Mapping[str, int]]], *, overall_percent: float) -> Figure:
    """Statements per status in each section, one stacked bar per section, with its readiness.

    ``sections``: (label, counts per status) in the order to show, e.g. ``Readiness.sections.items()``.
    Bars show applicable statements only; not applicable ones appear in the table.
    """
    rows = [(label, {status: int(counts.get(status, 0)) for status in STATUS_ORDER}) for label, counts in sections]
    shown = [s for s in STATUS_ORDER[:-1] if any(counts[s] for _, counts in rows)]
    percents = [readiness_percent(counts) for _, counts in rows]
    applicable = [sum(counts[s] for s in STATUS_ORDER[:-1]) for _, counts in rows]

    legend = raster.Legend(
        [(raster.box_swatch(STATUS_COLOURS[s][0]), status_label(s)) for s in shown], WIDTH_PX - 2 * MARGIN, FONT_SIZE
    )
    value_face = raster.font(VALUE_SIZE)
    column = max(value_face.getlength("Readiness"), value_face.getlength("100.0%"))  # readiness, right-aligned
    layout = _Rows([label for label, _ in rows], top=MARGIN + legend.height + _line(VALUE_SIZE), right_room=column)
    canvas = layout.canvas()
    legend.draw(canvas, MARGIN, MARGIN)
    right = WIDTH_PX - MARGIN
    canvas.text((right, layout.top - px(2)), "Readiness", size=VALUE_SIZE, anchor="rb")
    scale = (layout.plot_right - layout.plot_left) / max(max(applicable, default=0), 1)
    for i, ((_, counts), percent, total) in enumerate(zip(rows, percents, applicable, strict=True)):
        y, half = layout.middle(i), layout.bar_height / 2
        if not total:
            canvas.text((layout.plot_left, y), "not applicable", size=VALUE_SIZE, colour=TEXT_MUTED)
            continue
        x = layout.plot_left
        for status in shown:
            count = counts[status]
            if not count:
                continue
            fill, ink = STATUS_COLOURS[status]
            width = count * scale
            canvas.rect((x, y - half, x + width, y + half), fill=fill)
            if x > layout.plot_left:  # a white rule between two statuses
                canvas.rect((x - px(0.4), y - half, x + px(0.4), y + half), fill="white")
            if value_face.getlength(str(count)) < width - px(2):  # else the table has it
                canvas.text((x + width / 2, y), str(count), size=VALUE_SIZE, colour=ink, anchor="mm")
            x += width
        canvas.text((right, y), f"{percent:.1f}%", size=VALUE_SIZE, anchor="rm")

    table = Table(
        columns=("Section", *(status_label(s) for s in STATUS_ORDER), "Applicable", "Readiness (%)"),
        rows=tuple(
            (label, *(counts[s] for s in STATUS_ORDER), total, percent if total else None)
            for (label, counts), total, percent in zip(rows, applicable, percents, strict=True)
        ),
        caption="Statements per status in each section",
        landscape=True,
    )
    details = "; ".join(
        f"{label}: {percent:.1f}% ({_count_words(counts, STATUS_ORDER[:-1])} of {total} applicable)"
        if total
        else f"{label}: not applicable"
        for (label, counts), total, percent in zip(rows, applicable, percents, strict=True)
    )
    return Figure(
        png=_png(canvas),
        caption=f"Readiness by section (overall {overall_percent:.1f}%): applicable statements per status",
        alt_text=f"Stacked bars of statements per status in each section. Overall readiness {overall_percent:.1f}%. "
        f"{details}.",
        table=table,
    )


def status_counts(counts: Mapping[str, int]) -> Figure:
    """All statements counted by status, one bar per status in the app's status colours."""
    statuses = [*STATUS_ORDER, *(s for s in counts if s not in STATUS_ORDER)]
    values = [int(counts.get(s, 0)) for s in statuses]
    total = sum(values)
    shares = [round(100.0 * n / total, 1) if total else 0.0 for n in values]
    figure = _hbar_figure(
        [status_label(s) for s in statuses],
        values,
        [STATUS_COLOURS.get(s, STATUS_COLOURS["not_started"])[0] for s in statuses],
        [f"{n} ({share:.1f}%)" for n, share in zip(values, shares, strict=True)],
    )
    readiness = readiness_percent(counts)
    words = _count_words(dict(zip(statuses, values, strict=True)), statuses, keep_zero=True)
    return Figure(
        png=figure,
        caption=f"Statements by status ({total} statements; readiness {readiness:.1f}%)",
        alt_text=f"Bars of statements per status. Of {total} statements: {words}. Readiness {readiness:.1f}%.",
        table=Table(
            columns=("Status", "Statements", "Share (%)"),
            rows=tuple((StatusCell(s), n, share) for s, n, share in zip(statuses, values, shares, strict=True)),
            caption="Statements by status",
        ),
    )


def bar_chart(
    categories: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    value_label: str,
    caption: str,
    alt_text_intro: str,
    category_label: str = "Category",
    value_format: str = "{:g}",
    colour: str = NHS_BLUE,
) -> Figure:
    """A horizontal bar per category, for plugin report sections that need a chart without drawing code.

    Example, in a plugin's ``render(context)``::

        from qsi_desktop.export.charts import bar_chart

        figure = bar_chart(
            ["Room 1", "Room 2"], [98.5, 91.0],
            title="QA pass rate per unit, 2025", value_label="Pass rate (%)",
            caption="Daily QA pass rate per CT unit, January to December 2025",
            alt_text_intro="Daily QA pass rate per CT unit in 2025",
            category_label="Unit", value_format="{:.1f}%",
        )
        return [Paragraph("..."), figure]

    - ``categories`` and ``values``: the same length, shown top to bottom in the order given (sort them
      first if the order should mean something). Labels wider than about a third of the picture wrap onto two
      lines and are then cut with "…" (the table keeps them whole). Up to about 25 bars fit a page.
    - ``title``: the caption of the data table that goes with the chart (the pack prints ``caption`` under
      the picture, so a title inside the picture would repeat it).
    - ``value_label``: the header of the values' column in the table, e.g. "Pass rate (%)".
    - ``alt_text_intro``: what the chart shows, without figures; the alt text adds every category's value,
      the highest and the lowest, so readers who cannot see the picture get the same facts.
    - ``value_format``: formats each value for the bar's label and the alt text (the table keeps the number).
    - ``colour``: the bars' colour, NHS blue unless the data has a meaning in another colour.
    """
    if len(categories) != len(values):
        raise ValueError(f"bar_chart: {len(categories)} categories but {len(values)} values")
    texts = [value_format.format(v) for v in values]
    pairs = [f"{c} {t}" for c, t in zip(categories, texts, strict=True)]
    summary = f"{alt_text_intro.rstrip(' .:')}: {'; '.join(pairs) or 'no data'}."
    if len(values) > 2:
        high = max(range(len(values)), key=values.__getitem__)
        low = min(range(len(values)), key=values.__getitem__)
        summary += f" Highest: {pairs[high]}; lowest: {pairs[low]}."
    return Figure(
        png=_hbar_figure(list(categories), list(values), [colour] * len(values), texts),
        caption=caption,
        alt_text=summary,
        table=Table(
            columns=(category_label, value_label),
            rows=tuple((c, v) for c, v in zip(categories, values, strict=True)),
            caption=title,
        ),
    )


def _hbar_figure(labels: list[str], values: Sequence[float], colours: list[str], texts: list[str]) -> bytes:
    """One labelled bar per row; each bar's value written at its end (beyond zero's left for a negative)."""
    values = [v if math.isfinite(v) else 0.0 for v in values]  # no bar for a missing (NaN) value; its text says so
    face = raster.font(VALUE_SIZE)
    gap = px(3)
    widths = [face.getlength(text) + gap for text in texts]
    left_room = max((w + gap for v, w in zip(values, widths, strict=True) if v < 0), default=0.0)
    layout = _Rows(labels, top=MARGIN, right_room=0.0)
    canvas = layout.canvas()
    if not labels:
        canvas.text((WIDTH_PX / 2, layout.middle(0)), "No data", size=VALUE_SIZE, colour=TEXT_MUTED, anchor="mm")
        return _png(canvas)
    low, high = min(0.0, *values), max(0.0, *values)
    room = layout.plot_right - layout.plot_left - left_room
    if low < 0:  # bars both ways: the longest each way keeps room for the longest label on its side
        right_room = max((w for v, w in zip(values, widths, strict=True) if v >= 0), default=0.0)
        scale = min(room - right_room, room / 1.2) / (high - low)
    else:  # each bar's own label must fit past its end; no bar longer than 5/6 of the room, as a margin
        fits = [(room - w) / v for v, w in zip(values, widths, strict=True) if v > 0]
        scale = min([room / (1.2 * high) if high else 1.0, *fits])
    zero = layout.plot_left + left_room - low * scale
    for i, (value, colour, text) in enumerate(zip(values, colours, texts, strict=True)):
        y, half = layout.middle(i), layout.bar_height / 2
        end = zero + value * scale
        canvas.rect((min(zero, end), y - half, max(zero, end), y + half), fill=colour)
        if value < 0:
            canvas.text((end - gap, y), text, size=VALUE_SIZE, anchor="rm")
        else:
            canvas.text((end + gap, y), text, size=VALUE_SIZE)
    if low < 0:  # with bars both ways, the reader needs to see where zero is
        canvas.rect((zero - px(0.4), layout.top, zero + px(0.4), layout.bottom), fill=TEXT_MUTED)
    return _png(canvas)


@dataclass
class _Rows:
    """The frame of a horizontal bar chart: a row per label (first at the top), the labels right-aligned
    in a column on the left, wrapped and cut to fit; the plot between them and ``right_room``."""

    labels: list[str]
    top: float
    right_room: float

    def __post_init__(self) -> None:
        face = raster.font(FONT_SIZE)
        self.lines = [raster.fit_lines(label, face, WIDTH_PX * LABEL_SHARE) for label in self.labels]
        most = max((len(lines) for lines in self.lines), default=1)
        self.row_height = px(13) + px(8.6) * most  # about 0.18 + 0.12 inch a line of label
        self.bar_height = 0.64 * min(self.row_height, px(21))
        label_width = max((raster.text_width("\n".join(lines), face) for lines in self.lines), default=0.0)
        self.plot_left = MARGIN + label_width + px(4)
        self.plot_right = WIDTH_PX - MARGIN - (self.right_room + px(6) if self.right_room else 0)
        self.bottom = self.top + self.row_height * max(len(self.labels), 1)

    def middle(self, row: int) -> float:
        return self.top + self.row_height * (row + 0.5)

    def canvas(self) -> raster.Canvas:
        canvas = raster.Canvas(WIDTH_PX, round(self.bottom + MARGIN))
        for row, lines in enumerate(self.lines):
            canvas.text((self.plot_left - px(4), self.middle(row)), lines, size=FONT_SIZE, anchor="rm")
        return canvas


def _line(size: float) -> float:
    return raster.line_height(raster.font(size))


def _png(canvas: raster.Canvas) -> bytes:
    return raster.png(canvas.finish(), colours=PALETTE_COLOURS)


def _count_words(counts: Mapping[str, int], statuses: Sequence[str], *, keep_zero: bool = False) -> str:
    """Like "4 met, 1 partially met, 2 not started" (statuses with none left out unless ``keep_zero``)."""
    parts = [f"{counts.get(s, 0)} {status_label(s).lower()}" for s in statuses if keep_zero or counts.get(s, 0)]
    return ", ".join(parts) or "none"
