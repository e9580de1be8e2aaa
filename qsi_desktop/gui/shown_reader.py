"""Areas that read the workspace on a worker when they are shown, and again when it changes."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from qsi_desktop.gui import workers


class ShownReader(QWidget):
    """A page whose data is read off the GUI thread: when first shown, and after :meth:`mark_stale`
    (at once if visible, else when next shown). Subclasses give :meth:`read` (Qt-free, on the worker),
    :meth:`show_result` and :meth:`show_error`; a change during a read starts another after it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stale, self._loading = True, False

    def read(self) -> Any:  # runs on a worker thread: services only, no widgets
        raise NotImplementedError

    def show_result(self, result: Any) -> None:
        raise NotImplementedError

    def show_error(self, exc: BaseException) -> None:
        raise NotImplementedError

    def can_read(self) -> bool:
        return True

    def mark_stale(self) -> None:
        """The workspace changed: read it again now if shown, else when next shown."""
        self._stale = True
        if self.isVisible():
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def reload(self) -> workers.Worker | None:
        if self._loading or not self.can_read():
            return None
        self._stale, self._loading = False, True
        read = self.read  # bound now: the worker never touches the widget itself

        def work(progress: workers.Progress, cancel: workers.CancelRequested) -> Any:
            return read()

        return workers.start(
            work,
            name=type(self).__name__,
            on_finished=self.show_result,
            on_failed=self.show_error,
            on_done=self._done,
        )

    def _done(self) -> None:
        self._loading = False
        if self._stale and self.isVisible():  # changed again while it was read
            self.reload()
