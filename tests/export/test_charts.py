"""The pack's charts: small deterministic PNGs with alt text and a table of the same data, drawn without
pyplot or Qt."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

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
from qsi_desktop.export import charts
charts.readiness_by_section([("XR-2 Workforce", {"met": 1})], overall_percent=100.0)
charts.status_counts({"met": 1})
charts.bar_chart(["a"], [1.0], title="t", value_label="v", caption="c", alt_text_intro="x")
print(json.dumps({"pyplot": "matplotlib.pyplot" in sys.modules, "qt": "PySide6" in sys.modules}))
"""


def test_no_pyplot_and_no_qt_in_a_fresh_interpreter() -> None:
    done = subprocess.run([sys.executable, "-c", _FRESH], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["pyplot"] is False
    assert result["qt"] is False


def test_the_palette_keeps_white_and_the_status_colours_exact() -> None:
    from PIL import Image

    counts = {status: 2 for status in charts.STATUS_ORDER}
    image = Image.open(io.BytesIO(charts.status_counts(counts).png)).convert("RGB")
    colours = {rgb for _, rgb in image.getcolors(4096)}
    wanted = {"#ffffff", charts.TEXT, *(fill for fill, _ in charts.STATUS_COLOURS.values())}
    assert {tuple(int(hex_[i : i + 2], 16) for i in (1, 3, 5)) for hex_ in wanted} <= colours
