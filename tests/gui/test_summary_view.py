"""The modalities' summaries tabs: an imported log's compliance and chart appear in the window, they
follow a new import, a failing plugin section shows its reason while the others still show.

``QSI_SCREENSHOTS=1`` also saves ``docs/screenshots/us-summaries.png``."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from qsi_desktop.gui.panels import show_page
from qsi_desktop.gui.summary_view import SummaryView
from qsi_desktop.plugins.types import ReportSection
from qsi_desktop.services import importing
from qsi_desktop.services.summaries import modality_summaries

ROOT = Path(__file__).resolve().parents[2]


def _summary_tab(window: object, title: str) -> SummaryView:
    window.main_tabs.setCurrentWidget(window.modalities)  # builds the Modalities pages
    view = show_page(window.modalities, title)
    assert isinstance(view, SummaryView)
    return view


def _log(path: Path, results: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Probe ID", "Date", "Time", "Examination category", "Method", "Result"])
        for number, result in enumerate(results):
            writer.writerow(["TV-NEW", "2026-11-02", f"09:{number:02d}", "intracavity", "Trophon EPR", result])
    return path


def test_the_us_summaries_show_the_demo_logs_compliance_with_its_chart(qtbot, window: object) -> None:
    view = _summary_tab(window, "US / Summaries")
    qtbot.waitUntil(lambda: bool(view.summaries), timeout=20_000)
    text = view.browser.toPlainText()
    assert "Transducer decontamination" in text or "decontamination" in text.lower()
    assert "%" in text  # the compliance figures
    html = view.browser.document().toHtml()
    assert "<img" in html and "alt=" in html  # the chart, with its alt text
    assert view.browser.accessibleName() == "Ultrasound summaries" or view.browser.accessibleName().endswith(
        "summaries"
    )
    if os.environ.get("QSI_SCREENSHOTS"):
        window.resize(1366, 768)
        qtbot.wait(300)
        with qtbot.waitSignal(view.loaded, timeout=20_000):
            view.reload()
        window.grab().save(str(ROOT / "docs" / "screenshots" / "us-summaries.png"))


def test_a_new_import_is_shown_when_the_window_refreshes(qtbot, window: object, tmp_path: Path) -> None:
    view = _summary_tab(window, "US / Summaries")
    qtbot.waitUntil(lambda: bool(view.summaries), timeout=20_000)
    assert "TV-NEW" not in view.browser.toPlainText()
    log = _log(tmp_path / "new.csv", ["Fail", "Fail", "Pass"])
    summary = importing.run_import(window.workspace, window.app, "us-decontamination", [log], actor="test")
    assert summary.imported == 3
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        window.refresh()
    assert "TV-NEW" in view.browser.toPlainText()  # the failed cycles (or the unknown probe) are listed


def test_a_failing_section_says_why_and_the_others_still_show(window: object, monkeypatch: pytest.MonkeyPatch) -> None:
    app = window.app
    real = app.plugins.report_sections()

    def broken(_context: object) -> list[object]:
        raise KeyError("column")

    failing = ReportSection(id="us.broken", title="Broken summary", render=broken, modality="US", order=1)
    monkeypatch.setattr(app.plugins, "report_sections", lambda: [*real, failing])
    monkeypatch.setattr(app.plugins, "plugin_of", lambda _item: "us")
    summaries = modality_summaries(window.workspace, app, "US")
    assert summaries[0].title == "Broken summary"
    assert "KeyError" in summaries[0].error and not summaries[0].blocks
    assert any(s.blocks for s in summaries[1:])
