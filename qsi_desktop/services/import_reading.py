"""Reading an import's files: the importer called through the plugin guard, and each thing it yields
checked by the core's rules before anything may be stored.

The rules (:class:`Checker`): a record is a field map with a valid key; no value anywhere looks like an
NHS number (refused, whatever the importer); free text that looks like a patient identifier is held
back, blanked or kept as the user chose. What passes becomes a :class:`Checked` record: its keys and
its data as the JSON text to store.

Importers that allow it (``Importer.parallel``) are read in other processes so reading and storing
overlap on a machine's two cores: a folder of many files a window of files ahead in a pool
(:class:`ReadAhead`), and one large file streamed in checked batches from a child process
(:class:`StreamedFile`). Either way the parent receives checked records, not the importer's objects.
"""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
import os
import pickle
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from qsi_desktop.errors import QsiError
from qsi_desktop.plugins import guard
from qsi_desktop.plugins.types import ImportedRecord, ImportIssue
from qsi_desktop.privacy import KeyedHasher, find_identifier_kinds, find_nhs_numbers
from qsi_desktop.tabular import EncodedRecord

log = logging.getLogger(__name__)

RECORD, SKIPPED, REJECTED = "record", "skipped", "rejected"
RESERVED_FIELDS = frozenset({"id", "occurred_on", "current"})  # what the core adds when records are read
PARALLEL_FROM = 8  # files: below this, starting worker processes costs more than it saves
# One file this large is read in a child process while the parent stores. A forked child starts at once;
# a spawned one (Windows, macOS) imports the app first, which only a larger file repays.
STREAM_FROM_BYTES = (1 << 20) if multiprocessing.get_all_start_methods()[0] == "fork" else (8 << 20)
_WINDOW_PER_WORKER = 4  # files read ahead per worker: bounds the memory a slow store lets pile up
_STREAM_BATCH = 2000  # checked items per message from a streaming child

_STORED_JSON = json.JSONEncoder(ensure_ascii=False).encode  # one encoder for every record, not one each


class Checked(NamedTuple):
    """A record that passed the checks, as it is stored: its data already the JSON text to store."""

    key: str
    text: str
    row: int | None
    occurred_on: str | None
    group: str | None
    rank: float


CheckedItem = tuple[str, "Checked | ImportIssue"]  # (RECORD, Checked) or (SKIPPED | REJECTED, ImportIssue)


class WrongItem(TypeError):
    """The importer yielded something that is neither an ImportedRecord nor an ImportIssue."""


class Checker:
    """The core's checks of what an importer yields (pure: runs in the parent or in a reading process)."""

    def __init__(self, free_text: tuple[str, ...] | None, identifiers: str):
        self.free_text = free_text
        self.identifiers = identifiers
        self._direct = free_text is not None and all("." not in name for name in free_text)
        self._today = date.today()
        self._kinds: dict[str, list[str]] = {}  # text -> identifier kinds: a log repeats its few values

    def check(self, item: object) -> Iterator[CheckedItem]:
        """What to do with one item: issues pass through; a record is refused, held back, or stored
        (with a note when its free text was blanked or kept). Reasons name fields, never their text."""
        if isinstance(item, ImportIssue):
            yield (SKIPPED if item.kind == "skipped" else REJECTED), item
            return
        if not isinstance(item, ImportedRecord):
            raise WrongItem(f"yielded {type(item).__name__}, not ImportedRecord or ImportIssue")
        problem, text = invalid(item)
        if problem:
            yield REJECTED, ImportIssue(item.file, problem, item.row)
            return
        if hits := self.identifier_hits(item.data):
            found = "; ".join(f"the {name} value looks like {kind}" for name, kind in hits)
            if self.identifiers == "hold":
                reason = (
                    f"{found}: held back, not stored (import it again choosing to blank that text, or to keep "
                    "it once you have checked it is not a patient's)"
                )
                yield REJECTED, ImportIssue(item.file, reason, item.row)
                return
            if self.identifiers == "blank":
                note = f"{found}: stored with that text blanked"
                item = replace(item, data=_blank_fields(item.data, {name for name, _ in hits}))
                text = _STORED_JSON(item.data)
            else:
                note = f"{found}: kept as it is, as confirmed"
            yield SKIPPED, ImportIssue(item.file, note, item.row, "skipped")
        yield RECORD, Checked(item.key, text, item.row, item.occurred_on, item.group, float(item.rank))

    def checked(self, items: Iterable[object]) -> Iterator[CheckedItem]:
        for item in items:
            yield from self.check(item)

    def identifier_hits(self, data: dict[str, Any]) -> list[tuple[str, str]]:
        """(field, kind) for each free-text field of ``data`` holding identifier-shaped text (one kind each)."""
        hits: list[tuple[str, str]] = []
        if self._direct:  # the common case: a look-up of each named field
            for name in self.free_text or ():
                text = data.get(name)
                if text.__class__ is str and text and (kinds := self._kinds_of(text)):  # type: ignore[arg-type]
                    hits.append((name, kinds[0]))
            return hits
        for name, text in _text_fields(data):
            wanted = self.free_text is None or name in self.free_text
            if wanted and all(name != seen for seen, _ in hits) and (kinds := self._kinds_of(text)):
                hits.append((name, kinds[0]))
        return hits

    def _kinds_of(self, text: str) -> list[str]:
        kinds = self._kinds.get(text)
        if kinds is None:
            if len(self._kinds) > 50_000:  # free text that never repeats: keep memory flat
                self._kinds.clear()
            kinds = self._kinds[text] = find_identifier_kinds(text, self._today)
        return kinds


