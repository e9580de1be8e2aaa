"""The service profile dialog, opening evidence and adding a new version, driven on a demo workspace."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

import qsi_desktop.gui.evidence_view as evidence_view
import qsi_desktop.gui.main_window as main_window
from qsi_desktop.gui.dialogs import EvidenceDialog, ProfileDialog
from qsi_desktop.gui.main_window import MainWindow
from qsi_desktop.services.evidence import evidence_dict, list_evidence
from qsi_desktop.services.profile import profile_dict
from qsi_desktop.services.records import EvidenceRecord
from qsi_desktop.store.workspace import Workspace, WorkspaceError

pytestmark = pytest.mark.gui

NM_9 = ["NM-901", "NM-902", "NM-903", "NM-904", "NM-905"]


def _fill_profile(monkeypatch: pytest.MonkeyPatch, fill) -> list[ProfileDialog]:
    """Replace the window's profile dialog with one that ``fill`` answers instead of the user."""
    shown: list[ProfileDialog] = []

    class Filled(ProfileDialog):
        def exec(self) -> int:
            shown.append(self)
            if fill(self, len(shown)):
                self.accept()
            else:
                self.reject()
            return self.result()

    monkeypatch.setattr(main_window, "ProfileDialog", Filled)
    return shown


def _rows(window: MainWindow) -> list[EvidenceRecord]:
    pane = window.view.evidence
    return [pane.items[row] for row in range(pane.table.rowCount())]


def _select_row(window: MainWindow, row: int) -> None:
    window.view.evidence.table.selectRow(row)


# -- service profile -----------------------------------------------------------------------------------


