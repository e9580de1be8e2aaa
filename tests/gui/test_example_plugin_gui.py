"""The example plugin (docs/PLUGINS.md) in the GUI: Mammography in the profile dialog and an
"MG checklists" tab built by the core from its template, with no Qt code in the plugin."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from qsi_desktop.gui.dialogs import ProfileDialog
from qsi_desktop.gui.panels import pages
from qsi_desktop.services.app import App
from qsi_desktop.services.profile import profile_dict
from qsi_desktop.store.workspace import NewProfile, Workspace

pytestmark = pytest.mark.gui

PLUGINS = [f"qsi_plugin_{m}.plugin" for m in ("ct", "ir", "mr", "nm", "us")] + ["qsi_plugin_example.plugin"]


@pytest.fixture(scope="module")
def full_app() -> App:
    """The five built-ins and the example (overrides conftest's ``full_app``, which make_window uses)."""
    return App.load(plugins=PLUGINS)


def _workspace(path: Path, app: App, modalities: tuple[str, ...]) -> Path:
    profile = NewProfile("Riverside Breast Unit", "", ("General",), modalities, {})
    Workspace.create(path, profile, framework_id=app.framework_id, actor="test-user").close()
    return path


def test_profile_dialog_lists_mammography_in_section_order(full_app: App, qtbot, tmp_path: Path) -> None:
    with Workspace.open(_workspace(tmp_path / "ws", full_app, ("CT",))) as ws:
        profile = profile_dict(ws)
    dialog = ProfileDialog(full_app, profile)
    qtbot.addWidget(dialog)

    boxes = dialog.provision.modalities
    assert list(boxes) == ["CT", "IR", "MG", "MR", "NM", "US"]
    assert boxes["MG"].text() == "Mammography (MG)" and boxes["MG"].accessibleName() == "Provides Mammography"
    assert boxes["MG"].isEnabled() and not boxes["MG"].isChecked()
    screening = dialog.provision.scopes["breast-screening"]
    assert screening.text() == "The service screens for the NHS Breast Screening Programme" and screening.isChecked()

    boxes["MG"].setChecked(True)
    screening.setChecked(False)
    change = dialog.change()
    assert change.modalities == ("CT", "MG")
    assert change.scopes == {"paediatric": True, "breast-screening": False}


def test_modalities_area_shows_an_mg_checklists_tab(
    make_window: Callable[..., object], full_app: App, tmp_path: Path
) -> None:
    window = make_window(_workspace(tmp_path / "ws", full_app, ("CT", "MG")))
    window.main_tabs.setCurrentWidget(window.modalities)  # its pages are built when first shown
    found = pages(window.modalities)
    assert list(found) == ["CT / Checklists", "CT / Summaries", "MG / Checklists", "MG / Summaries"]
    panel = found["MG / Checklists"]
    assert panel.accessibleName() == "Mammography checklists and registers"
    assert list(panel.templates) == ["mg.qa-checks"]
    assert window.model.status_of("MG-901") == "not_started"


def test_no_mg_tab_when_mammography_is_not_provided(
    make_window: Callable[..., object], full_app: App, tmp_path: Path
) -> None:
    window = make_window(_workspace(tmp_path / "ws", full_app, ("CT",)))
    window.ensure_panels()
    assert list(pages(window.modalities)) == ["CT / Checklists", "CT / Summaries"]
    assert window.model.status_of("MG-901") == "not_applicable"
