"""The first paint from a snapshot: read-only until the workspace is open, then the real window takes
over with the real data; nothing is written against the snapshot and no edit is lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from qsi_desktop.gui.first_paint import OPENING_TEXT, OpeningWindow, SnapshotStart
from qsi_desktop.gui.main_window import MainWindow
from qsi_desktop.services import snapshot
from qsi_desktop.services.app import App
from qsi_desktop.services.assessments import AssessmentChange, assess, statement_details
from qsi_desktop.services.audit import latest_audit_id
from qsi_desktop.services.readiness import readiness
from qsi_desktop.store.workspace import Workspace

pytestmark = pytest.mark.gui


def _snapshot(path: Path, app: App, folder: Path) -> snapshot.Snapshot:
    ws = Workspace.open(path)
    state = readiness(ws, app)
    ws.close()
    sections = [(s.ref, s.label, [(st.ref, st.name, "") for st in s.statements]) for s in app.catalogue.sections]
    snapshot.write_snapshot(path, folder, state, sections)
    shot = snapshot.read_snapshot(path, folder)
    assert shot is not None
    return shot


def _editable(window: QWidget) -> list[QWidget]:
    kinds = (QLineEdit, QTextEdit, QPlainTextEdit, QComboBox, QAbstractSpinBox, QAbstractButton)
    found = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, kinds) or not widget.isEnabled():
            continue
        if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit)) and widget.isReadOnly():
            continue
        parent = widget.parent()
        if parent is not None and (parent.inherits("QTabBar") or parent.inherits("QMenuBar")):
            continue  # the tab bar's scroll arrows, the menu bar's overflow button (its menus are checked)
        found.append(widget)
    return found


def test_the_opening_window_shows_the_snapshot_and_cannot_be_edited(
    qtbot, demo_path: Path, full_app: App, tmp_path: Path
) -> None:
    shot = _snapshot(demo_path, full_app, tmp_path / "data")
    opening = OpeningWindow(shot, remember=False)
    qtbot.addWidget(opening)
    opening.show()
    assert opening.summary.service.text() == shot.state.service
    assert opening.model.statement_count() == len(full_app.catalogue)
    for state in shot.state.statements:
        assert opening.model.status_of(state.ref) == state.status
    assert _editable(opening) == []
    assert not any(action.isEnabled() for action in opening.menuBar().actions())
    assert opening.findChild(QWidget, "opening-label").text() == OPENING_TEXT
    assert opening.selected_ref() == "XR-101"


def test_the_real_window_replaces_it_and_no_edit_is_made_against_the_snapshot(
    qtbot, demo_path: Path, full_app: App, tmp_path: Path
) -> None:
    shot = _snapshot(demo_path, full_app, tmp_path / "data")
    colleague = Workspace.open(demo_path)
    try:  # a change the snapshot does not know about
        assess(colleague, full_app, "XR-102", AssessmentChange(status="not_met"), actor="ann")
        seen_audit = latest_audit_id(colleague)
        failures: list[BaseException] = []

        def build(opened: tuple[App, Workspace]) -> MainWindow:
            window = MainWindow(opened[0], opened[1], actor="test-user", remember=False)
            qtbot.addWidget(window)
            return window

        start = SnapshotStart(
            shot, lambda: (full_app, Workspace.open(demo_path)), build, failures.append, remember=False
        )
        start.opening.show()  # not given to qtbot: the swap deletes it
        start.opening.select_ref("XR-201")
        qtbot.keyClicks(start.opening.tree, "typing here changes nothing")
        qtbot.keyClick(start.opening.tree, Qt.Key.Key_Return)
        assert latest_audit_id(colleague) == seen_audit  # nothing written while the snapshot shows

        start.load()
        qtbot.waitUntil(lambda: start.window is not None, timeout=20_000)
        window = start.window
        assert isinstance(window, MainWindow) and not failures
        assert not start.opening.isVisible()
        assert window.current_ref() == "XR-201"  # where the user was in the snapshot
        assert window.model.status_of("XR-102") == "not_met"  # the real data, not the snapshot's
        assert shot.state.statements[1].status != "not_met"

        window.view.form.narrative.setPlainText("Saved in the real window")
        assert window.view.form.save()
        assert statement_details(colleague, full_app, "XR-201").assessment.narrative == "Saved in the real window"
        window.close()
    finally:
        colleague.close()


def test_closing_it_before_the_workspace_opens_closes_the_workspace_too(
    qtbot, demo_path: Path, full_app: App, tmp_path: Path
) -> None:
    shot = _snapshot(demo_path, full_app, tmp_path / "data")
    built: list[object] = []
    start = SnapshotStart(
        shot, lambda: (full_app, Workspace.open(demo_path)), built.append, lambda exc: None, remember=False
    )
    qtbot.addWidget(start.opening)
    start.opening.show()
    start.opening.close()
    start.load()
    qtbot.waitUntil(lambda: start.result is not None, timeout=20_000)
    assert start.abandoned and built == [] and start.window is None
    start.result[1].close()


def test_a_workspace_that_cannot_open_is_said_in_the_window(
    qtbot, demo_path: Path, full_app: App, tmp_path: Path
) -> None:
    from qsi_desktop.errors import QsiError

    shot = _snapshot(demo_path, full_app, tmp_path / "data")
    failures: list[BaseException] = []

    def broken() -> tuple[App, Workspace]:
        raise QsiError("the workspace is locked by another program")

    start = SnapshotStart(shot, broken, lambda opened: None, failures.append, remember=False)
    qtbot.addWidget(start.opening)
    start.opening.show()
    start.load()
    qtbot.waitUntil(lambda: bool(failures), timeout=20_000)
    assert "locked by another program" in start.opening.findChild(QWidget, "opening-label").text()


def test_the_launcher_saves_a_snapshot_and_paints_it_next_time(
    demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp
) -> None:
    from qsi_desktop.gui import launcher

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("QSI_PORTABLE", raising=False)
    monkeypatch.delenv("QSI_DISABLE_PLUGIN_DISCOVERY", raising=False)  # the real start finds the plugins
    shown: list[str] = []

    def screenshot(qt_app, window, target):
        shown.append(type(window).__name__)
        window.close()
        return 0

    monkeypatch.setattr(launcher, "_screenshot", screenshot)
    assert launcher.main([str(demo_path), "--screenshot", str(tmp_path / "a.png")]) == 0
    assert snapshot.read_snapshot(demo_path, launcher.data_dir()) is not None
    assert launcher.main([str(demo_path), "--screenshot", str(tmp_path / "b.png")]) == 0
    assert shown == ["MainWindow", "OpeningWindow"]


DRIVER = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from qsi_desktop.gui import launcher

seen = []

def poll():
    shown = sorted(type(w).__name__ for w in QApplication.topLevelWidgets() if w.isVisible() and w.isWindow()
                   and type(w).__name__ in ("OpeningWindow", "MainWindow"))
    if shown and shown not in seen:
        seen.append(shown)
    main = [w for w in QApplication.topLevelWidgets() if type(w).__name__ == "MainWindow" and w.isVisible()]
    if main:
        print(main[0].current_ref())
        main[0].close()
        return
    QTimer.singleShot(10, poll)

start_qt = launcher.start_qt

def start():
    app = start_qt()
    QTimer.singleShot(0, poll)
    return app

launcher.start_qt = start
status = launcher.main(sys.argv[1:])
print(seen)
raise SystemExit(status)
"""


def test_a_real_start_paints_the_snapshot_then_swaps_in_the_window(demo_path: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {
        key: value for key, value in os.environ.items() if key not in ("QSI_DISABLE_PLUGIN_DISCOVERY", "QSI_PORTABLE")
    }
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )

    def start(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", DRIVER, str(demo_path), *args], capture_output=True, text=True, timeout=120, env=env
        )
        assert done.returncode == 0, done.stderr
        return " ".join(done.stdout.strip().splitlines()[-2:])

    assert start() == "XR-101 [['MainWindow']]"  # no snapshot yet: the ordinary start, which saves one on closing
    assert start() == "XR-101 [['OpeningWindow'], ['MainWindow']]"  # then the snapshot, swapped for the window
    assert start("--statement", "xr-501") == "XR-501 [['OpeningWindow'], ['MainWindow']]"  # saved again, too
