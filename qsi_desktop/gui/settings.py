"""What the window remembers between starts (QSettings): the last workspace, recent workspaces,
the window's geometry and its splitters.

Everything goes through :func:`app_settings`; the GUI tests point QSettings at a folder of their
own (``tests/gui/conftest.py``), so the user's settings are never read or changed by a test.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSettings, QSize

from qsi_desktop.paths import portable_data_dir

SETTINGS_SCOPE = ("QSI Desktop", "QSI Desktop")  # QSettings organisation and application
PORTABLE_SETTINGS = "settings.ini"
LAST_WORKSPACE = "workspaces/last"
RECENT_WORKSPACES = "workspaces/recent"
RECENT_LIMIT = 8
GEOMETRY = "window/geometry"
SPLITTERS = "window/splitters"

PREFERRED_SIZE = QSize(1280, 820)
MINIMUM_SIZE = QSize(760, 520)
FRAME_ALLOWANCE = QSize(16, 40)  # the window manager's frame and title bar, outside the geometry


def app_settings() -> QSettings:
    """The user's settings (the registry on Windows, ~/.config on Linux); in portable mode an INI file in
    the data folder beside the executable, so nothing of the app is left on the computer."""
    portable = portable_data_dir()
    if portable is not None:
        return QSettings(str(portable / PORTABLE_SETTINGS), QSettings.Format.IniFormat)
    return QSettings(*SETTINGS_SCOPE)


def recent_workspaces(settings: QSettings | None = None) -> list[Path]:
    settings = settings or app_settings()
    value = settings.value(RECENT_WORKSPACES, [])
    if isinstance(value, str):  # QSettings gives a one-item list back as a string
        value = [value]
    return [Path(str(item)) for item in value or [] if str(item)]


def last_workspace(settings: QSettings | None = None) -> Path | None:
    """The workspace shown last, if it is still a workspace."""
    value = str((settings or app_settings()).value(LAST_WORKSPACE, "") or "")
    path = Path(value) if value else None
    return path if path is not None and (path / "qsi-workspace.json").is_file() else None


def remember_workspace(path: Path, settings: QSettings | None = None) -> None:
    """``path`` becomes the last workspace and the first of the recent ones."""
    settings = settings or app_settings()
    recent = [path] + [p for p in recent_workspaces(settings) if p != path]
    settings.setValue(LAST_WORKSPACE, str(path))
    settings.setValue(RECENT_WORKSPACES, [str(p) for p in recent[:RECENT_LIMIT]])
    settings.sync()


def fitted_geometry(available: QRect) -> QRect:
    """The preferred window size, shrunk so that it and its frame fit the screen's available area; centred."""
    frame_w, frame_h = FRAME_ALLOWANCE.width(), FRAME_ALLOWANCE.height()
    width = min(PREFERRED_SIZE.width(), available.width() - frame_w)
    height = min(PREFERRED_SIZE.height(), available.height() - frame_h)
    frame = QRect(0, 0, width + frame_w, height + frame_h)
    frame.moveCenter(available.center())
    return frame.adjusted(frame_w // 2, frame_h, -(frame_w - frame_w // 2), 0)


def minimum_size(available: QRect) -> QSize:
    return MINIMUM_SIZE.boundedTo(available.size() - FRAME_ALLOWANCE)
