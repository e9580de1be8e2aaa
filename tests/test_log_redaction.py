"""The log file blanks NHS-number-like text in messages and tracebacks, never the line's own time."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from qsi_desktop.paths import log_formatter


def test_messages_and_tracebacks_are_blanked_but_not_the_time() -> None:
    formatter = log_formatter()
    formatter.converter = time.gmtime
    # A time whose digits pass the check as ten digits: 2026-12-02 18 (found blanked in a run's log).
    record = logging.LogRecord("qsi", logging.ERROR, __file__, 1, "cell held %s", ("943 476 5919",), None)
    record.created = datetime(2026, 12, 2, 18, 48, 38, tzinfo=UTC).timestamp()
    record.msecs = 336
    try:
        raise ValueError("bad value 9434765919")
    except ValueError as exc:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    line = formatter.format(record)
    assert line.startswith("2026-12-02 18:48:38,336 ERROR qsi: cell held [NHS number removed]")
    assert "9434765919" not in line and "943 476 5919" not in line and "bad value [NHS number removed]" in line
