"""Charts for the Word submission pack, drawn on matplotlib's Agg canvas.

Each function returns a :class:`~qsi_desktop.plugins.types.Figure` block: a small PNG sized for a 16 cm
column, a caption, alt text that states the figures in words, and the same data as a :class:`Table`.

pyplot is never imported: it keeps global state (current figure, backend) and may reach for a display,
whereas a ``matplotlib.figure.Figure`` with its own ``FigureCanvasAgg`` is a plain object a worker thread
can draw. Fonts, sizes and colours are passed to each call instead of changing ``rcParams``, for the same
reason. The PNG is re-encoded with Pillow (a matplotlib dependency) into a small palette without text
chunks, so the same data gives the same bytes.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from PIL import Image

from qsi_desktop.colours import NHS_BLUE, STATUS_BADGE, TEXT, TEXT_MUTED
from qsi_desktop.export.drawing import one_at_a_time
from qsi_desktop.plugins.types import Figure, StatusCell, Table
from qsi_desktop.services.readiness import readiness_percent
from qsi_desktop.services.values import status_label

STATUS_COLOURS = STATUS_BADGE  # the app's status colours (qsi_desktop.colours)
# Along a bar: done on the left, still to do on the right; not applicable last (left out of section bars).
STATUS_ORDER = ("met", "partially_met", "in_progress", "not_started", "not_met", "not_applicable")

WIDTH_CM = 16.0
DPI = 200  # at 16 cm: 1260 px wide, sharp in Word and in print
FONT = "DejaVu Sans"  # what matplotlib ships and CI has
FONT_SIZE = 9.0  # points at 16 cm wide: a Word caption's size, legible in print
LABEL_CHARS = 28  # a category label wraps at this many characters, on at most two lines
PALETTE_COLOURS = 64  # flat fills and antialiased text need few colours


@one_at_a_time
def readiness_by_section(sections: Sequence[tuple[str, Mapping[str, int]]], *, overall_percent: float) -> Figure:
    """Statements per status in each section, one stacked bar per section, with its readiness.

    ``sections``: (label, counts per status) in the order to show, e.g. ``Readiness.sections.items()``.
    Bars show applicable statements only; not applicable ones appear in the table.
    """
    rows = [(label, {status: int(counts.get(status, 0)) for status in STATUS_ORDER}) for label, counts in sections]
    shown = [s for s in STATUS_ORDER[:-1] if any(counts[s] for _, counts in rows)]
    percents = [readiness_percent(counts) for _, counts in rows]
    applicable = [sum(counts[s] for s in STATUS_ORDER[:-1]) for _, counts in rows]

    fig, ax = _canvas([label for label, _ in rows], legend=bool(shown))
    ys = range(len(rows))
    left = [0] * len(rows)
    for status in shown:
        widths = [counts[status] for _, counts in rows]
        fill, ink = STATUS_COLOURS[status]
        ax.barh(
            ys, widths, left=left, height=0.64, color=fill, edgecolor="white", linewidth=1, label=status_label(status)
        )
        for y, start, width in zip(ys, left, widths, strict=True):
            if width:
                _text(ax, start + width / 2, y, str(width), ha="center", color=ink)
        left = [start + width for start, width in zip(left, widths, strict=True)]
    # Readiness in a right-aligned column of its own (x in axes fractions, y in rows), not after each bar.
    column = ax.get_yaxis_transform()
    _text(ax, 1, -0.5, "Readiness", ha="right", va="bottom", transform=column, in_layout=True)
    for y, percent, total in zip(ys, percents, applicable, strict=True):
        if total:
            _text(ax, 1, y, f"{percent:.1f}%", ha="right", transform=column)
        else:
            _text(ax, 0, y, "not applicable", color=TEXT_MUTED)
    ax.set_xlim(0, max(left, default=0) * 1.16 or 1)
    if shown:
        fig.legend(
            loc="outside upper center",
            ncols=len(shown),
            frameon=False,
            prop={"family": FONT, "size": FONT_SIZE},
            handlelength=1.2,
            columnspacing=1.4,
        )

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
        png=png_bytes(fig),
        caption=f"Readiness by section (overall {overall_percent:.1f}%): applicable statements per status",
        alt_text=f"Stacked bars of statements per status in each section. Overall readiness {overall_percent:.1f}%. "
        f"{details}.",
        table=table,
    )


@one_at_a_time
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


@one_at_a_time
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
    """A horizontal bar per category, for plugin report sections that need a chart without matplotlib code.

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
      first if the order should mean something). Labels longer than about 28 characters wrap onto two
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
    """One labelled bar per row; each bar's value written at its end."""
    fig, ax = _canvas(labels, legend=False)
    ys = range(len(labels))
    ax.barh(ys, values, height=0.64, color=colours)
    for y, value, text in zip(ys, values, texts, strict=True):
        # In the layout: a long value label past the bar must not run off the picture.
        _text(ax, value, y, f" {text} ", ha="left" if value >= 0 else "right", in_layout=True)
    low, high = min([0.0, *values]), max([0.0, *values])
    span = (high - low) or 1.0
    # Room for the value labels beyond the longest bars.
    ax.set_xlim(low - (0.2 * span if low < 0 else 0), high + 0.2 * span)
    if low < 0:  # with bars both ways, the reader needs to see where zero is
        ax.axvline(0, color=TEXT_MUTED, linewidth=0.8)
    if not labels:
        _text(ax, 0.5, 0, "No data", ha="center", color=TEXT_MUTED)
        ax.set_xlim(0, 1)
    return png_bytes(fig)