def invalid(record: ImportedRecord) -> tuple[str, str]:
    """Why the record cannot be stored ("" when it can), and its data as the JSON text to store."""
    if not isinstance(record.data, dict) or not RESERVED_FIELDS.isdisjoint(record.data):
        reserved = ", ".join(sorted(RESERVED_FIELDS))
        return f"importer produced data that is not a field map, or uses a field the core keeps ({reserved})", ""
    if not record.key or len(record.key) > 64:
        return "importer produced a record without a valid key", ""
    if record.group is not None and (not record.group or len(record.group) > 64):
        return "importer produced a record with an invalid group", ""
    if type(record) is EncodedRecord and record.text:
        text = record.text  # made by the core's table reader from this data
    else:
        try:
            text = _STORED_JSON(record.data)
        except (TypeError, ValueError) as exc:
            return f"importer produced data that cannot be stored ({exc})", ""
    # One pass over the whole record's text; only a hit walks the fields to name the one.
    if find_nhs_numbers(text):  # whatever the importer: an identifier never reaches the workspace
        field = _field_with_nhs_number(record.data) or "record"
        return f"the {field} value looks like an NHS number: the row was not stored", ""
    return "", text


def _text_fields(value: Any, field: str = "") -> Iterator[tuple[str, str]]:
    """(dotted field name, text) of every string in ``value``; list items share their field's name."""
    if isinstance(value, str):
        yield field, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _text_fields(inner, f"{field}.{key}" if field else str(key))
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _text_fields(inner, field)


