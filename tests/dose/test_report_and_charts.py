"""Report blocks of the dose audits, on a plain context and with the user's settings; the charts."""

from __future__ import annotations

from datetime import date

from qsi_desktop.dose import audit, charts, drl, report
from qsi_desktop.dose.exam_types import MapRule
from qsi_desktop.plugins.testing import SimpleReportContext
from qsi_desktop.plugins.types import REPORT_BLOCK_TYPES, BulletList, Figure, Paragraph, Table

AS_OF = date(2026, 12, 31)
SINCE, UNTIL = report.period(AS_OF)
PNG = b"\x89PNG\r\n\x1a\n"


def _head_exams(ct_exam) -> list[dict]:
    return [
        ct_exam(dlp, [(50.0, dlp - 5, "head")], month=f"2026-0{1 + i % 3}")
        for i, dlp in enumerate(range(700, 1200, 50))
    ]


def test_sections_say_so_plainly_without_records_or_modality() -> None:
    empty = SimpleReportContext(provided=frozenset({"CT", "IR"}), as_of=AS_OF)
    for render in (report.render_ct_drl_audit, report.render_ir_dose_audit, report.render_ir_high_dose):
        (block,) = render(empty)
        assert block.style == "note" and "No " in block.text and "31 December 2025 and 31 December 2026" in block.text
        (block,) = render(SimpleReportContext(as_of=AS_OF))
        assert "does not provide" in block.text


def test_on_a_plain_context_nothing_is_mapped_and_suggestions_are_listed(ct_exam) -> None:
    context = SimpleReportContext({"ct-dose": _head_exams(ct_exam)}, frozenset({"CT"}), AS_OF)
    blocks = report.render_ct_drl_audit(context)
    assert "10 CT exams" in blocks[0].text and "0 mapped" in blocks[0].text
    (table,) = [b for b in blocks if isinstance(b, Table)]
    assert table.rows == (("CT HEAD", 10, "Head (acute stroke)"),)


def test_ct_blocks_with_a_mapping_flag_the_median_and_draw_two_figures(ct_exam) -> None:
    chosen = report.AuditSettings(ct_rules=(MapRule("head", "Head (acute stroke)"),))
    blocks = report.ct_audit_blocks(_head_exams(ct_exam), chosen, SINCE, UNTIL)
    assert all(isinstance(b, REPORT_BLOCK_TYPES) for b in blocks)
    assert blocks[1].style == "warning" and isinstance(blocks[2], BulletList)
    assert "median DLP 925 mGy.cm" in blocks[2].items[0]  # 700..1150 step 50: median 925 > 790
    dlp_table, ctdivol_table = (b for b in blocks if isinstance(b, Table))
    assert dlp_table.rows[0][:8] == (
        "Head (acute stroke)",
        "GE MEDICAL SYSTEMS Revolution CT",
        "adult",
        "head",
        10,
        812.5,
        925.0,
        1037.5,
    )
    assert dlp_table.rows[0][8:] == (790.0, "median above the DRL")
    assert ctdivol_table.rows[0][4:9] == (10, 50.0, 50.0, 50.0, 47.0)
    box, monthly = (b for b in blocks if isinstance(b, Figure))
    assert box.png.startswith(PNG) and monthly.png.startswith(PNG)
    assert "Head (acute stroke): median 925 (quartiles 812.5 to 1037.5; 10 exams), above the DRL of 790" in box.alt_text
    assert box.table.rows[0] == ("Head (acute stroke)", 10, 700.0, 812.5, 925.0, 1037.5, 1150.0, 790.0)
    assert "2026-01" in monthly.alt_text and len(monthly.table.rows) == 3


def test_charts_are_deterministic(ct_exam) -> None:
    result = audit.ct_audit(_head_exams(ct_exam), drl.national_ct(), [MapRule("head", "Head (acute stroke)")])
    first = charts.dlp_box_plot(result.by_exam_type, drl_name="x")
    assert first.png == charts.dlp_box_plot(result.by_exam_type, drl_name="x").png
    assert charts.median_dlp_by_month(()).alt_text.endswith("No exams.")


