"""Long work off the GUI thread: a plain function ``work(progress, cancel)`` run on ``QThreadPool``.

The function is ordinary Qt-free code (the services' ``on_progress`` and ``cancel`` parameters fit
it directly)::

    def work(progress, cancel):
        return run_import(ws, app, name, paths, actor=actor, on_progress=progress, cancel=cancel)

    worker = start(
        work,
        on_progress=...,  # (done, total, message), throttled
        on_finished=...,  # the function's return value
        on_failed=...,  # the exception it raised
        on_done=...,  # always, last
    )
    worker.cancel()  # cooperative: cancel() returns True from now on

The work is handed to the pool from the event loop after ``start`` returns, so slots connected right
after ``start`` (in the same GUI-thread code) are connected before it can emit anything: a signal
reaches only the slots connected when it is emitted.

Signals are delivered on the GUI thread (queued), in order, and ``done`` always comes last.
Workers pass ids, paths and plain values between threads, never ORM objects (one session per
unit of work, see ARCHITECTURE.md).

:func:`run_with_progress` wraps a worker in a window-modal ``QProgressDialog`` with Cancel, and
:func:`run_blocking` does the same while waiting for the result (start-up work before a window).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from qsi_desktop.errors import QsiError

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
CancelRequested = Callable[[], bool]
Work = Callable[[Progress, CancelRequested], Any]

PROGRESS_INTERVAL_S = 0.05  # at most ~20 progress signals a second: an importer may report every row

_running: dict[int, Worker] = {}  # workers the pool is running, by id()


def _release(key: int) -> None:
    _running.pop(key, None)


class Cancelled(Exception):
    """Raised by work (or its progress callback) to stop early after a cancel request."""


class WorkerSignals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    done = Signal()


class Worker(QRunnable):
    """Runs ``work(progress, cancel)`` once on a pool thread and reports through :attr:`signals`."""

    def __init__(self, work: Work, *, name: str = "") -> None:
        super().__init__()
        self.work = work
        self.name = name or getattr(work, "__name__", "work")
        self.signals = WorkerSignals()
        self._cancel = threading.Event()
        self._last_progress = 0.0
        self.progress_dialog: QProgressDialog | None = None

    # -- GUI thread -------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Ask the work to stop; it stops at its next check of ``cancel()``."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def start(self, pool: QThreadPool | None = None) -> Worker:
        # Python owns the runnable (no auto-delete): the pool never deletes an object Python still
        # refers to. The module keeps it alive until ``done`` has been delivered.
        self.setAutoDelete(False)
        _running[id(self)] = self
        self.signals.done.connect(functools.partial(_release, id(self)))  # no reference cycle
        # Handed to the pool from the event loop, not here: every slot the caller connects after start()
        # returns (a test's waitSignal too) is connected before the work can emit anything; quick work
        # could otherwise be over, its signals gone to nobody, before the caller connected.
        # A cancel before then is seen by the work at its first check, as any other cancel.
        QTimer.singleShot(0, functools.partial((pool or QThreadPool.globalInstance()).start, self))
        return self

    # -- pool thread ------------------------------------------------------------------------------

    def _progress(self, done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL_S or (total and done >= total):
            self._last_progress = now
            self.signals.progress.emit(int(done), int(total), str(message))

    def run(self) -> None:
        try:
            result = self.work(self._progress, self._cancel.is_set)
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception as exc:
            if not isinstance(exc, QsiError):
                log.exception("background work %s failed", self.name)
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)
        finally:
            self.signals.done.emit()


def start(
    work: Work,
    *,
    name: str = "",
    on_progress: Callable[[int, int, str], object] | None = None,
    on_finished: Callable[[Any], object] | None = None,
    on_failed: Callable[[BaseException], object] | None = None,
    on_done: Callable[[], object] | None = None,
) -> Worker:
    """Run ``work`` on the pool with its slots connected first: a signal emitted before a slot is
    connected never reaches it, and quick work can finish before ``start`` returns (a test caught a
    wizard whose buttons stayed disabled, its ``done`` emitted before it was connected)."""
    worker = Worker(work, name=name)
    for signal, slot in (
        (worker.signals.progress, on_progress),
        (worker.signals.finished, on_finished),
        (worker.signals.failed, on_failed),
        (worker.signals.done, on_done),
    ):
        if slot is not None:
            signal.connect(slot)
    return worker.start()


def running_workers() -> list[Worker]:
    return list(_running.values())


def cancel_all(wait_ms: int = 10_000) -> bool:
    """Ask every running worker to stop and wait for the pool; True if it drained in time."""
    for worker in list(_running.values()):
        worker.cancel()
    return QThreadPool.globalInstance().waitForDone(wait_ms)


# Command-line wording the services' messages carry, and what the window says instead.
_COMMAND_LINE_HINT = re.compile(r"\s*\((?:--|qsi )[^()]*\)")  # (--justification "...") (--qs XR-101[,XR-102])
_COMMAND_LINE_PHRASES = (
    (re.compile(r"; '?qsi [a-z -]+'? (?:lists|shows) them"), ""),
    (re.compile(r"; create one with 'qsi init'"), "; create one with File > New workspace"),
)


def gui_text(message: str) -> str:
    """A service's message in the window's words: no command-line options or ``qsi`` commands."""
    text = _COMMAND_LINE_HINT.sub("", message)
    for pattern, replacement in _COMMAND_LINE_PHRASES:
        text = pattern.sub(replacement, text)
    return text


def error_message(exc: BaseException) -> str:
    """What to tell the user about a failure: our own errors in the window's words, anything else with its type."""
    if isinstance(exc, QsiError):
        return gui_text(str(exc))
    return f"Unexpected error ({type(exc).__name__}): {exc}. Details are in the log."


