"""The launcher's one-line messages when the window cannot open: no PySide6, no display, missing libraries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qsi_desktop.gui import launcher


def test_without_pyside6_one_line_says_what_to_install(tmp_path: Path) -> None:
    code = (
        "import sys\nsys.modules['PySide6'] = None  # as if the GUI extra were not installed\n"
        "from qsi_desktop.gui import launcher\nraise SystemExit(launcher.main([sys.argv[1]]))"
    )
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "ws")], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == launcher.EXIT_UNUSABLE
    assert done.stderr.strip() == f"qsi-desktop: {launcher.NO_PYSIDE}"
    assert "Traceback" not in done.stderr and 'pip install "qsi-desktop[gui]"' in done.stderr


def test_no_display_is_said_in_words() -> None:
    problem = launcher.display_problem({}, platform="linux")
    assert problem.startswith("no display to open the window on")
    assert launcher.display_problem({"QT_QPA_PLATFORM": "offscreen"}, platform="linux") == ""
    assert launcher.display_problem({"WAYLAND_DISPLAY": "wayland-0"}, platform="linux") == ""
    assert launcher.display_problem({}, platform="win32") == ""


def test_missing_libraries_name_the_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launcher, "missing_libraries", lambda: ["libxcb-icccm.so.4", "libxcb-cursor.so.0"])
    problem = launcher.display_problem({"DISPLAY": ":0"}, platform="linux")
    assert "libxcb-icccm.so.4, libxcb-cursor.so.0" in problem
    assert problem.endswith("sudo apt-get install libxcb-icccm4 libxcb-cursor0")
    monkeypatch.setattr(launcher, "missing_libraries", list)
    assert launcher.display_problem({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, platform="linux") == ""


def test_every_library_checked_has_its_package() -> None:
    assert all(name.startswith("lib") and package for name, package in launcher.XCB_LIBRARIES.items())
    assert {"libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0", "libxkbcommon-x11-0"} <= set(
        launcher.XCB_LIBRARIES.values()
    )
