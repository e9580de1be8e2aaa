"""A large log read in a child process while the parent stores it: the same records, issues and counts
as reading it in the parent, with cancel, plugin failures and a dying reader handled as before."""

from __future__ import annotations

import csv
import gc
import multiprocessing
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import ClassVar

import pytest

from qsi_desktop import hookimpl
from qsi_desktop.plugins.guard import PluginError
from qsi_desktop.plugins.types import ImportContext, ImportedRecord, Importer, ImportIssue
from qsi_desktop.privacy import KeyedHasher, keyed_hash
from qsi_desktop.services import import_reading, importing
from qsi_desktop.services.app import App
from qsi_desktop.store.workspace import NewProfile, Workspace
from qsi_desktop.tabular import Row, RowRecord, TableImport

HEADER = ["Probe ID", "Date", "Time", "Examination category", "Method", "Cycle ID", "Operator", "Result"]


def _log(path: Path, rows: int, *, planted: bool = True) -> Path:
    """A decontamination log; ``planted`` adds a bad date, an unknown category, an NHS number in the
    method and a patient's name in the result's free text, at known rows."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            row = [f"TV-{i % 7:02d}", f"{1 + i % 28:02d}/0{1 + i % 9}/2026", f"{8 + i % 10}:{i % 60:02d}"]
            row += ["intracavity" if i % 3 else "surface", "Trophon EPR", f"C{i}", "Sonographer"]
            row += ["Pass" if i % 97 else "Fail"]
            writer.writerow(row)
        if planted:
            writer.writerow(["TV-01", "31/02/2026", "09:00", "intracavity", "Trophon EPR", "C1", "Sam", "Pass"])
            writer.writerow(["TV-01", "01/03/2026", "09:01", "elbow", "Trophon EPR", "C2", "Sam", "Pass"])
            for time, method in (("09:02", "Trophon 943 476 5919"), ("09:03", "Trophon seen by Mrs Jones")):
                writer.writerow(["TV-01", "01/03/2026", time, "intracavity", method, "C3", "", "Pass"])
    return path


def _app() -> App:
    return App.load(["qsi_plugin_us.plugin"])


def _workspace(folder: Path) -> Workspace:
    return Workspace.create(folder, NewProfile("Test", modalities=("US",)), framework_id="qsi-2026-draft", actor="t")


class _CountingStream(import_reading.StreamedFile):
    made: ClassVar[list[_CountingStream]] = []

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        _CountingStream.made.append(self)


@pytest.fixture
def streams(monkeypatch: pytest.MonkeyPatch) -> list[_CountingStream]:
    _CountingStream.made = []
    monkeypatch.setattr(importing, "StreamedFile", _CountingStream)
    return _CountingStream.made


def _stored(ws: Workspace) -> list[dict]:
    return sorted(
        ({k: v for k, v in r.items() if k != "id"} for r in importing.list_records(ws, "us-decontamination")),
        key=lambda r: sorted(r.items()),
    )


def test_a_large_log_read_in_another_process_stores_what_reading_it_here_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streams: list[_CountingStream]
) -> None:
    app, log = _app(), _log(tmp_path / "decontamination.csv", 3000)
    monkeypatch.setattr(importing, "STREAM_FROM_BYTES", 1)
    streamed_ws = _workspace(tmp_path / "streamed")
    streamed = importing.run_import(streamed_ws, app, "us-decontamination", [log], actor="t")
    assert len(streams) == 1 and not streams[0]._process.is_alive()
    monkeypatch.setattr(importing, "STREAM_FROM_BYTES", 1 << 40)
    here_ws = _workspace(tmp_path / "here")
    here = importing.run_import(here_ws, app, "us-decontamination", [log], actor="t")
    assert len(streams) == 1  # the second read stayed in this process

    assert (streamed.imported, streamed.duplicates) == (here.imported, here.duplicates) == (3000, 0)
    rejected = [(i.row, i.reason) for i in streamed.rejected]
    assert rejected == [(i.row, i.reason) for i in here.rejected]
    assert [row for row, _ in rejected] == [3002, 3003, 3004, 3005]
    assert "not a date" in rejected[0][1] and "not recognised" in rejected[1][1]
    assert "NHS number" in rejected[2][1] and "a name after a title" in rejected[3][1]
    assert _stored(streamed_ws) == _stored(here_ws)
    again = importing.run_import(streamed_ws, app, "us-decontamination", [log], actor="t")
    assert (again.imported, again.duplicates) == (0, 3000)
    for ws in (streamed_ws, here_ws):
        ws.close()
    database = (tmp_path / "streamed").rglob("*")
    assert not any(b"943 476 5919" in p.read_bytes() or b"Jones" in p.read_bytes() for p in database if p.is_file())


def test_blanking_identifier_text_works_the_same_in_the_reading_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streams: list[_CountingStream]
) -> None:
    monkeypatch.setattr(importing, "STREAM_FROM_BYTES", 1)
    ws = _workspace(tmp_path / "ws")
    log = _log(tmp_path / "log.csv", 50)
    summary = importing.run_import(ws, _app(), "us-decontamination", [log], actor="t", identifiers="blank")
    assert len(streams) == 1
    assert summary.imported == 51  # the row with a name is kept with its method blanked
    assert any("stored with that text blanked" in i.reason and i.row == 55 for i in summary.skipped)
    assert [r["method"] for r in importing.list_records(ws, "us-decontamination") if r["method"] == ""] == [""]
    ws.close()


def test_cancel_stops_the_reading_process_and_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streams: list[_CountingStream]
) -> None:
    monkeypatch.setattr(importing, "STREAM_FROM_BYTES", 1)
    ws = _workspace(tmp_path / "ws")
    log = _log(tmp_path / "log.csv", 40_000, planted=False)
    messages: list[str] = []
    summary = importing.run_import(
        ws,
        _app(),
        "us-decontamination",
        [log],
        actor="t",
        on_progress=lambda done, total, message: messages.append(message),
        cancel=lambda: any("rows read" in m for m in messages),
    )
    assert summary.cancelled and summary.imported == 0
    assert any(m == "log.csv: 2,000 rows read" for m in messages)
    assert importing.list_records(ws, "us-decontamination") == []
    assert [r.state for r in importing.list_runs(ws)] == ["cancelled"]
    assert not streams[0]._process.is_alive()
    ws.close()


def _read_lines(path: Path, context: ImportContext) -> Iterator[ImportedRecord | ImportIssue]:
    """Each line ``name,value`` a record; ``boom`` is a plugin bug; ``die`` kills a reading process."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line == "boom":
            raise KeyError("column")
        if line == "die" and multiprocessing.parent_process() is not None:
            os._exit(3)  # a crash in native code, as the parent sees it
        name, value = line.split(",")
        yield ImportedRecord(context.keyed_hash("line", name), {"value": value}, path.name, number, "2026-03")


