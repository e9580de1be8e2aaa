"""Every call into plugin code at run time goes through here, as loading does through the manager.

An exception raised by a plugin (an importer's ``read``, a report section's ``render``, a panel
factory, a record upgrade) becomes one :class:`PluginError` whose message names the plugin and
what it was doing, e.g. ``importer dx-phantom-log (plugin dx) failed: KeyError 'column'``. The
traceback goes to the log; the caller stops its batch or export cleanly and stores nothing half
done. Our own :class:`~qsi_desktop.errors.QsiError` raised from inside a plugin (a plugin calling
a service with bad input) passes through unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from qsi_desktop.errors import QsiError
from qsi_desktop.privacy import redact_nhs_numbers

log = logging.getLogger(__name__)

T = TypeVar("T")
_MESSAGE_LIMIT = 160


class PluginError(QsiError):
    """Plugin code raised while it ran. ``plugin`` and ``what`` say whose code and doing what."""

    def __init__(self, plugin: str, what: str, exc: BaseException, where: str = "") -> None:
        self.plugin = plugin
        self.what = what
        self.cause = exc
        on = f" on {where}" if where else ""
        super().__init__(f"{what} (plugin {plugin}) failed{on}: {describe(exc)}")


def describe(exc: BaseException) -> str:
    """``KeyError 'column'``: the type and a short, NHS-number-free message, on one line."""
    text = " ".join(str(exc).split())
    text = redact_nhs_numbers(text)
    if len(text) > _MESSAGE_LIMIT:
        text = text[: _MESSAGE_LIMIT - 1] + "…"
    return f"{type(exc).__name__} {text}".rstrip()


def call(plugin: str, what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)``, with any exception but ours turned into a :class:`PluginError`."""
    try:
        return function(*args, **kwargs)
    except QsiError:
        raise
    except Exception as exc:
        raise _failed(plugin, what, exc) from exc


def iterate(plugin: str, what: str, items: Callable[[], Iterable[T]]) -> Iterator[T]:
    """Iterate what ``items()`` returns (a list or a generator), guarding the call and every step."""
    try:
        iterator = iter(items())
    except QsiError:
        raise
    except Exception as exc:
        raise _failed(plugin, what, exc) from exc
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except QsiError:
            raise
        except Exception as exc:
            raise _failed(plugin, what, exc) from exc
        yield item


def _failed(plugin: str, what: str, exc: Exception) -> PluginError:
    error = PluginError(plugin, what, exc)
    # The traceback for whoever fixes the plugin; the user sees the one line.
    log.error("%s", error, exc_info=exc)
    return error