def _blank_fields(value: Any, names: set[str], field: str = "") -> Any:
    """A copy of ``value`` with the text of the named (dotted) fields replaced by ""."""
    if isinstance(value, str):
        return "" if field in names else value
    if isinstance(value, dict):
        return {k: _blank_fields(v, names, f"{field}.{k}" if field else str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_blank_fields(inner, names, field) for inner in value]
    return value


def _field_with_nhs_number(value: Any, field: str = "") -> str | None:
    """The first field (``events.protocol`` for nested ones) whose text holds an NHS-number-like string."""
    if isinstance(value, str):
        return field or "record" if find_nhs_numbers(value) else None
    if isinstance(value, dict):
        items = ((f"{field}.{key}" if field else str(key), inner) for key, inner in value.items())
    elif isinstance(value, list | tuple):
        items = ((field, inner) for inner in value)
    else:
        return None
    return next((found for name, inner in items if (found := _field_with_nhs_number(inner, name))), None)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile: a large import makes millions of short-lived objects, which
    reference counting frees, and the collector's passes over them cost about a sixth of the time. Leaves
    the collector as it found it (the window turns it off and collects on its own thread)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# -- reading in other processes ------------------------------------------------------------------------


class HashingContext:
    """The context an importer's ``read`` gets in a reading process: hashing only (progress and cancel
    are the parent's)."""

    def __init__(self, secret: bytes, chosen_columns: Mapping[str, str] | None = None):
        self.keyed_hash = KeyedHasher(secret)
        self.chosen_columns = chosen_columns  # header -> column, as the user chose (table importers)

    def progress(self, done: int, total: int, message: str = "") -> None:
        pass

    def is_cancelled(self) -> bool:
        return False


@dataclass(frozen=True)
class ReadJob:
    """What a reading process needs: the importer's module-level ``read`` and the checks' settings."""

    read: Callable[..., Iterable[object]]
    secret: bytes
    free_text: tuple[str, ...] | None
    identifiers: str
    chosen_columns: Mapping[str, str] | None = None

    def items(self, path: Path) -> Iterator[CheckedItem]:
        context = HashingContext(self.secret, self.chosen_columns)
        return Checker(self.free_text, self.identifiers).checked(self.read(path, context))

    def can_cross(self) -> bool:
        """A lambda or a nested function cannot be sent to another process."""
        try:
            pickle.dumps(self)
        except Exception:
            return False
        return True


def _read_whole(job: ReadJob, path: Path) -> list[CheckedItem]:
    with cyclic_gc_paused():
        return list(job.items(path))


class ReadAhead:
    """Files read in worker processes, a window ahead of the one being stored, handed out in order."""

    def __init__(self, job: ReadJob, files: Sequence[Path]):
        workers = max(2, min(os.cpu_count() or 2, 8))
        self.pool = ProcessPoolExecutor(max_workers=workers)
        self.job = job
        self.queue = deque(files)
        self.futures: dict[Path, Future[list[CheckedItem]]] = {}
        self.window = _WINDOW_PER_WORKER * workers
        self._fill()

    def _fill(self) -> None:
        while self.queue and len(self.futures) < self.window:
            path = self.queue.popleft()
            self.futures[path] = self.pool.submit(_read_whole, self.job, path)

    def result(self, path: Path) -> list[CheckedItem]:
        future = self.futures.pop(path)
        self._fill()
        return future.result()  # raises what the importer raised, in its process

    def close(self) -> None:
        for future in self.futures.values():
            future.cancel()
        self.pool.shutdown(wait=True, cancel_futures=True)


def _stream(job: ReadJob, path: Path, connection: Any) -> None:
    """In the child: send the file's checked items in batches, then "done" (or the error that stopped it)."""
    gc.disable()  # a short-lived process: reference counting frees what it makes
    try:
        batch: list[CheckedItem] = []
        for item in job.items(path):
            batch.append(item)
            if len(batch) >= _STREAM_BATCH:
                connection.send(("items", batch))
                batch = []
        connection.send(("items", batch))
        connection.send(("done", None))
    except BaseException as exc:  # whatever stopped the reading goes to the parent, which reports it
        connection.send(("error", _portable(exc), traceback.format_exc()))
    finally:
        connection.close()


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a RuntimeError of the same type name and message."""
    try:
        return pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


class ReadingStopped(RuntimeError):
    """The reading process ended without a word (killed, or crashed in native code)."""


class StreamedFile:
    """One file read and checked in a child process, received in batches as the parent stores them."""

    def __init__(self, job: ReadJob, path: Path):
        context = multiprocessing.get_context()
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_stream, args=(job, path, send), daemon=True)
        self._process.start()
        send.close()  # the child's end: the parent sees EOF if the child dies

    def batches(self) -> Iterator[list[CheckedItem]]:
        """Batches of checked items; raises what stopped the reading (an error, or the process dying)."""
        while True:
            try:
                kind, payload, *rest = self._receive.recv()
            except EOFError:
                self._process.join(5)
                raise ReadingStopped(
                    f"the process reading the file stopped (exit code {self._process.exitcode})"
                ) from None
            if kind == "items":
                yield payload
            elif kind == "done":
                return
            else:
                log.error("reading process failed:\n%s", rest[0] if rest else "")
                raise payload

    def close(self) -> None:
        """Stop the child if it is still reading (a cancel, or a failure while storing)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(5)
        self._receive.close()


def raise_as_plugin_error(plugin: str, what: str, exc: BaseException) -> None:
    """What a reading process raised, as the plugin guard raises it in the parent."""
    if isinstance(exc, guard.PluginError | QsiError):
        raise exc
    raise guard.PluginError(plugin, what, exc) from exc