def test_profile_dialog_shows_the_profile_and_saving_changes_what_applies(
    window_without_nm: MainWindow, demo_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = window_without_nm
    assert [window.model.status_of(ref) for ref in NM_9] == ["not_applicable"] * 5
    before = dict(window.state.counts)
    window.select_ref("NM-901")

    def fill(dialog: ProfileDialog, call: int) -> bool:
        assert dialog.service.text() == "Riverside Imaging Service"
        assert not dialog.provision.modalities["NM"].isChecked() and dialog.provision.modalities["NM"].isEnabled()
        assert dialog.provision.modalities["CT"].isChecked()
        dialog.provision.modalities["NM"].setChecked(True)
        dialog.organisation.setText("Riverside Hospitals NHS Foundation Trust")
        dialog.sites.setPlainText("Riverside General Hospital\n\n  Northgate Community Diagnostic Centre \n")
        return True

    shown = _fill_profile(monkeypatch, fill)
    menu_action = window.findChild(main_window.QAction, "service-profile")
    assert menu_action is not None and menu_action.text() == "Service &profile…"
    menu_action.trigger()
    assert len(shown) == 1

    assert [window.model.status_of(ref) for ref in NM_9] == ["not_started"] * 5
    assert window.state.counts["not_applicable"] == before["not_applicable"] - 5
    assert window.state.counts["not_started"] == before["not_started"] + 5
    assert window.summary.counts["not_started"].accessibleName() == f"Not started: {before['not_started'] + 5}"
    assert window.view.form.status.currentData() == "not_started"  # the statement shown was read again
    with Workspace.open(demo_path) as ws:
        stored = profile_dict(ws)
    assert "NM" in stored["modalities"]
    assert stored["organisation"] == "Riverside Hospitals NHS Foundation Trust"
    assert stored["sites"] == ["Riverside General Hospital", "Northgate Community Diagnostic Centre"]

    # And back: unticking NM (and paediatric imaging) makes them not applicable again.
    def untick(dialog: ProfileDialog, call: int) -> bool:
        assert dialog.provision.modalities["NM"].isChecked()
        assert dialog.sites.toPlainText() == "Riverside General Hospital\nNorthgate Community Diagnostic Centre"
        dialog.provision.modalities["NM"].setChecked(False)
        dialog.provision.scopes["paediatric"].setChecked(False)
        return True

    _fill_profile(monkeypatch, untick)
    assert window.edit_profile()
    assert [window.model.status_of(ref) for ref in NM_9] == ["not_applicable"] * 5
    assert window.model.status_of("XR-704") == "not_applicable"
    assert "NM is not provided" in window.model.itemFromIndex(window.model.index_for_ref("NM-902")).toolTip()
    with Workspace.open(demo_path) as ws:
        stored = profile_dict(ws)
    assert "NM" not in stored["modalities"] and stored["paediatric"] is False


def test_profile_dialog_enables_only_loaded_modalities(full_app, core_app, qtbot) -> None:
    profile = {"name": "Riverside", "organisation": "", "sites": [], "modalities": ["CT"], "scopes": {}}
    dialog = ProfileDialog(core_app, profile)
    qtbot.addWidget(dialog)
    assert not any(box.isEnabled() for box in dialog.provision.modalities.values())
    assert dialog.provision.modalities["CT"].isChecked()  # recorded, kept as it is although its plugin is missing
    assert dialog.change().modalities == ("CT",)
    dialog = ProfileDialog(full_app, profile)
    qtbot.addWidget(dialog)
    assert all(box.isEnabled() for box in dialog.provision.modalities.values())


def test_profile_errors_show_in_the_dialog_and_nothing_is_saved(
    window_without_nm: MainWindow, demo_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = window_without_nm
    messages: list[str] = []

    def fill(dialog: ProfileDialog, call: int) -> bool:
        if call == 1:
            dialog.service.clear()  # a service needs a name: the dialog stays open
            dialog.accept()
            messages.append(dialog.message.text())
            dialog.service.setText("Renamed service")
            dialog.provision.modalities["NM"].setChecked(True)
            return True
        messages.append(dialog.message.text())  # the workspace refused the save
        return False

    def refuse(*args, **kwargs) -> None:
        raise WorkspaceError("the workspace is read-only: nothing was saved")

    monkeypatch.setattr(main_window, "update_profile", refuse)
    _fill_profile(monkeypatch, fill)
    assert not window.edit_profile()
    assert messages == ["Give the name of the imaging service.", "the workspace is read-only: nothing was saved"]
    assert window.model.status_of("NM-901") == "not_applicable"
    with Workspace.open(demo_path) as ws:
        stored = profile_dict(ws)
    assert stored["name"] == "Riverside Imaging Service" and "NM" not in stored["modalities"]


# -- opening evidence ----------------------------------------------------------------------------------


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[QUrl]:
    """What the window asked the desktop to open (no real application is launched); copies go to tmp_path."""
    monkeypatch.setattr(evidence_view.tempfile, "tempdir", str(tmp_path / "temp"))
    urls: list[QUrl] = []

    def open_url(url: QUrl) -> bool:
        urls.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(open_url))
    return urls


def test_open_copies_the_stored_file_under_its_name(
    window: MainWindow, opened: list[QUrl], qtbot, tmp_path: Path
) -> None:
    window.select_ref("XR-501")
    pane = window.view.evidence
    assert not pane.open_button.isEnabled() and not pane.new_version_button.isEnabled()
    _select_row(window, 0)
    item = _rows(window)[0]
    assert item.is_file and pane.open_button.isEnabled() and pane.new_version_button.isEnabled()
    worker = pane.open_selected()
    with qtbot.waitSignal(worker.signals.done, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: len(opened) == 1)
    copy = Path(opened[0].toLocalFile())
    assert copy.name == item.file_name
    assert copy.is_relative_to(tmp_path / "temp")
    stored = window.workspace.files.path_for(item.file_sha256)
    assert copy.read_bytes() == stored.read_bytes() and copy != stored

    # A double-click on a row opens it too.
    window.view.tabs.setCurrentWidget(pane)
    centre = pane.table.visualRect(pane.table.model().index(1, 0)).center()
    qtbot.mouseClick(pane.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)  # Qt wants the press first
    qtbot.mouseDClick(pane.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.waitUntil(lambda: len(opened) == 2, timeout=10_000)
    assert Path(opened[1].toLocalFile()).name == _rows(window)[1].file_name


def test_open_a_link_opens_the_url(window: MainWindow, opened: list[QUrl]) -> None:
    window.select_ref("XR-805")
    link = next(row for row, item in enumerate(_rows(window)) if item.link_url is not None)
    _select_row(window, link)
    assert not window.view.evidence.new_version_button.isEnabled()
    assert window.view.evidence.open_selected() is None
    assert [url.toString() for url in opened] == ["https://intranet.riverside.example.nhs.uk/risk-register/imaging"]
    assert evidence_view.link_url(r"\\server\share\policy.docx").isLocalFile()


def test_a_damaged_stored_file_shows_an_error_and_opens_nothing(
    window: MainWindow, opened: list[QUrl], qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text: warnings.append(text)))
    window.select_ref("XR-501")
    _select_row(window, 0)
    item = _rows(window)[0]
    stored = window.workspace.files.path_for(item.file_sha256)
    stored.chmod(0o644)
    stored.write_bytes(b"overwritten behind our back")
    worker = window.view.evidence.open_selected()
    with qtbot.waitSignal(worker.signals.done, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: bool(warnings))
    assert warnings == [
        f"{item.file_name}: content changed (hash is now {_sha(stored)[:12]}…); "
        "'qsi verify' checks every file, restore it from a backup or add it again"
    ]
    assert opened == []


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- new version ---------------------------------------------------------------------------------------


def test_new_version_supersedes_the_selected_file(
    window: MainWindow, demo_path: Path, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.select_ref("XR-501")
    before = _rows(window)
    _select_row(window, 0)
    old = before[0]
    source = tmp_path / "IR(ME)R procedures v8.docx"
    source.write_bytes(b"PK\x03\x04 version 8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(source), "")))
    prefilled: list[tuple] = []

    class Filled(EvidenceDialog):
        def exec(self) -> int:
            prefilled.append(
                (
                    self.title.text(),
                    self.owner.text(),
                    self.document_ref.text(),
                    self.version.text(),
                    self.approved.value(),
                    self.review_due.value(),
                )
            )
            self.version.setText("8")
            self.accept()
            return self.result()

    monkeypatch.setattr(evidence_view, "EvidenceDialog", Filled)
    worker = window.view.evidence.new_version()
    with qtbot.waitSignal(worker.signals.done, timeout=10_000):
        pass
    assert prefilled == [(old.title, old.owner, old.document_ref, "", None, None)]
    qtbot.waitUntil(lambda: old.id not in [item.id for item in _rows(window)])

    rows = _rows(window)
    assert len(rows) == len(before)
    new = next(item for item in rows if item.file_name == source.name)
    assert new.version == "8" and new.title == old.title
    assert new.targets == old.targets  # the new version takes the old one's links
    assert window.view.tabs.tabText(1) == f"Ev&idence ({len(before)})"
    with Workspace.open(demo_path) as ws:
        items = {item.id: evidence_dict(item) for item in list_evidence(ws, include_superseded=True)}
    assert items[old.id]["superseded_by"] == new.id
    assert items[new.id]["superseded_by"] is None


def test_new_version_cancelled_changes_nothing(
    window: MainWindow, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.select_ref("XR-501")
    before = _rows(window)
    _select_row(window, 0)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))
    assert window.view.evidence.new_version() is None
    source = tmp_path / "v9.docx"
    source.write_bytes(b"v9")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(source), "")))
    monkeypatch.setattr(EvidenceDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert window.view.evidence.new_version() is None
    assert _rows(window) == before


def test_a_modality_scope_is_asked_only_when_the_modality_is_provided(qtbot) -> None:
    from types import ModuleType

    from qsi_desktop import hookimpl
    from qsi_desktop.gui.dialogs import ProvisionBoxes
    from qsi_desktop.plugins.types import Scope
    from qsi_desktop.services.app import App
    from tests.conftest import ALL_PLUGINS

    @hookimpl
    def qsi_register_scopes() -> list[Scope]:
        return [
            Scope("major-trauma", "major trauma CT", "The CT service is part of a major trauma centre", False, "CT")
        ]

    module = ModuleType("trauma")
    module.PLUGIN_NAME = "trauma"
    module.qsi_register_scopes = qsi_register_scopes
    boxes = ProvisionBoxes(App.load([*ALL_PLUGINS, module]), ["MR"], {})
    qtbot.addWidget(boxes)
    trauma = boxes.scopes["major-trauma"]
    assert not trauma.isEnabled() and not trauma.isChecked() and boxes.scopes["paediatric"].isEnabled()
    boxes.modalities["CT"].setChecked(True)
    assert trauma.isEnabled()
    trauma.setChecked(True)
    assert boxes.chosen_scopes() == {"paediatric": True, "major-trauma": True}
