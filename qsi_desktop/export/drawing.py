"""One chart drawn at a time in the process.

matplotlib is not thread-safe: its font objects and caches are shared by every figure. The window reads
the dashboard and each modality's summaries on worker threads, and the pack may be written meanwhile, so
two charts could be drawn at once; that corrupted the heap in a test run (malloc_consolidate abort while
two summaries tabs drew). Every function that builds or draws a figure holds this lock for the whole
figure; it is re-entrant, so a chart function may call another.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_LOCK = threading.RLock()


def one_at_a_time(draw: Callable[P, R]) -> Callable[P, R]:
    """``draw`` run while holding the process's drawing lock."""

    @functools.wraps(draw)
    def locked(*args: P.args, **kwargs: P.kwargs) -> R:
        with _LOCK:
            return draw(*args, **kwargs)

    return locked
