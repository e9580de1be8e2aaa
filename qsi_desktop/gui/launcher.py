"""``qsi-desktop [WORKSPACE] [--screenshot PNG]``: choose a workspace and open the main window
(``--self-test``: check the installation; ``--version``: the versions of the app, plugins and libraries).

Which workspace:

1. the ``WORKSPACE`` argument, else
2. the ``QSI_WORKSPACE`` environment variable, else
3. the workspace shown last (remembered in the user's settings, while it is still there), else
4. the default: ``Workspace`` in the data folder. The data folder is the user's local data folder
   (platformdirs: ``%LOCALAPPDATA%\\QSI Desktop`` on Windows), or in portable mode (``QSI_PORTABLE=1``,
   or a ``portable.txt`` file beside the frozen executable) a ``data`` folder beside the executable.
   The first time, a demo workspace is built there so there is something to explore.

A workspace on a network drive opens with a warning (SQLite is unsafe there). A workspace that
cannot be opened is reported in a message box and the launcher exits with status 2; nothing is
shown as a traceback. ``--screenshot PNG`` opens the window, lets it paint, saves it and quits
(smoke tests, documentation); it reports problems on stderr instead of in dialogs.

Qt is imported inside :func:`main` only, so the path rules here are usable without a display (or
PySide6): ``tests/test_qt_free.py`` checks it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qsi_desktop import __version__
from qsi_desktop.paths import APP_NAME, data_dir, log_to_file
from qsi_desktop.selftest import VersionAction

WORKSPACE_ENV = "QSI_WORKSPACE"
DEFAULT_WORKSPACE_NAME = "Workspace"
EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2

log = logging.getLogger("qsi_desktop.gui.launcher")


# -- where things live (Qt-free) ---------------------------------------------------------------------


@dataclass(frozen=True)
class WorkspaceChoice:
    path: Path
    source: str  # "argument", "environment", "remembered" (the last one shown) or "default"

    @property
    def is_default(self) -> bool:
        return self.source == "default"


def choose_workspace(
    argument: str | None,
    environ: Mapping[str, str] | None = None,
    *,
    remembered: Path | None = None,
    **kwargs: Any,
) -> WorkspaceChoice:
    environ = os.environ if environ is None else environ
    if argument:
        return WorkspaceChoice(Path(argument).expanduser(), "argument")
    if environ.get(WORKSPACE_ENV):
        return WorkspaceChoice(Path(environ[WORKSPACE_ENV]).expanduser(), "environment")
    if remembered is not None:
        return WorkspaceChoice(remembered, "remembered")
    return WorkspaceChoice(data_dir(environ, **kwargs) / DEFAULT_WORKSPACE_NAME, "default")


def needs_demo(choice: WorkspaceChoice) -> bool:
    """Only the default workspace is built (as a demo), and only while it does not exist yet."""
    path = choice.path
    return choice.is_default and (not path.exists() or (path.is_dir() and not any(path.iterdir())))


def _stderr(message: str) -> None:
    if sys.stderr is not None:  # None under pythonw (the gui-script on Windows)
        print(f"qsi-desktop: {message}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qsi-desktop", description="QSI Desktop: the evidence manager window.")
    parser.add_argument(
        "workspace", nargs="?", help=f"workspace folder (default: ${WORKSPACE_ENV}, else the default workspace)"
    )
    parser.add_argument("--screenshot", metavar="PNG", help="save a picture of the window to PNG and quit")
    parser.add_argument("--statement", metavar="REF", help="open at this quality statement, e.g. XR-501")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check the installation (offscreen, in a temporary folder), print what passed and exit (1: a failure)",
    )
    parser.add_argument("--version", action=VersionAction)
    return parser


# -- the application ---------------------------------------------------------------------------------

NO_PYSIDE = (
    "the window needs PySide6, which is not installed: install QSI Desktop with its GUI extra "
    '(pip install "qsi-desktop[gui]", or bash tools/setup-venv.sh), or use the qsi command'
)


def _no_pyside(exc: ImportError) -> None:
    log.info("PySide6 not importable: %s", exc)  # the file only: stderr gets the one line below
    _stderr(NO_PYSIDE)


def start_qt() -> Any | None:
    """The QApplication, or None after one line on stderr saying what to install."""
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:
        _no_pyside(exc)
        return None
    problem = display_problem()
    if problem:
        log.info("no usable display: %s", problem)
        _stderr(problem)
        return None
    qt_app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "qsi-desktop"])
    qt_app.setApplicationName(APP_NAME)
    qt_app.setApplicationVersion(__version__)
    from qsi_desktop.gui import gc_guard

    gc_guard.install(qt_app)  # cyclic garbage freed on the GUI thread, never on a worker's
    return qt_app


# The system libraries Qt's X11 (xcb) platform plugin loads, and the Debian/Ubuntu packages holding them.
XCB_LIBRARIES = {
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}


def missing_libraries(libraries: Mapping[str, str] = XCB_LIBRARIES) -> list[str]:
    """The libraries of ``libraries`` the system cannot load."""
    import ctypes

    missing = []
    for name in libraries:
        try:
            ctypes.CDLL(name)
        except OSError:
            missing.append(name)
    return missing


def display_problem(environ: Mapping[str, str] | None = None, platform: str = sys.platform) -> str:
    """Why Qt could not open a window here, in one line saying what to do ("" when it can).

    Qt itself aborts the process in these cases, naming the wrong library."""
    environ = os.environ if environ is None else environ
    requested = environ.get("QT_QPA_PLATFORM", "")
    if not platform.startswith("linux") or requested.split(":")[0] not in ("", "xcb"):
        return ""  # Windows, macOS, offscreen, Wayland...: Qt knows best
    if not requested and environ.get("WAYLAND_DISPLAY"):
        return ""
    if not environ.get("DISPLAY"):
        return (
            "no display to open the window on: start it from a desktop session (for a picture without a display: "
            "QT_QPA_PLATFORM=offscreen qsi-desktop WORKSPACE --screenshot PNG)"
        )
    missing = missing_libraries()
    if missing:
        packages = " ".join(XCB_LIBRARIES[name] for name in missing)
        return (
            f"the window needs system libraries this computer lacks ({', '.join(missing)}); "
            f"on Debian or Ubuntu: sudo apt-get install {packages}"
        )
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, bad arguments
        return int(exc.code or 0)
    dialogs = not args.screenshot
    log_to_file(data_dir(), "qsi-desktop.log", console=True)
    if args.self_test:
        return self_test()

    try:
        from qsi_desktop.gui import settings  # QtCore only
    except ImportError as exc:
        _no_pyside(exc)
        return EXIT_UNUSABLE

    choice = choose_workspace(args.workspace, remembered=settings.last_workspace())
    if not needs_demo(choice):
        from qsi_desktop.services.snapshot import read_snapshot

        snapshot = read_snapshot(choice.path, data_dir())
        if snapshot is not None:
            return _start_from_snapshot(args, choice, snapshot)

    # The services and the plugins load before the rest of Qt: once PySide6 is imported, its import hook
    # reads the source of every module imported after it (a tenth of a second of the start).
    from qsi_desktop.catalogue.loader import CatalogueError
    from qsi_desktop.errors import QsiError
    from qsi_desktop.services.app import App

    try:
        app: App | None = App.load()
        problem = ""
    except CatalogueError as exc:
        app, problem = None, f"{exc}\n\nReinstall QSI Desktop."

    qt_app = start_qt()
    if qt_app is None:
        return EXIT_UNUSABLE
    fail = _failure(dialogs)
    if app is None:
        return fail("cannot load the standard", problem)

    from qsi_desktop.gui import workers
    from qsi_desktop.gui.context import current_actor
    from qsi_desktop.gui.main_window import MainWindow, network_warning
    from qsi_desktop.store.workspace import is_network_path

    _log_plugin_problems(app)
    actor = current_actor()

    status = ""
    if needs_demo(choice):
        from qsi_desktop.services.demo import PROFILE, build_demo

        def build(progress: workers.Progress, cancel: workers.CancelRequested) -> Path:
            progress(0, 0, "Adding assessments, evidence and actions")
            return build_demo(choice.path, app, actor=actor)

        try:
            workers.run_blocking(None, APP_NAME, f"Building a demo workspace in {choice.path}…", build)
        except workers.WorkFailed as exc:
            return fail("cannot create the demo workspace", f"{choice.path}: {exc}")
        status = (
            f"This is a demo workspace ({PROFILE.name}) created in {choice.path} to explore. "
            "Start your own with File > New workspace…"
        )

    try:
        workspace = app.open_workspace(choice.path)
    except QsiError as exc:
        hint = f" (from {WORKSPACE_ENV})" if choice.source == "environment" else ""
        return fail("cannot open the workspace", f"{workers.error_message(exc)}{hint}")

    try:
        window = MainWindow(app, workspace, actor=actor, status_message=status, remember=dialogs)
    except QsiError as exc:
        workspace.close()
        return fail("cannot open the workspace", workers.error_message(exc))
    if args.statement and not window.select_ref(args.statement.strip().upper()):
        _stderr(f"no quality statement {args.statement!r}")
    kept = _keep_snapshot(window)

    on_network = not workspace.is_team and is_network_path(workspace.path)
    if on_network:
        _stderr(network_warning(workspace.path).replace("\n\n", " "))
    if args.screenshot:
        status_code = _screenshot(qt_app, window, Path(args.screenshot))
    else:
        window.show()
        if on_network:
            _message_box().warning(window, "Workspace on a network drive", network_warning(workspace.path))
        status_code = qt_app.exec()
    _save_snapshot(kept)
    return status_code


def _message_box() -> Any:
    from PySide6.QtWidgets import QMessageBox

    return QMessageBox


def _failure(dialogs: bool) -> Any:
    """``fail(title, message)``: say why the window cannot open (stderr, log, a message box) and return 2."""

    def fail(title: str, message: str) -> int:
        _stderr(message)
        log.error("%s: %s", title, message)
        if dialogs:
            _message_box().critical(None, f"{APP_NAME}: {title}", message)
        return EXIT_UNUSABLE

    return fail


def _log_plugin_problems(app: Any) -> None:
    for failure in app.plugins.failures:
        log.warning("plugin %s was not loaded: %s", failure.name, failure.error)
    for warning in app.plugins.warnings:
        log.warning("plugin %s: %s", warning.name, warning.error)


def _keep_snapshot(window: Any) -> dict[str, Any]:
    """Have ``window`` hand over, as it closes its workspace, what the next first paint shows."""
    kept: dict[str, Any] = {}

    def capture() -> None:
        from qsi_desktop.services.readiness import readiness

        try:  # read again: changes saved elsewhere may not be shown yet
            kept["state"] = readiness(window.workspace, window.app)
        except Exception as exc:  # only a slower next start
            log.info("no first-paint snapshot: %s", exc)
            return
        kept["path"] = window.workspace.path
        kept["sections"] = [
            (section.ref, section.label, [(s.ref, s.name, "") for s in section.statements])
            for section in window.app.catalogue.sections
        ]

    window.on_closing = capture
    return kept


def _save_snapshot(kept: dict[str, Any]) -> None:
    """Write the snapshot once the workspace is closed (its files are final then)."""
    if "path" in kept:
        from qsi_desktop.services.snapshot import write_snapshot

        write_snapshot(kept["path"], data_dir(), kept["state"], kept["sections"])


def _start_from_snapshot(args: argparse.Namespace, choice: WorkspaceChoice, snapshot: Any) -> int:
    """Paint the snapshot at once (read-only), open the workspace on a worker, then swap in the main window.

    With ``--screenshot`` the snapshot's paint is what is saved (the start-up benchmark times this)."""
    dialogs = not args.screenshot
    qt_app = start_qt()
    if qt_app is None:
        return EXIT_UNUSABLE
    from PySide6.QtCore import QTimer

    from qsi_desktop.gui.first_paint import SnapshotStart

    outcome = {"status": EXIT_OK}
    fail = _failure(dialogs)

    def open_workspace() -> tuple[Any, Any]:  # on the worker: the database layer, plugins, catalogue
        from qsi_desktop.services.app import App

        app = App.load()
        return app, app.open_workspace(choice.path)

    def build_window(opened: tuple[Any, Any]) -> Any:
        from qsi_desktop.gui.context import current_actor
        from qsi_desktop.gui.main_window import MainWindow, network_warning
        from qsi_desktop.store.workspace import is_network_path

        app, workspace = opened
        _log_plugin_problems(app)
        window = MainWindow(app, workspace, actor=current_actor(), remember=dialogs)
        if args.statement and not window.select_ref(args.statement.strip().upper()):
            _stderr(f"no quality statement {args.statement!r}")
        outcome["kept"] = _keep_snapshot(window)
        if is_network_path(workspace.path):
            warning = network_warning(workspace.path)
            QTimer.singleShot(0, lambda: _message_box().warning(window, "Workspace on a network drive", warning))
        return window

    def failed(exc: BaseException) -> None:
        from qsi_desktop.gui.workers import error_message

        hint = f" (from {WORKSPACE_ENV})" if choice.source == "environment" else ""
        outcome["status"] = fail("cannot open the workspace", f"{error_message(exc)}{hint}")
        qt_app.exit(EXIT_UNUSABLE)

    start = SnapshotStart(snapshot, open_workspace, build_window, failed, remember=dialogs)
    if args.statement:  # the window opens where the opening one is
        start.opening.select_ref(args.statement.strip().upper())
    if args.screenshot:
        return _screenshot(qt_app, start.opening, Path(args.screenshot))
    start.opening.painted.connect(start.load)  # the database layer loads after the first paint
    start.opening.show()
    status = qt_app.exec()
    if start.window is None:  # closed before the swap: let the opening finish, then close what it opened
        from qsi_desktop.gui import workers

        workers.cancel_all(wait_ms=30_000)
        if start.result is not None:
            start.result[1].close()
    _save_snapshot(outcome.get("kept", {}))
    return status if outcome["status"] == EXIT_OK else outcome["status"]


