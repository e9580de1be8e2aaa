"""Start-up time: QSI Desktop's first paint against a bare PySide6 window, as whole processes, offscreen.

Each run starts a fresh interpreter and stops the clock when the process has saved its window as a
PNG at the window's first paint (the bare window is shown and grabbed the same way as
``qsi-desktop WORKSPACE --screenshot PNG``). Prints the median of several runs of each and the ratio
(target: at most 3x):

    .venv/bin/python bench/bench_startup.py [--runs 7] [--workspace PATH]

Without ``--workspace`` a demo workspace is built in a temporary folder first (not timed). Settings,
logs and the data folder go to a temporary home, so the user's own are never read or changed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# A bare window, shown and saved at its first paint exactly as the launcher's --screenshot does it.
BARE = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

class FirstPaint(QObject):
    def __init__(self, window, target):
        super().__init__(window)
        self.window, self.target, self.seen = window, target, False
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not self.seen:
            self.seen = True
            QTimer.singleShot(0, self.save)
        return False
    def save(self):
        self.window.grab().save(self.target, "PNG")
        QApplication.instance().quit()

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QLabel("bare"))
window.resize(1280, 720)
window.installEventFilter(FirstPaint(window, sys.argv[1]))
window.show()
app.exec()
"""


def run(command: list[str], env: dict[str, str], target: Path) -> float:
    target.unlink(missing_ok=True)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    seconds = time.perf_counter() - start
    if done.returncode != 0 or not target.is_file():
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--workspace", type=Path, help="an existing workspace (default: a new demo)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="qsi-bench-startup-") as tmp:
        home = Path(tmp)
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_CACHE_HOME": str(home / "cache"),
        }
        env.pop("QSI_WORKSPACE", None)
        workspace = args.workspace
        if workspace is None:
            workspace = home / "demo"
            from qsi_desktop.services.app import App
            from qsi_desktop.services.demo import build_demo

            build_demo(workspace, App.load(), actor="bench")
        shot = home / "shot.png"
        bare_cmd = [sys.executable, "-c", BARE, str(shot)]
        app_cmd = [sys.executable, "-m", "qsi_desktop.gui.launcher", str(workspace), "--screenshot", str(shot)]
        run(bare_cmd, env, shot)  # warm the file cache for both
        run(app_cmd, env, shot)
        bare, ours = [], []
        for _ in range(args.runs):  # interleaved, so load on the machine hits both alike
            bare.append(run(bare_cmd, env, shot))
            ours.append(run(app_cmd, env, shot))
    bare_s, ours_s = statistics.median(bare), statistics.median(ours)
    print(f"bare PySide6 window, first paint: median {bare_s:.3f} s of {args.runs} runs")
    print(f"qsi-desktop WORKSPACE --screenshot: median {ours_s:.3f} s of {args.runs} runs")
    print(f"ratio: {ours_s / bare_s:.1f}x (target: at most 3x)")


if __name__ == "__main__":
    main()
