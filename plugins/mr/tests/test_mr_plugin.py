"""The MR plugin: registrations, conformance and the environment monitoring log."""

from __future__ import annotations

import os
from pathlib import Path

from qsi_plugin_mr import plugin

from qsi_desktop.plugins.manager import PluginManager
from qsi_desktop.plugins.testing import SimpleImportContext, SimpleReportContext, check_plugin

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


# -- registrations and report ------------------------------------------------------------------------


def test_plugin_registers_modality_checklists_importer_and_report() -> None:
    manager = PluginManager(plugins=["qsi_plugin_mr.plugin"])
    assert not [f for f in manager.failures if f.name == "mr"]
    assert manager.modalities() == [plugin.MODALITY]
    assert [i.name for i in manager.importers()] == ["mr-environment"]  # the equipment register imports itself
    assert [s.id for s in manager.report_sections()] == ["mr.zone-maps", "mr.equipment-summary", "mr.environment"]
    templates = manager.checklists()
    assert {t.id for t in templates} == {"mr.safety-roles", "mr.zone-map", "mr.qa-environment"}
    assert all(t.items and t.modality == "MR" for t in templates)


# -- GUI ----------------------------------------------------------------------------------------------


def test_conformance() -> None:
    """Loads cleanly, refs resolve, ids prefixed, no Qt, reports render empty, bad files give issues."""
    manager = check_plugin("qsi_plugin_mr.plugin")
    assert [m.code for m in manager.modalities()] == ["MR"]


# -- the environment monitoring log ------------------------------------------------------------------

ENVIRONMENT_LOG = """Date,Time,Room,Temperature (C),Humidity (%),O2 (%)
03/03/2026,08:00,MR 1,20.5,45,20.9
03/03/2026,08:05,MR 2,24.1,50,20.8
04/03/2026,08:00,MR 1,19.0,,19.2
04/03/2026,08:00,MR 3,21,40,20.9
05/03/2026,08:00,MR 1,hot,45,20.9
"""


def test_environment_log_against_the_limits_each_room_keeps(tmp_path: Path) -> None:
    from qsi_plugin_mr import environment

    batch = environment.run([write(tmp_path / "environment.csv", ENVIRONMENT_LOG)], SimpleImportContext())
    assert [(r.data["room"], r.data["temperature_c"], r.data["oxygen_pct"]) for r in batch.records] == [
        ("MR 1", 20.5, 20.9),
        ("MR 2", 24.1, 20.8),
        ("MR 1", 19.0, 19.2),
        ("MR 3", 21.0, 20.9),
    ]
    assert [(i.row, i.reason) for i in batch.rejected] == [(6, "temperature: 'hot' is not a number")]
    records = [{**r.data, "occurred_on": r.occurred_on} for r in batch.records]
    summary, _table = environment.render(SimpleReportContext({"mr-environment": records}, frozenset({"MR"})))
    assert "No limits are recorded yet" in summary.text
    limits = [
        {"room": "mr 1", "temperature_c_min": 18, "temperature_c_max": 22, "oxygen_pct_min": 19.5},
        {"room": "MR 2", "temperature_c_max": 22},
    ]
    context = SimpleReportContext(
        {"mr-environment": records}, frozenset({"MR"}), rows_by_register={"mr.environment-limits": limits}
    )
    summary, by_month, outside = environment.render(context)
    assert summary.text.startswith("4 readings in 3 rooms; 2 outside the room's limits.")
    assert outside.rows == (("2026-03-03", "MR 2", "temperature"), ("2026-03-04", "MR 1", "oxygen"))
    assert ("MR 3", "2026-03", 1, 0, 1) in by_month.rows  # no limits for MR 3: counted as not checked
