"""The window stays responsive while DICOM dose reports import: the longest gap between ticks of a 5 ms
timer on the GUI thread while the real window imports generated CT RDSRs on its worker.

    QT_QPA_PLATFORM=offscreen python bench/bench_gui_import.py [--files 2000]

Target (issue 14): no event-loop stall over 100 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).parent))

from bench_dose import generate
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from qsi_desktop.gui.main_window import MainWindow
from qsi_desktop.services.app import App
from qsi_desktop.store.workspace import NewProfile, Workspace


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args()
    qt = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate(root / "dose", args.files)
        app = App.load([f"qsi_plugin_{m}.plugin" for m in ("ct", "ir", "mr", "nm", "us")])
        ws = Workspace.create(
            root / "ws", NewProfile("Bench", modalities=("CT",)), framework_id=app.framework_id, actor="bench"
        )
        window = MainWindow(app, ws, actor="bench")
        window.show()
        gaps: list[float] = []
        last = time.perf_counter()

        def tick() -> None:
            nonlocal last
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(tick)
        timer.start()
        started = time.perf_counter()
        worker = window.run_import("ct-dose", [root / "dose"])
        done = []
        worker.signals.done.connect(lambda: done.append(True))
        while not done:
            qt.processEvents()
            time.sleep(0.001)
        seconds = time.perf_counter() - started
        timer.stop()
        window.close()
        ws.close()
    gaps.sort()
    p99 = gaps[int(len(gaps) * 0.99) - 1] if gaps else 0.0
    print(
        f"{args.files} CT RDSRs imported by the window in {seconds:.1f} s ({args.files / seconds:.0f} files/s); "
        f"GUI thread: {len(gaps)} ticks, longest gap {gaps[-1] * 1000:.0f} ms, 99th percentile {p99 * 1000:.0f} ms "
        "(target: no stall over 100 ms)"
    )


if __name__ == "__main__":
    main()