def _line_plugin() -> ModuleType:
    module = ModuleType("lines_plugin")
    module.PLUGIN_NAME = "lines"

    @hookimpl
    def qsi_register_importers() -> list[Importer]:
        return [Importer(name="lines", title="Lines", patterns=("*.txt",), read=_read_lines, parallel=True)]

    module.qsi_register_importers = qsi_register_importers
    return module


@pytest.mark.parametrize(
    ("last", "message"),
    [("boom", r"failed on big.txt: KeyError 'column'"), ("die", r"failed on big.txt: .*stopped \(exit code 3\)")],
)
def test_a_reading_process_that_fails_or_dies_is_one_line_naming_the_file_and_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streams: list[_CountingStream], last: str, message: str
) -> None:
    monkeypatch.setattr(importing, "STREAM_FROM_BYTES", 1)
    ws = _workspace(tmp_path / "ws")
    big = tmp_path / "big.txt"
    big.write_text("".join(f"n{i},v{i}\n" for i in range(5000)) + f"{last}\n", encoding="utf-8")
    with pytest.raises(PluginError, match=message):
        importing.run_import(ws, App.load([_line_plugin()]), "lines", [big], actor="t")
    assert len(streams) == 1 and importing.list_records(ws, "lines") == []
    assert [r.state for r in importing.list_runs(ws)] == ["cancelled"]
    ws.close()


def test_the_collector_is_left_as_it_was_found(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "ws")
    log = _log(tmp_path / "log.csv", 10, planted=False)
    try:
        for enabled in (True, False):  # the window turns automatic collection off: it must stay off
            gc.enable() if enabled else gc.disable()
            importing.run_import(ws, _app(), "us-decontamination", [log], actor="t")
            assert gc.isenabled() is enabled
    finally:
        gc.enable()
        ws.close()


@pytest.mark.parametrize("size", [0, 16, 32, 64, 65, 200])
def test_the_keyed_hasher_is_the_hmac_of_keyed_hash(size: int) -> None:
    secret = bytes(range(256))[:size]
    hasher = KeyedHasher(secret)
    for values in [("a",), ("ab", "c"), ("a", "bc"), ("sonde €", "2026-03-01", ""), ()]:
        assert hasher(*values) == keyed_hash(secret, *values)


def _parse_with_a_date(row: Row) -> RowRecord:
    return RowRecord((row.values["name"],), {"name": row.values["name"], "when": date(2026, 3, 1)})


def test_a_table_row_whose_data_json_cannot_hold_is_refused_as_before(tmp_path: Path) -> None:
    spec = TableImport(name="odd", columns={"name": ("Name",)}, required=("name",), parse=_parse_with_a_date)
    path = tmp_path / "odd.csv"
    path.write_text("Name\nprobe A\n", encoding="utf-8")
    (record,) = list(spec.read(path, import_reading.HashingContext(b"k")))
    problem, _text = import_reading.invalid(record)
    assert "cannot be stored" in problem
