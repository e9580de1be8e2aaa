"""The pack's charts: small deterministic PNGs with alt text and a table of the same data, drawn with
Pillow (no matplotlib, numpy or Qt), safe to draw from several threads at once."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from qsi_desktop.colours import TEXT
from qsi_desktop.export import charts
from qsi_desktop.plugins.types import Figure, StatusCell
from qsi_desktop.services.app import App
from qsi_desktop.services.demo import build_demo
from qsi_desktop.services.readiness import readiness, readiness_percent
from qsi_desktop.store.workspace import Workspace

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SECTIONS = [
    ("XR-1 Patient information, support and experience", {"met": 3, "partially_met": 1, "not_started": 2}),
    ("XR-2 Workforce", {"met": 4, "partially_met": 2, "in_progress": 1, "not_met": 1, "not_applicable": 2}),
    ("MR-9 Magnetic resonance imaging", {"not_applicable": 4}),
]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def assert_small_png(figure: Figure) -> None:
    width, height = png_size(figure.png)
    assert width == 1259  # 16 cm at 200 dpi
    assert 50 < height < 2400
    assert len(figure.png) < 60_000
    assert b"tEXt" not in figure.png and b"tIME" not in figure.png  # nothing that changes between runs


def test_readiness_by_section() -> None:
    figure = charts.readiness_by_section(SECTIONS, overall_percent=61.5)
    assert_small_png(figure)
    assert "61.5%" in figure.caption
    assert "Overall readiness 61.5%" in figure.alt_text
    assert "XR-1 Patient information, support and experience: 58.3% (3 met, 1 partially met, 2 not started of 6" in (
        figure.alt_text
    )
    assert "XR-2 Workforce: 62.5% (4 met, 2 partially met, 1 in progress, 1 not met of 8 applicable)" in figure.alt_text
    assert "MR-9 Magnetic resonance imaging: not applicable" in figure.alt_text
    table = figure.table
    assert table is not None
    assert table.columns == (
        "Section",
        "Met",
        "Partially met",
        "In progress",
        "Not started",
        "Not met",
        "Not applicable",
        "Applicable",
        "Readiness (%)",
    )
    assert table.rows == (
        ("XR-1 Patient information, support and experience", 3, 1, 0, 2, 0, 0, 6, 58.3),
        ("XR-2 Workforce", 4, 2, 1, 0, 1, 2, 8, 62.5),
        ("MR-9 Magnetic resonance imaging", 0, 0, 0, 0, 0, 4, 0, None),
    )


def test_status_counts() -> None:
    counts = {"met": 7, "partially_met": 3, "in_progress": 1, "not_started": 2, "not_met": 1, "not_applicable": 6}
    figure = charts.status_counts(counts)
    assert_small_png(figure)
    assert figure.alt_text == (
        "Bars of statements per status. Of 20 statements: 7 met, 3 partially met, 1 in progress, 2 not started, "
        "1 not met, 6 not applicable. Readiness 60.7%."
    )
    assert figure.table is not None
    assert figure.table.columns == ("Status", "Statements", "Share (%)")
    assert figure.table.rows[0] == (StatusCell("met"), 7, 35.0)
    assert [row[0].status for row in figure.table.rows] == list(charts.STATUS_ORDER)  # type: ignore[union-attr]
    assert sum(row[1] for row in figure.table.rows) == 20  # type: ignore[misc]


def test_bar_chart_for_plugins() -> None:
    figure = charts.bar_chart(
        ["CT room 1", "CT room 2", "Mobile CT trailer at the community hospital site"],
        [98.5, 91.0, 87.5],
        title="QA pass rate per unit",
        value_label="Pass rate (%)",
        caption="Daily QA pass rate per CT unit, 2025",
        alt_text_intro="Daily QA pass rate per CT unit in 2025.",
        category_label="Unit",
        value_format="{:.1f}%",
    )
    assert_small_png(figure)
    assert figure.caption == "Daily QA pass rate per CT unit, 2025"
    assert figure.alt_text.startswith("Daily QA pass rate per CT unit in 2025: CT room 1 98.5%; CT room 2 91.0%;")
    assert "Highest: CT room 1 98.5%; lowest: Mobile CT trailer at the community hospital site 87.5%." in (
        figure.alt_text
    )
    assert figure.table is not None
    assert figure.table.caption == "QA pass rate per unit"
    assert figure.table.columns == ("Unit", "Pass rate (%)")
    assert figure.table.rows[2] == ("Mobile CT trailer at the community hospital site", 87.5)


def test_bar_chart_edge_cases() -> None:
    with pytest.raises(ValueError, match="2 categories but 1 values"):
        charts.bar_chart(["a", "b"], [1], title="t", value_label="v", caption="c", alt_text_intro="x")
    empty = charts.bar_chart([], [], title="t", value_label="v", caption="c", alt_text_intro="Nothing")
    assert_small_png(empty)
    assert empty.alt_text == "Nothing: no data."
    negative = charts.bar_chart(["up", "down"], [3, -2], title="t", value_label="v", caption="c", alt_text_intro="x")
    assert_small_png(negative)


def test_same_data_same_bytes_even_from_threads() -> None:
    first = charts.readiness_by_section(SECTIONS, overall_percent=61.5).png
    assert charts.readiness_by_section(SECTIONS, overall_percent=61.5).png == first
    with ThreadPoolExecutor(max_workers=2) as pool:
        pngs = list(pool.map(lambda _: charts.readiness_by_section(SECTIONS, overall_percent=61.5).png, range(4)))
    assert set(pngs) == {first}
    changed = [(SECTIONS[0][0], {**SECTIONS[0][1], "met": 4}), *SECTIONS[1:]]
    assert charts.readiness_by_section(changed, overall_percent=61.5).png != first


def test_chart_colours_are_the_apps_status_colours() -> None:
    pytest.importorskip("PySide6")
    from qsi_desktop.colours import STATUS_BADGE

    assert charts.STATUS_COLOURS == STATUS_BADGE
    assert set(charts.STATUS_ORDER) == set(STATUS_BADGE)


def test_section_readiness_uses_the_summarys_rule(tmp_path: Path, full_app: App) -> None:
    # The demo's sections, charted: each section's readiness follows the rule the app's summary uses.
    ws = Workspace.open(build_demo(tmp_path / "demo", full_app))
    try:
        state = readiness(ws, full_app)
    finally:
        ws.close()
    assert readiness_percent(state.counts) == state.readiness_percent
    figure = charts.readiness_by_section(list(state.sections.items()), overall_percent=state.readiness_percent)
    assert figure.table is not None
    assert [row[0] for row in figure.table.rows] == list(state.sections)
    for row, counts in zip(figure.table.rows, state.sections.values(), strict=True):
        assert row[-1] == (readiness_percent(counts) if row[-2] else None)
    assert f"Overall readiness {state.readiness_percent:.1f}%" in figure.alt_text


_FRESH = """
import json, sys
from qsi_desktop.colours import TEXT
from qsi_desktop.export import charts
charts.readiness_by_section([("XR-2 Workforce", {"met": 1})], overall_percent=100.0)
charts.status_counts({"met": 1})
charts.bar_chart(["a"], [1.0], title="t", value_label="v", caption="c", alt_text_intro="x")
print(json.dumps(sorted(m for m in ("matplotlib", "numpy", "PySide6") if m in sys.modules)))
"""


def test_no_matplotlib_numpy_or_qt_in_a_fresh_interpreter() -> None:
    done = subprocess.run([sys.executable, "-c", _FRESH], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_the_palette_keeps_white_and_the_status_colours_exact() -> None:
    counts = {status: 2 for status in charts.STATUS_ORDER}
    image = Image.open(io.BytesIO(charts.status_counts(counts).png)).convert("RGB")
    colours = {rgb for _, rgb in image.getcolors(4096)}
    wanted = {"#ffffff", TEXT, *(fill for fill, _ in charts.STATUS_COLOURS.values())}
    assert {tuple(int(hex_[i : i + 2], 16) for i in (1, 3, 5)) for hex_ in wanted} <= colours


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def _rows_of(image: Image.Image, colour: str, run: int = 20) -> list[int]:
    """The y of every pixel row with ``run`` pixels of ``colour`` side by side: a bar or a swatch, not the
    strokes of a word written in that colour."""
    wanted = _rgb(colour)
    found = []
    for y in range(image.height):
        width = 0
        for x in range(image.width):
            width = width + 1 if image.getpixel((x, y)) == wanted else 0
            if width >= run:
                found.append(y)
                break
    return found


def test_each_status_bar_is_in_its_row_in_its_colour() -> None:
    counts = {"met": 7, "partially_met": 3, "in_progress": 1, "not_started": 2, "not_met": 1, "not_applicable": 6}
    image = _image(charts.status_counts(counts).png)
    row = image.height / len(charts.STATUS_ORDER)
    for i, status in enumerate(charts.STATUS_ORDER):
        ys = _rows_of(image, charts.STATUS_COLOURS[status][0])
        assert ys, status
        assert i * row < min(ys) and max(ys) < (i + 1) * row, status  # in its own row, first at the top

    # The longest bar is met's (7): it reaches furthest right.
    def right_end(colour: str) -> int:
        wanted = _rgb(colour)
        y = _rows_of(image, colour)[len(_rows_of(image, colour)) // 2]
        return max(x for x in range(image.width) if image.getpixel((x, y)) == wanted)

    ends = {s: right_end(charts.STATUS_COLOURS[s][0]) for s in ("met", "partially_met", "not_met")}
    assert ends["met"] > ends["partially_met"] > ends["not_met"]


def test_readiness_chart_has_a_legend_above_and_a_stacked_bar_per_section() -> None:
    image = _image(charts.readiness_by_section(SECTIONS, overall_percent=61.5).png)
    green, red = _rows_of(image, charts.STATUS_COLOURS["met"][0]), _rows_of(image, charts.STATUS_COLOURS["not_met"][0])
    # Met appears in the legend (top) and in both applicable sections' bars; not met in the legend and XR-2's.
    legend_bottom = min(y for y in green if y > 60) - 1
    assert min(green) < 60 and min(red) < 60, "the legend's swatches at the top"
    assert {y // 10 for y in red if y > legend_bottom} < {y // 10 for y in green if y > legend_bottom}
    # The third section (nothing applicable) has no bar, only "not applicable" written (in a muted colour).
    third = image.height * 2 // 3 + 10
    for fill, _ in charts.STATUS_COLOURS.values():
        assert not [y for y in _rows_of(image, fill) if y > third], fill


def _bar(values: list[float], categories: list[str] | None = None, fmt: str = "{:g}"):
    categories = categories or [f"Room {i}" for i in range(len(values))]
    return charts.bar_chart(
        categories, values, title="t", value_label="v", caption="c", alt_text_intro="x", value_format=fmt
    )


def _margins_are_white(image: Image.Image) -> bool:
    """Nothing drawn into the outermost pixel columns: no label ran off the picture."""
    white = (255, 255, 255)
    return all(image.getpixel((x, y)) == white for x in (0, image.width - 1) for y in range(image.height))


@pytest.mark.parametrize(
    ("values", "categories", "fmt"),
    [
        ([0.0, 0.0, 0.0], None, "{:g}"),  # all zero
        ([42.0], None, "{:g}"),  # one category
        ([0.0, 12.5], None, "{:g}%"),  # a zero among others
        ([123_456_789.0, 98_765_432.0, 1.0], None, "{:,.0f} mGy.cm"),  # very large numbers, long value labels
        (
            [3.0, 2.0],
            [
                "CT abdomen and pelvis with contrast portal venous phase split bolus low dose protocol v2",
                "Supercalifragilisticexpialidociousprotocolnamewithoutanyspaces",
            ],
            "{:g}",
        ),  # long protocol names, one without a space
        ([5.0, -3.0, 0.0], None, "{:g}"),  # both ways
        ([float("nan"), 2.0, float("inf")], None, "{:g}"),  # missing values: no bar, the text says nan
        ([float(i) for i in range(30)], None, "{:g}"),  # more bars than a page holds comfortably
    ],
)
def test_bar_chart_fits_its_labels_and_values(values: list[float], categories: list[str] | None, fmt: str) -> None:
    figure = _bar(values, categories, fmt)
    assert_small_png(figure)
    image = _image(figure.png)
    assert _margins_are_white(image)
    if any(values):
        assert _rows_of(image, charts.NHS_BLUE)  # the bars
    if categories:  # the table keeps the names whole, the picture cuts them
        assert figure.table is not None and figure.table.rows[0][0] == categories[0]


def test_charts_drawn_from_several_threads_are_the_same_as_one_at_a_time() -> None:
    from qsi_desktop.dose import charts as dose_charts
    from qsi_desktop.dose.audit import ExamTypeDlp, MonthlyMedian, Stats

    boxes = [ExamTypeDlp("Head", Stats(20, 600, 800, 900, 1000, 1300), 970.0)]
    monthly = [MonthlyMedian("Head", f"2026-{m:02d}", 5, 900 + m) for m in range(1, 13)]
    draws = [
        lambda: charts.readiness_by_section(SECTIONS, overall_percent=61.5).png,
        lambda: _bar([float(i) for i in range(12)]).png,
        lambda: dose_charts.dlp_box_plot(boxes, drl_name="national").png,
        lambda: dose_charts.median_dlp_by_month(monthly).png,
    ]
    alone = [draw() for draw in draws]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda i: draws[i % 4](), range(16)))
    assert together == alone * 4