def self_test() -> int:
    """``--self-test``: the Qt-free checks of :mod:`qsi_desktop.selftest`, then the main window built
    offscreen on their workspace. The windowed executable on Windows has no stdout: the report goes
    to ``self-test.txt`` in the log folder there."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from qsi_desktop.selftest import run_self_test

    report = None if sys.stdout is not None else data_dir() / "logs" / "self-test.txt"
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
    with report.open("w", encoding="utf-8") if report is not None else contextlib.nullcontext(sys.stdout) as out:
        passed = run_self_test(out, extra=[("main window (offscreen)", _window_check)])
    return EXIT_OK if passed else EXIT_FAILED


def _window_check(app: Any, workspace: Any) -> str:
    qt_app = start_qt()
    if qt_app is None:
        raise RuntimeError("Qt could not start: see the line above")
    from PySide6.QtCore import qVersion

    from qsi_desktop.gui.main_window import MainWindow

    window = MainWindow(app, workspace, actor="self-test", remember=False)
    window.show()
    qt_app.processEvents()
    picture = window.grab()
    window.close()
    if picture.isNull():
        raise RuntimeError("the main window painted nothing")
    return f"{picture.width()}x{picture.height()} pixels painted, Qt {qVersion()}"


def _screenshot(qt_app: Any, window: Any, target: Path) -> int:
    """Show the window, save it as it is at its first paint, and quit."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    outcome: dict[str, bool] = {}

    def grab() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        outcome["saved"] = window.grab().save(str(target), "PNG")
        window.close()
        qt_app.quit()

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not outcome:
                outcome["painted"] = False
                QTimer.singleShot(0, grab)  # once this paint is done
            return False

    first_paint = FirstPaint(window)
    window.installEventFilter(first_paint)
    window.show()
    qt_app.exec()
    window.removeEventFilter(first_paint)
    if not outcome.get("saved"):
        _stderr(f"{target}: could not save the screenshot")
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
