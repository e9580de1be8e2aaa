"""Where QSI Desktop keeps its own files, and its log file. Qt-free: the launcher and ``qsi`` share it.

The data folder is the user's local data folder (platformdirs: ``%LOCALAPPDATA%\\QSI Desktop`` on
Windows), or in portable mode (``QSI_PORTABLE=1``, or a ``portable.txt`` file beside the frozen
executable) a ``data`` folder beside the executable. Logs go to its ``logs`` folder: plugin
tracebacks and unexpected errors, never the values of imported files.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

APP_NAME = "QSI Desktop"
PORTABLE_ENV = "QSI_PORTABLE"
PORTABLE_MARKER = "portable.txt"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def portable_data_dir(
    environ: Mapping[str, str] | None = None, *, executable: str | None = None, frozen: bool | None = None
) -> Path | None:
    """The ``data`` folder beside the executable in portable mode, else None."""
    environ = os.environ if environ is None else environ
    executable = executable or sys.executable
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    folder = Path(executable).resolve().parent
    if _truthy(environ.get(PORTABLE_ENV)) or (frozen and (folder / PORTABLE_MARKER).is_file()):
        return folder / "data"
    return None


def data_dir(environ: Mapping[str, str] | None = None, **kwargs: Any) -> Path:
    portable = portable_data_dir(environ, **kwargs)
    if portable is not None:
        return portable
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def log_to_file(folder: Path, name: str, *, console: bool = False) -> None:
    """Send INFO and above to ``folder/logs/name`` (rotated), once per process.

    ``console``: also show warnings on stderr (the GUI). The command line keeps stderr for its own
    one-line messages, so whatever a plugin's traceback says reaches the log file only.
    """
    root = logging.getLogger()
    if getattr(log_to_file, "done", False):
        return
    log_to_file.done = True  # type: ignore[attr-defined]
    root.setLevel(logging.INFO)
    formatter = log_formatter()
    try:
        (folder / "logs").mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            folder / "logs" / name, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()  # a read-only profile: carry on without a log file
    handler.setFormatter(formatter)
    root.addHandler(handler)  # also keeps Python's last-resort handler from printing to stderr
    if console:
        stderr = _StderrHandler(logging.WARNING)
        stderr.setFormatter(formatter)
        root.addHandler(stderr)


def log_formatter() -> logging.Formatter:
    """How the log file and the console write a record: time, level, logger, message; NHS numbers blanked."""
    return _RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


class _RedactingFormatter(logging.Formatter):
    """Blanks NHS-number-like text in whatever is logged, tracebacks included: a plugin's exception
    message may quote a cell of the file it was reading."""

    # The message and traceback only: the line's own time ("2026-12-02 18:48:38") can read as ten digits
    # that pass the NHS number's check, and was blanked one hour in eleven.
    def formatMessage(self, record: logging.LogRecord) -> str:
        from qsi_desktop.privacy import redact_nhs_numbers

        record.message = redact_nhs_numbers(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        from qsi_desktop.privacy import redact_nhs_numbers

        return redact_nhs_numbers(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        from qsi_desktop.privacy import redact_nhs_numbers

        return redact_nhs_numbers(super().formatStack(stack_info))


def log_path(name: str) -> Path:
    return data_dir() / "logs" / name


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is when a record comes (None under pythonw: dropped)."""

    def emit(self, record: logging.LogRecord) -> None:
        if sys.stderr is None:
            return
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)
