"""What the window remembers (test-local QSettings, see conftest): the last and recent workspaces, the
window's geometry and splitters; the window fits a small laptop screen."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QRect

from qsi_desktop.gui import launcher, settings
from qsi_desktop.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


def test_settings_are_test_local(test_local_settings: Path) -> None:
    assert Path(settings.app_settings().fileName()).is_relative_to(test_local_settings)


def test_the_workspace_shown_is_remembered_with_the_recent_ones(
    make_window: Callable[..., MainWindow], demo_path: Path, demo_template: Path, tmp_path: Path, qtbot
) -> None:
    window = make_window(demo_path)
    assert settings.last_workspace() == demo_path
    second = tmp_path / "second"
    shutil.copytree(demo_template, second)
    worker = window.open_workspace(second)
    with qtbot.waitSignal(worker.signals.done, timeout=10_000):
        pass
    assert settings.last_workspace() == second
    assert settings.recent_workspaces()[:2] == [second, demo_path]

    window.recent_menu.aboutToShow.emit()  # File > Open recent: the others, numbered
    (action,) = window.recent_menu.actions()
    assert action.text() == f"&1 {demo_path}" and action.isEnabled()
    action.trigger()
    qtbot.waitUntil(lambda: window.workspace.path == demo_path, timeout=10_000)
    assert settings.recent_workspaces()[:2] == [demo_path, second]


def test_a_missing_recent_workspace_is_shown_disabled(make_window, demo_path: Path, tmp_path: Path) -> None:
    settings.remember_workspace(tmp_path / "gone")
    window = make_window(demo_path)
    window.recent_menu.aboutToShow.emit()
    (action,) = window.recent_menu.actions()
    assert not action.isEnabled() and "not found" in action.toolTip()
    assert settings.last_workspace() == demo_path


def test_the_launcher_opens_the_remembered_workspace(
    demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp
) -> None:
    assert launcher.choose_workspace(None, {}, remembered=demo_path).source == "remembered"
    assert launcher.choose_workspace("/srv/a", {}, remembered=demo_path).source == "argument"
    settings.remember_workspace(demo_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("QSI_WORKSPACE", raising=False)
    seen: dict[str, object] = {}

    def screenshot(qt_app, window, target):
        seen["path"] = window.workspace.path
        window.close()
        return 0

    monkeypatch.setattr(launcher, "_screenshot", screenshot)
    assert launcher.main(["--screenshot", str(tmp_path / "shot.png")]) == 0
    assert seen["path"] == demo_path
    assert not (tmp_path / "xdg" / "QSI Desktop" / "Workspace").exists()  # no demo built


def test_geometry_and_splitters_are_restored(make_window: Callable[..., MainWindow], demo_path: Path, qtbot) -> None:
    first = make_window(demo_path)
    first.resize(780, 580)
    first.splitter.setSizes([200, 500])
    first.view.splitter.setSizes([100, 300])
    sizes, inner = first.splitter.sizes(), first.view.splitter.sizes()
    first.close()
    second = make_window(demo_path)
    assert second.size().width() == 780 and second.size().height() == 580
    assert second.splitter.sizes() == sizes and second.view.splitter.sizes() == inner


@pytest.mark.parametrize("screen", [QRect(0, 0, 1366, 728), QRect(0, 0, 1024, 600), QRect(0, 0, 1920, 1040)])
def test_the_window_fits_the_available_screen(window: MainWindow, screen: QRect) -> None:
    window.fit_to(screen)
    frame = window.geometry().adjusted(
        -settings.FRAME_ALLOWANCE.width() // 2,
        -settings.FRAME_ALLOWANCE.height(),
        settings.FRAME_ALLOWANCE.width() // 2,
        0,
    )
    assert screen.contains(frame)
    assert window.minimumSize().width() <= screen.width() and window.minimumSize().height() <= screen.height()
    assert window.width() <= 1280  # not stretched over a big screen
