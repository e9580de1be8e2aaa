"""Cyclic garbage is collected on the GUI thread, never on a worker's (gui/gc_guard.py)."""

from __future__ import annotations

import gc
import threading
from typing import ClassVar

from PySide6.QtCore import QObject

from qsi_desktop.gui import workers
from qsi_desktop.gui.gc_guard import GuiThreadCollector


class Cycle:
    """A reference cycle that notes the thread it is freed on."""

    freed_on: ClassVar[list[str]] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        Cycle.freed_on.append(threading.current_thread().name)


def test_cycles_made_on_a_worker_are_freed_on_the_gui_thread(qtbot) -> None:
    owner = QObject()
    thresholds, enabled_before = gc.get_threshold(), gc.isenabled()  # a launcher test may have installed one
    collector = GuiThreadCollector(owner, interval_ms=20)
    try:
        assert not gc.isenabled()
        Cycle.freed_on.clear()
        gc.set_threshold(100, 10, 10)

        def work(progress: workers.Progress, cancel: workers.CancelRequested) -> int:
            for _ in range(2000):  # far past the threshold: automatic collection would run here
                Cycle()
            return len(Cycle.freed_on)

        worker = workers.start(work, name="cycles")
        with qtbot.waitSignal(worker.signals.finished, timeout=10_000) as finished:
            pass
        assert finished.args == [0]  # nothing was freed on the worker
        qtbot.waitUntil(lambda: len(Cycle.freed_on) >= 1900, timeout=10_000)
        assert set(Cycle.freed_on) == {threading.main_thread().name} and collector.collections >= 1
    finally:
        gc.set_threshold(*thresholds)
        owner.deleteLater()
        del collector
        qtbot.waitUntil(lambda: gc.isenabled() == enabled_before, timeout=5000)
