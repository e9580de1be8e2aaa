"""The CT plugin: registrations (no importer until the dose work), the registers report and panel."""

from __future__ import annotations

import os

from qsi_plugin_ct import plugin
from qsi_plugin_ct.checklists import CHECKLISTS
from qsi_plugin_ct.report import render

from qsi_desktop.plugins.manager import PluginManager
from qsi_desktop.plugins.testing import SimpleReportContext, check_plugin
from qsi_desktop.plugins.types import Paragraph, Table

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

MODULE = "qsi_plugin_ct.plugin"
SECTION = "CT-9"


def test_plugin_registers_modality_checklists_and_report() -> None:
    manager = PluginManager(plugins=[MODULE])
    assert not [f for f in manager.failures if f.name == plugin.PLUGIN_NAME]
    assert manager.modalities() == [plugin.MODALITY]
    assert plugin.MODALITY.section_ref == SECTION
    assert [i.name for i in manager.importers()] == ["ct-dose"]
    assert [s.id for s in manager.report_sections()] == ["ct.registers", "ct.drl-audit"]
    templates = manager.checklists()
    assert [t.id for t in templates] == [
        "ct.drl-audit",
        "ct.paediatric-protocols",
        "ct.trauma-gap-review",
        "ct.staff-competence",
    ]
    for template in templates:
        assert template.modality == "CT" and template.items
        assert len({i.key for i in template.items}) == len(template.items)
        assert all(i.statement_refs for i in template.items)


def test_report_lists_the_registers() -> None:
    paragraph, table = render(SimpleReportContext(provided=frozenset({"CT", "MR"})))
    assert isinstance(paragraph, Paragraph) and "4 registers and checklists" in paragraph.text
    assert isinstance(table, Table)
    assert table.rows[0] == ("CT dose audit against diagnostic reference levels", "5", "CT-904, CT-901, XR-501, XR-604")
    assert [row[0] for row in table.rows] == [t.title for t in CHECKLISTS]


def test_report_when_ct_is_not_provided() -> None:
    (block,) = render(SimpleReportContext(provided=frozenset({"MR"})))
    assert block.style == "note" and "not applicable" in block.text


def test_conformance() -> None:
    """Loads cleanly, refs resolve, ids prefixed, no Qt, reports render empty, bad files give issues."""
    manager = check_plugin("qsi_plugin_ct.plugin")
    assert [m.code for m in manager.modalities()] == ["CT"]
