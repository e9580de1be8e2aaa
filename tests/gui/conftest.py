"""GUI fixtures: a demo workspace per test (copied from one built per session) and a window factory
that closes every window it made and checks nothing is left open or running (napari's
``make_napari_viewer`` idea)."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from qsi_desktop.services.app import App
from qsi_desktop.services.demo import build_demo

if importlib.util.find_spec("PySide6") is None:  # the Qt-free test job: nothing here can run
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(autouse=True)
def test_local_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """QSettings of every GUI test go to a folder of the test's own: the user's are never read or changed."""
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("settings")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(fmt, scope, str(folder))
    yield folder


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, full_app: App) -> Path:
    path = tmp_path_factory.mktemp("demo-template") / "demo"
    build_demo(path, full_app, actor="test-user")
    return path


@pytest.fixture
def demo_path(tmp_path: Path, demo_template: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(demo_template, target)
    return target


@pytest.fixture
def make_window(qtbot, full_app: App, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., object]]:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from qsi_desktop.gui import workers
    from qsi_desktop.gui.main_window import MainWindow
    from qsi_desktop.store.workspace import Workspace

    windows: list[MainWindow] = []

    def make(path: Path, **kwargs: object) -> MainWindow:
        window = MainWindow(full_app, Workspace.open(path), actor="test-user", **kwargs)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make

    # Unsaved edits left by a test are discarded without a dialog.
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    for window in windows:
        window.close()
    assert workers.cancel_all(wait_ms=10_000), "background work still running after the test"
    qtbot.waitUntil(lambda: not workers.running_workers(), timeout=5000)
    leaked = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert not leaked, f"windows left open: {[type(w).__name__ + ' ' + w.windowTitle() for w in leaked]}"


@pytest.fixture
def window(make_window: Callable[..., object], demo_path: Path) -> object:
    return make_window(demo_path)


@pytest.fixture
def window_without_nm(make_window: Callable[..., object], demo_path: Path, full_app: App) -> object:
    """The demo with nuclear medicine taken out of the service profile: NM-9 not applicable."""
    from qsi_desktop.services.profile import ProfileChange, update_profile
    from qsi_desktop.store.workspace import Workspace

    with Workspace.open(demo_path) as ws:
        update_profile(ws, ProfileChange(modalities=("CT", "IR", "MR", "US")), actor="test-user")
    return make_window(demo_path)


@pytest.fixture
def details_step() -> Callable[..., list[object]]:
    """``details_step(act=None)``: when the details step after adding files opens next (one file's
    evidence dialog or the table for several), call ``act(dialog)``, by default pressing Enter in it
    (adding the files as they are). Returns the list the dialogs seen are added to."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from qsi_desktop.gui.dialogs import EvidenceDialog
    from qsi_desktop.gui.evidence_details import FileDetailsDialog

    def press_enter(dialog: object) -> None:
        QTest.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)  # the dialog may not be active yet

    def arm(act: Callable[[object], None] | None = None) -> list[object]:
        seen: list[object] = []

        def check() -> None:
            dialog = QApplication.activeModalWidget()
            if not isinstance(dialog, (EvidenceDialog, FileDetailsDialog)):
                QTimer.singleShot(20, check)
                return
            seen.append(dialog)
            (act or press_enter)(dialog)

        QTimer.singleShot(0, check)
        return seen

    return arm