def test_ir_blocks_without_a_table_and_the_high_dose_list(ir_study) -> None:
    records = [ir_study(rp=rp, month="2026-05") for rp in (1000.0, 7000.0)]
    context = SimpleReportContext({"ir-dose": records}, frozenset({"IR"}), AS_OF)
    intro, table = report.render_ir_dose_audit(context)
    assert "No fluoroscopy reference table" in intro.text and table.rows[0][:3] == ("Hepatic embolisation", 2, 50.0)
    intro, listed = report.render_ir_high_dose(context)
    assert "above 5 Gy" in intro.text and listed.rows == (("2026-05", "Siemens Artis Q", 7000.0),)
    chosen = report.AuditSettings(threshold_mgy=8000.0)
    (only,) = report.high_dose_blocks(records, chosen, SINCE, UNTIL)
    assert isinstance(only, Paragraph) and "None of 2 studies" in only.text


def test_the_csv_makes_formula_text_inert(ct_exam, tmp_path) -> None:
    from qsi_desktop.dose.export import write_ct_audit_csv

    records = [ct_exam(500, [], description='=HYPERLINK("http://x")')]
    result = audit.ct_audit(records, drl.national_ct(), [])
    path = write_ct_audit_csv(result, [], tmp_path / "a.csv", made_on=AS_OF, reproduce="qsi dose audit WS")
    text = path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


def _picture(png: bytes):
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.width == 1259
    white = (255, 255, 255)
    # Nothing runs off the picture: its outermost columns and rows are blank.
    edges = [(x, y) for x in (0, image.width - 1) for y in range(image.height)]
    edges += [(x, y) for y in (0, image.height - 1) for x in range(image.width)]
    assert all(image.getpixel(p) == white for p in edges)
    return image


def _has(image, colour: str, run: int = 1) -> bool:
    wanted = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return any(c == wanted for _, c in image.getcolors(1 << 16) or [])


def test_box_plot_edge_cases_stay_inside_the_picture() -> None:
    from qsi_desktop.colours import NHS_DARK_BLUE, NHS_RED

    long = "CT chest abdomen and pelvis with contrast, portal venous phase, split bolus, low dose protocol v2"
    cases = {
        "one exam type, all equal": [audit.ExamTypeDlp("Head", audit.Stats(1, 500, 500, 500, 500, 500), None)],
        "DRL far above": [audit.ExamTypeDlp("Head", audit.Stats(5, 10, 20, 30, 40, 50), 5000.0)],
        "very large": [audit.ExamTypeDlp(long, audit.Stats(9, 1e6, 2e7, 3e7, 9e7, 123_456_789), 1e8)],
        "all zero": [audit.ExamTypeDlp("Zero", audit.Stats(3, 0, 0, 0, 0, 0), None)],
        "none": [],
    }
    for name, boxes in cases.items():
        figure = charts.dlp_box_plot(boxes, drl_name="national 2022")
        image = _picture(figure.png)
        assert _has(image, NHS_DARK_BLUE) == bool(boxes), name  # the median line
        assert _has(image, NHS_RED) == any(b.drl_dlp_mgycm for b in boxes), name  # the DRL, dashed red
    assert charts.dlp_box_plot([], drl_name="x").alt_text.endswith("No exams.")


def test_month_lines_over_three_years_and_five_long_series() -> None:
    names = [f"Exam type with a rather long descriptive name number {i}" for i in range(7)]
    monthly = [
        audit.MonthlyMedian(name, f"{2024 + m // 12}-{m % 12 + 1:02d}", 10 - i, 300.0 + 40 * i + m)
        for i, name in enumerate(names)
        for m in range(36)
    ]
    figure = charts.median_dlp_by_month(monthly)
    image = _picture(figure.png)
    for colour, _ in charts.SERIES:  # five lines, each in its colour
        assert _has(image, colour)
    assert "(5 commonest exam types; all 7 in the table)" in figure.caption
    assert len(figure.table.rows) == 7 * 36
