"""The CT plugin: registrations (no importer until the dose work), the registers report and panel."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from qsi_plugin_ct import plugin
from qsi_plugin_ct.checklists import CHECKLISTS
from qsi_plugin_ct.report import render

from qsi_desktop.plugins.manager import PluginManager
from qsi_desktop.plugins.testing import SimpleReportContext
from qsi_desktop.plugins.types import Paragraph, Table

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

MODULE = "qsi_plugin_ct.plugin"
SECTION = "CT-9"


def test_plugin_registers_modality_checklists_and_report() -> None:
    manager = PluginManager(plugins=[MODULE])
    assert not [f for f in manager.failures if f.name == plugin.PLUGIN_NAME]
    assert manager.modalities() == [plugin.MODALITY]
    assert plugin.MODALITY.section_ref == SECTION
    assert manager.importers() == []  # the dose (RDSR) importer comes in a later issue
    assert [s.id for s in manager.report_sections()] == ["ct.registers"]
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


def test_section_and_checklist_refs() -> None:
    manager = PluginManager(plugins=[MODULE])
    section = next(s for s in manager.standards_sections() if s.ref == SECTION)
    catalogue = manager.catalogue()  # the core's XR sections too: the DRL audit evidences XR-501
    for template in CHECKLISTS:
        for ref in (*template.statement_refs, *(r for i in template.items for r in i.statement_refs)):
            if ref.startswith("XR-") and catalogue.section("XR-1") is None:
                continue  # the core catalogue did not load here; its own tests cover it
            assert catalogue.get(ref) is not None, (template.id, ref)
    assert {s.ref for s in section.statements} == {"CT-901", "CT-902", "CT-903", "CT-904"}


def test_report_lists_the_registers() -> None:
    paragraph, table = render(SimpleReportContext(provided=frozenset({"CT", "MR"})))
    assert isinstance(paragraph, Paragraph) and "4 registers and checklists" in paragraph.text
    assert isinstance(table, Table)
    assert table.rows[0] == ("CT dose audit against diagnostic reference levels", "5", "CT-904, CT-901, XR-501, XR-604")
    assert [row[0] for row in table.rows] == [t.title for t in CHECKLISTS]


def test_report_when_ct_is_not_provided() -> None:
    (block,) = render(SimpleReportContext(provided=frozenset({"MR"})))
    assert block.style == "note" and "not applicable" in block.text


def test_plugin_and_gui_modules_do_not_import_qt() -> None:
    code = "import sys, qsi_plugin_ct.plugin, qsi_plugin_ct.gui; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.gui
def test_panel_lists_the_checklist_items(qtbot) -> None:
    manager = PluginManager(plugins=[MODULE, plugin.GUI_MODULE], gui=True)
    (panel,) = manager.panels()
    assert panel.modality == "CT"
    tree = panel.factory(None, None)
    qtbot.addWidget(tree)
    assert tree.topLevelItemCount() == len(CHECKLISTS)
    for index, template in enumerate(CHECKLISTS):
        top = tree.topLevelItem(index)
        assert top.text(0) == template.title
        assert [top.child(i).text(0) for i in range(top.childCount())] == [i.text for i in template.items]
