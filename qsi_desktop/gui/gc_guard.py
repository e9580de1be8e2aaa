"""Python's cyclic garbage collector, run on the GUI thread only.

Left automatic, the collector runs in whichever thread happens to allocate when a threshold is
crossed: a worker storing files, say. If it then frees a dialog or a signal object caught in a
reference cycle, Qt deletes the C++ object on that worker thread, and the process can crash (seen
with PySide6 6.11: a dialog owned by Python after ``exec()`` collected while files were stored).
So the window turns automatic collection off and a timer on the GUI thread collects instead, by the
same thresholds, a few times a second at most.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """While it lives, cyclic garbage is collected on the thread that owns it (the GUI thread)."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.collections = 0
        self._was_enabled = gc.isenabled()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)
        if self._was_enabled:  # automatic collection back when the collector goes
            self.destroyed.connect(_restore)

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds, as automatic collection would."""
        first, second, third = gc.get_count()
        limit_first, limit_second, limit_third = gc.get_threshold()
        if first < limit_first:
            return
        generation = 2 if third >= limit_third else 1 if second >= limit_second else 0
        gc.collect(generation)
        self.collections += 1


def _restore() -> None:
    gc.enable()


def install(app: QObject) -> GuiThreadCollector:
    """Collect on ``app``'s thread from now on (for as long as ``app`` lives)."""
    return GuiThreadCollector(app)
