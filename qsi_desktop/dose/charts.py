"""Dose-audit charts for the pack: exam DLP per exam type against the DRL, and median DLP by month.

Drawn like :mod:`qsi_desktop.export.charts` (its sizes, font and palette PNG encoder, reused here): a
``matplotlib.figure.Figure`` on its own Agg canvas, never pyplot; the app's colours; alt text that states
the figures; the same data as a table. Boxes are drawn from the audit's own quartiles (bars and lines,
not ``Axes.boxplot``), so the picture shows exactly the numbers in the table.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

from qsi_desktop.colours import NHS_BLUE, NHS_DARK_BLUE, NHS_DARK_GREY, NHS_GREEN, NHS_ORANGE, NHS_RED, TEXT
from qsi_desktop.dose.audit import ExamTypeDlp, MonthlyMedian
from qsi_desktop.export.charts import DPI, FONT, FONT_SIZE, WIDTH_CM, png_bytes, wrap_label
from qsi_desktop.export.drawing import one_at_a_time
from qsi_desktop.plugins.types import Figure, Table

BOX_FILL = "#c6dbf0"  # a pale NHS blue: the median line stays visible on it
# Lines by month: colour and marker both differ, so they tell apart in grey print and for colour blindness.
SERIES = ((NHS_BLUE, "o"), (NHS_ORANGE, "s"), (NHS_GREEN, "^"), (NHS_DARK_GREY, "D"), (NHS_RED, "v"))
MAX_SERIES = len(SERIES)  # more lines than this tangle; the table keeps every exam type


def _figure(height_in: float) -> tuple[MplFigure, Axes]:
    fig = MplFigure(figsize=(WIDTH_CM / 2.54, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=FONT_SIZE, labelcolor=TEXT, labelfontfamily=FONT)
    return fig, ax


def _label(ax: Axes, text: str, axis: str) -> None:
    setter = ax.set_xlabel if axis == "x" else ax.set_ylabel
    setter(text, fontfamily=FONT, fontsize=FONT_SIZE, color=TEXT)


@one_at_a_time
def dlp_box_plot(boxes: Sequence[ExamTypeDlp], *, drl_name: str) -> Figure:
    """One box per exam type (quartiles, median, whiskers to the lowest and highest exam) with its DRL."""
    fig, ax = _figure(0.7 + 0.42 * max(len(boxes), 1))
    ys = range(len(boxes))
    for y, box in zip(ys, boxes, strict=True):
        s = box.dlp
        ax.barh(y, s.q3 - s.q1, left=s.q1, height=0.5, color=BOX_FILL, edgecolor=NHS_BLUE, linewidth=1)
        ax.plot([s.minimum, s.q1], [y, y], [s.q3, s.maximum], [y, y], color=NHS_BLUE, linewidth=1)
        ax.plot([s.median, s.median], [y - 0.25, y + 0.25], color=NHS_DARK_BLUE, linewidth=2.2)
        if box.drl_dlp_mgycm is not None:
            ax.plot([box.drl_dlp_mgycm] * 2, [y - 0.4, y + 0.4], color=NHS_RED, linewidth=1.6, linestyle="--")
    ax.set_yticks(list(ys), [wrap_label(b.exam_type) for b in boxes], fontfamily=FONT, fontsize=FONT_SIZE, color=TEXT)
    ax.set_ylim(max(len(boxes), 1) - 0.5, -0.5)
    ax.set_xlim(left=0)
    _label(ax, "Exam DLP (mGy.cm)", "x")
    if any(b.drl_dlp_mgycm is not None for b in boxes):
        ax.plot([], [], color=NHS_RED, linestyle="--", label=f"DRL ({drl_name})")
        ax.plot([], [], color=NHS_DARK_BLUE, linewidth=2.2, label="Median")
        # Above the plot, never over a box.
        fig.legend(loc="outside upper center", ncols=2, frameon=False, prop={"family": FONT, "size": FONT_SIZE - 0.5})

    def words(box: ExamTypeDlp) -> str:
        s = box.dlp
        text = f"{box.exam_type}: median {s.median:g} (quartiles {s.q1:g} to {s.q3:g}; {s.n} exams)"
        if box.drl_dlp_mgycm is not None:
            relation = "above" if s.median > box.drl_dlp_mgycm else "at or below"
            text += f", {relation} the DRL of {box.drl_dlp_mgycm:g}"
        return text

    return Figure(
        png=png_bytes(fig),
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


@one_at_a_time
def median_dlp_by_month(monthly: Sequence[MonthlyMedian]) -> Figure:
    """Median adult exam DLP per month, one line for each of the commonest exam types."""
    counts: dict[str, int] = {}
    for m in monthly:
        counts[m.exam_type] = counts.get(m.exam_type, 0) + m.exams
    shown = sorted(counts, key=lambda t: (-counts[t], t))[:MAX_SERIES]
    months = sorted({m.month for m in monthly})
    fig, ax = _figure(2.8)
    for (colour, marker), exam_type in zip(SERIES, shown, strict=False):
        points = [(months.index(m.month), m.median_dlp_mgycm) for m in monthly if m.exam_type == exam_type]
        xs, ys = zip(*points, strict=True)
        ax.plot(xs, ys, color=colour, marker=marker, markersize=4, linewidth=1.4, label=exam_type)
    ax.set_xticks(range(len(months)), months, rotation=45 if len(months) > 6 else 0, ha="right")
    ax.set_ylim(bottom=0)
    _label(ax, "Median exam DLP (mGy.cm)", "y")
    if shown:
        ax.legend(loc="best", frameon=False, prop={"family": FONT, "size": FONT_SIZE - 0.5})
    left_out = len(counts) - len(shown)
    series = "; ".join(
        f"{t}: " + ", ".join(f"{m.month} {m.median_dlp_mgycm:g}" for m in monthly if m.exam_type == t) for t in shown
    )
    return Figure(
        png=png_bytes(fig),
        caption="Median adult exam DLP by month"
        + (f" ({len(shown)} commonest exam types; all {len(counts)} in the table)" if left_out else ""),
        alt_text=f"Lines of median adult exam DLP in mGy.cm by month. {series or 'No exams'}.",
        table=Table(
            columns=("Exam type", "Month", "Exams", "Median DLP (mGy.cm)"),
            rows=tuple((m.exam_type, m.month, m.exams, m.median_dlp_mgycm) for m in monthly),
            caption="Median adult exam DLP by month",
        ),
    )