def _canvas(labels: list[str], *, legend: bool) -> tuple[MplFigure, Axes]:
    """A 16 cm wide figure with one row per label, first at the top; no axis lines, ticks or grid."""
    wrapped = [wrap_label(label) for label in labels]
    lines = max((w.count("\n") + 1 for w in wrapped), default=1)
    row = 0.16 + 0.12 * lines  # inches per bar: room for a two-line label
    height = max(len(labels), 1) * row + (0.4 if legend else 0.15)
    fig = MplFigure(figsize=(WIDTH_CM / 2.54, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(h_pad=0.04, w_pad=0.06)
    ax = fig.add_subplot()
    ax.set_frame_on(False)
    ax.xaxis.set_visible(False)
    ax.set_yticks(range(len(labels)), wrapped, fontfamily=FONT, fontsize=FONT_SIZE, color=TEXT)
    ax.tick_params(axis="y", length=0, pad=4)
    ax.set_ylim(max(len(labels), 1) - 0.5, -0.5)  # first row at the top
    return fig, ax


def _text(
    ax: Axes, x: float, y: float, text: str, *, ha: str = "left", va: str = "center", color: str = TEXT, **more: Any
) -> None:
    """A label inside the plot (counts, values). Left out of the layout, which then measures the tick labels
    and legend only: a third of the drawing time with a label on every segment."""
    more.setdefault("in_layout", False)
    ax.text(x, y, text, ha=ha, va=va, color=color, fontfamily=FONT, fontsize=FONT_SIZE - 0.5, **more)


def wrap_label(label: str) -> str:
    return "\n".join(textwrap.wrap(label, LABEL_CHARS, max_lines=2, placeholder=" …")) or label


def _count_words(counts: Mapping[str, int], statuses: Sequence[str], *, keep_zero: bool = False) -> str:
    """Like "4 met, 1 partially met, 2 not started" (statuses with none left out unless ``keep_zero``)."""
    parts = [f"{counts.get(s, 0)} {status_label(s).lower()}" for s in statuses if keep_zero or counts.get(s, 0)]
    return ", ".join(parts) or "none"


@one_at_a_time
def png_bytes(fig: MplFigure) -> bytes:
    canvas = fig.canvas
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    # Median cut keeps white and the status colours exact (fast octree and max coverage shift some of them).
    image = image.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    # Pillow writes no date or software chunk unless asked; pHYs tells Word the size at 200 dpi. zlib's
    # default level: level 9 (optimize) saves 5% of the bytes for 40 ms more per chart.
    image.save(out, format="PNG", compress_level=6, dpi=(DPI, DPI))
    return out.getvalue()
