"""The IR plugin: registrations (no importer until the dose work), the registers report and panel."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from qsi_plugin_ir import plugin
from qsi_plugin_ir.checklists import CHECKLISTS
from qsi_plugin_ir.report import render

from qsi_desktop.plugins.manager import PluginManager
from qsi_desktop.plugins.testing import SimpleReportContext
from qsi_desktop.plugins.types import Paragraph, Table

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

MODULE = "qsi_plugin_ir.plugin"
SECTION = "IR-9"


def test_plugin_registers_modality_checklists_and_report() -> None:
    manager = PluginManager(plugins=[MODULE])
    assert not [f for f in manager.failures if f.name == plugin.PLUGIN_NAME]
    assert manager.modalities() == [plugin.MODALITY]
    assert plugin.MODALITY.section_ref == SECTION
    assert manager.importers() == []  # the projection dose (RDSR) importer comes in a later issue
    assert [s.id for s in manager.report_sections()] == ["ir.registers"]
    templates = manager.checklists()
    assert [t.id for t in templates] == ["ir.safety-checklist-audit", "ir.access-rota", "ir.paediatric"]
    for template in templates:
        assert template.modality == "IR" and template.items
        assert len({i.key for i in template.items}) == len(template.items)
        assert all(i.statement_refs for i in template.items)


def test_section_and_checklist_refs() -> None:
    manager = PluginManager(plugins=[MODULE])
    section = next(s for s in manager.standards_sections() if s.ref == SECTION)
    catalogue = manager.catalogue()  # the core's XR sections too: paediatric IR links to XR-704
    for template in CHECKLISTS:
        for ref in (*template.statement_refs, *(r for i in template.items for r in i.statement_refs)):
            if ref.startswith("XR-") and catalogue.section("XR-1") is None:
                continue  # the core catalogue did not load here; its own tests cover it
            assert catalogue.get(ref) is not None, (template.id, ref)
    assert {s.ref for s in section.statements} == {"IR-901", "IR-902", "IR-903", "IR-904", "IR-905"}


def test_report_lists_the_registers() -> None:
    paragraph, table = render(SimpleReportContext(provided=frozenset({"IR", "CT"})))
    assert isinstance(paragraph, Paragraph) and "3 registers and checklists" in paragraph.text
    assert isinstance(table, Table)
    assert table.rows[1] == ("24/7 IR rota and referral pathway", "8", "IR-905")
    assert [row[0] for row in table.rows] == [t.title for t in CHECKLISTS]


def test_report_when_ir_is_not_provided() -> None:
    (block,) = render(SimpleReportContext(provided=frozenset({"CT"})))
    assert block.style == "note" and "not applicable" in block.text


def test_plugin_and_gui_modules_do_not_import_qt() -> None:
    code = "import sys, qsi_plugin_ir.plugin, qsi_plugin_ir.gui; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.gui
def test_panel_lists_the_checklist_items(qtbot) -> None:
    manager = PluginManager(plugins=[MODULE, plugin.GUI_MODULE], gui=True)
    (panel,) = manager.panels()
    assert panel.modality == "IR"
    tree = panel.factory(None, None)
    qtbot.addWidget(tree)
    assert tree.topLevelItemCount() == len(CHECKLISTS)
    for index, template in enumerate(CHECKLISTS):
        top = tree.topLevelItem(index)
        assert top.text(0) == template.title
        assert [top.child(i).text(0) for i in range(top.childCount())] == [i.text for i in template.items]