def run_with_progress(
    parent: QWidget | None,
    title: str,
    label: str,
    work: Work,
    *,
    on_finished: Callable[[Any], None] | None = None,
    on_failed: Callable[[BaseException], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
    on_done: Callable[[], None] | None = None,
    cancellable: bool = True,
    minimum_duration_ms: int = 400,
) -> Worker:
    """Run ``work`` with a window-modal progress dialog (shown only if it takes a moment).

    The dialog is closed before any outcome callback runs. Without ``on_failed`` a failure is
    shown in a warning box. Cancel asks the work to stop and keeps the dialog up (saying so) until
    the work has actually stopped. ``on_done`` runs last, whatever the outcome.
    """
    dialog = QProgressDialog(label, "Cancel", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setObjectName("progress-dialog")
    dialog.setAccessibleName(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(minimum_duration_ms)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setMinimumWidth(440)
    if not cancellable:
        dialog.setCancelButton(None)
    worker = Worker(work, name=title)
    state = {"open": True}

    def close_dialog() -> None:
        if state["open"]:
            state["open"] = False
            dialog.canceled.disconnect(cancel)  # closing a QProgressDialog emits canceled()
            dialog.close()
            dialog.deleteLater()

    def progress(done: int, total: int, message: str) -> None:
        if worker.cancel_requested or not state["open"]:
            return
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total > 0 else 0)
        if message:
            dialog.setLabelText(f"{label}\n{message}")

    def cancel() -> None:
        if not cancellable:
            return
        worker.cancel()
        dialog.setLabelText("Cancelling: waiting for the current step to finish…")
        dialog.show()

    def finished(result: Any) -> None:
        close_dialog()
        if on_finished is not None:
            on_finished(result)

    def failed(exc: BaseException) -> None:
        close_dialog()
        if on_failed is not None:
            on_failed(exc)
        else:
            QMessageBox.warning(parent, title, error_message(exc))

    def cancelled() -> None:
        close_dialog()
        if on_cancelled is not None:
            on_cancelled()

    def done() -> None:
        close_dialog()
        if on_done is not None:
            on_done()

    worker.signals.progress.connect(progress)
    worker.signals.finished.connect(finished)
    worker.signals.failed.connect(failed)
    worker.signals.cancelled.connect(cancelled)
    worker.signals.done.connect(done)
    dialog.canceled.connect(cancel)
    worker.progress_dialog = dialog  # for tests and for callers that want to tweak it
    worker.start()
    return worker


class WorkFailed(Exception):
    """:func:`run_blocking`'s work raised; ``error`` is the original exception."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(error_message(error))
        self.error = error


def run_blocking(parent: QWidget | None, title: str, label: str, work: Work, *, cancellable: bool = False) -> Any:
    """Run ``work`` on the pool with a progress dialog and wait (the event loop keeps running).

    Returns the result; raises :class:`WorkFailed` if the work raised and :class:`Cancelled` if it
    was cancelled.
    """
    loop = QEventLoop()
    outcome: dict[str, Any] = {}
    run_with_progress(
        parent,
        title,
        label,
        work,
        on_finished=lambda result: outcome.update(result=result),
        on_failed=lambda exc: outcome.update(error=exc),
        on_cancelled=lambda: outcome.update(cancelled=True),
        on_done=loop.quit,
        cancellable=cancellable,
    )
    loop.exec()
    if "error" in outcome:
        raise WorkFailed(outcome["error"])
    if outcome.get("cancelled"):
        raise Cancelled()
    return outcome.get("result")
