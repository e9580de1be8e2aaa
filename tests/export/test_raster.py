"""The Pillow drawing helpers: round axis ticks, labels fitted to their room, exact colours in the PNG."""

from __future__ import annotations

import io
import math
import threading

import pytest
from PIL import Image

from qsi_desktop.export import raster


@pytest.mark.parametrize(
    ("span", "most", "step"),
    [
        (1350, 6, 500),
        (1350, 8, 200),
        (1000, 6, 200),
        (100, 5, 20),
        (7, 6, 2),
        (1, 6, 0.2),
        (0.034, 6, 0.01),
        (123_456_789, 6, 50_000_000),
        (6, 6, 1),  # exactly six steps of one
    ],
)
def test_nice_step_is_one_two_or_five_times_a_power_of_ten(span: float, most: int, step: float) -> None:
    found = raster.nice_step(span, most)
    assert found == pytest.approx(step)
    mantissa = found / 10 ** math.floor(math.log10(found))
    assert round(mantissa, 9) in (1, 2, 5)
    assert span / found <= most + 1e-9


@pytest.mark.parametrize("span", [0, -5, float("nan"), float("inf")])
def test_nice_step_without_a_range_is_one(span: float) -> None:
    assert raster.nice_step(span) == 1.0


def test_ticks_cover_the_range_at_round_numbers() -> None:
    assert raster.ticks(0, 1350) == [0, 500, 1000, 1500]
    assert raster.ticks(0, 940) == [0, 200, 400, 600, 800, 1000]
    assert raster.ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]  # all zero: still an axis
    assert raster.ticks(-3, 5) == [-4, -2, 0, 2, 4, 6]
    assert raster.ticks(0, 0.3)[:4] == [0, 0.05, 0.1, 0.15]  # no 0.15000000000000002


def test_tick_labels_have_the_decimals_the_step_needs() -> None:
    assert raster.tick_label(1500, 500) == "1,500"
    assert raster.tick_label(0.25, 0.05) == "0.25"
    assert raster.tick_label(0.2, 0.2) == "0.2"
    assert raster.tick_label(150_000_000, 50_000_000) == "150,000,000"
    assert raster.tick_label(-2, 2) == "\u22122"


FACE = raster.font(9.5)


@pytest.mark.parametrize(
    "text",
    [
        "CT abdomen and pelvis with contrast portal venous phase split bolus low dose protocol version 2",
        "Supercalifragilisticexpialidociousprotocolnamewithoutanyspacesatall",
        "Renogram",
        "Myocardial perfusion (stress)",
        "",
        "  spaces   around  ",
    ],
)
def test_fit_lines_never_exceeds_the_room_or_the_line_count(text: str) -> None:
    width = 300
    lines = raster.fit_lines(text, FACE, width, max_lines=2)
    assert 1 <= len(lines) <= 2
    assert all(FACE.getlength(line) <= width for line in lines)
    whole = " ".join(text.split())
    if FACE.getlength(whole) <= width:
        assert lines == [whole]  # what fits stays whole, on one line
    elif " ".join(lines) != whole:
        assert lines[-1].endswith(raster.ELLIPSIS)  # what was cut says so


def test_two_lines_are_balanced_and_keep_every_word_when_they_fit() -> None:
    text = "XR-1 Patient information, support and experience"
    lines = raster.fit_lines(text, FACE, 430)
    assert " ".join(lines) == text
    first, second = (FACE.getlength(line) for line in lines)
    assert abs(first - second) < FACE.getlength("information,")  # not a long line and one word


def test_ellipsize() -> None:
    assert raster.ellipsize("short", FACE, 500) == "short"
    cut = raster.ellipsize("a rather long label for a chart", FACE, 150)
    assert cut.endswith(" …") and FACE.getlength(cut) <= 150 and cut.startswith("a rather")
    assert raster.ellipsize("x" * 200, FACE, 60).endswith("…")
    assert raster.ellipsize("anything", FACE, 1) == "…"


def test_fonts_are_pillows_embedded_truetype_one_per_thread() -> None:
    assert raster.font(9).getname() == ("Aileron", "Regular")
    assert raster.font(9) is raster.font(9)
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(raster.font(9)))
    thread.start()
    thread.join()
    assert other[0] is not raster.font(9)  # a FreeType face is not shared between threads


def test_dashes_follow_the_pattern_and_turn_corners() -> None:
    runs = raster._dashes([(0, 0), (10, 0), (10, 10)], (4, 2))
    assert runs[0] == [(0, 0), (4.0, 0.0)]
    assert runs[1] == [(6.0, 0.0), (10.0, 0.0)]
    assert runs[2] == [(0.0 + 10, 2.0), (10.0, 6.0)]  # the dash after a gap round the corner
    corner = raster._dashes([(0, 0), (3, 0), (3, 3)], (5, 1))[0]
    assert corner == [(0, 0), (3, 0), (3.0, 2.0)]  # one dash bent round the corner


def test_the_png_keeps_the_apps_colours_exact_and_is_repeatable() -> None:
    canvas = raster.Canvas(300, 120)
    canvas.rect((10, 10, 150, 60), fill="#d5281b")
    canvas.line([(10, 90), (290, 95)], "#005eb8", 2.0)
    canvas.polygon([(160, 10), (290, 10), (290, 60)], fill="#330072", alpha=0.3)
    canvas.text((20, 100), "Exam DLP 1,200", size=9)
    image = canvas.finish()
    png = raster.png(image, colours=32, keep=["#330072"])
    assert png == raster.png(image, colours=32, keep=["#330072"])
    assert b"tIME" not in png and b"tEXt" not in png
    with Image.open(io.BytesIO(png)) as read:
        assert read.info["dpi"] == pytest.approx((200, 200), abs=0.01)
        colours = {c for _, c in read.convert("RGB").getcolors(4096) or []}
    assert {(255, 255, 255), (213, 40, 27)} <= colours  # white and NHS red, as given
    assert len(colours) <= 32


def test_legend_falls_back_to_one_column_and_cuts_what_cannot_fit() -> None:
    keys = [(raster.box_swatch("#005eb8"), f"A label of some length {i}") for i in range(4)]
    two = raster.Legend(keys, 1200, 8.5, columns=2)
    one = raster.Legend(keys, 400, 8.5, columns=2)  # too narrow for two columns side by side
    assert two.height == 2 * two.row_height and one.height == 4 * one.row_height
    keys = [(raster.box_swatch("#005eb8"), "A label of some length " * 3) for _ in range(4)]
    canvas = raster.Canvas(300, round(one.height) + 4)
    raster.Legend(keys, 300, 8.5).draw(canvas, 0, 0)  # each label longer than the picture: cut, not spilled
    image = canvas.finish()
    assert all(image.getpixel((299, y)) == (255, 255, 255) for y in range(image.height))
