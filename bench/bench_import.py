"""Streaming import (plugin API 2): memory stays flat as rows and files grow; cost per row against
a bare SQLAlchemy insert of the same rows in the same run.

    python bench/bench_import.py [--rows 1000000] [--files 10000]

A synthetic streaming importer reads ``key,value,month`` lines one at a time (so what is measured
is the core: de-duplication, chunked inserts, one transaction per file, run bookkeeping). Peak
memory is the process's peak resident size after a run ten times smaller and after the full run:
flat means the second is hardly above the first.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from sqlalchemy import create_engine, insert

from qsi_desktop import hookimpl
from qsi_desktop.plugins.types import ImportContext, ImportedRecord, Importer
from qsi_desktop.services import importing
from qsi_desktop.services.app import App
from qsi_desktop.store.models import Base, ImportedRecordRow, ImportRun
from qsi_desktop.store.workspace import NewProfile, Workspace


def _read(path: Path, context: ImportContext) -> Iterator[ImportedRecord]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            key, value, month = line.rstrip("\n").split(",")
            yield ImportedRecord(context.keyed_hash(key), {"value": int(value)}, path.name, number, month)


def _plugin() -> ModuleType:
    module = ModuleType("bench_plugin")
    module.PLUGIN_NAME = "bench"

    @hookimpl
    def qsi_register_importers() -> list[Importer]:
        return [Importer(name="bench-log", title="Benchmark log", patterns=("*.log",), read=_read)]

    module.qsi_register_importers = qsi_register_importers
    return module


def _write(folder: Path, files: int, rows: int) -> list[Path]:
    folder.mkdir(parents=True)
    per_file = max(1, rows // files)
    paths = []
    for n in range(files):
        path = folder / f"{n:05d}.log"
        with path.open("w", encoding="utf-8") as handle:
            handle.writelines(f"k{n}-{i},{i % 97},2026-{1 + i % 12:02d}\n" for i in range(per_file))
        paths.append(path)
    return paths


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _import(app: App, root: Path, name: str, paths: list[Path]) -> tuple[float, float, int]:
    """(seconds, process peak MiB after it, records stored) for one run into a new workspace."""
    ws = Workspace.create(root / f"ws-{name}", NewProfile("Bench"), framework_id=app.framework_id, actor="bench")
    start = time.perf_counter()
    summary = importing.run_import(ws, app, "bench-log", paths, actor="bench")
    seconds = time.perf_counter() - start
    ws.close()
    return seconds, _peak_mib(), summary.imported


def _baseline(root: Path, rows: int) -> float:
    """A bare executemany of the same number of rows into the same table, one transaction."""
    engine = create_engine(f"sqlite:///{root / 'baseline.sqlite3'}")
    Base.metadata.create_all(engine)
    start = time.perf_counter()
    with engine.begin() as connection:
        run_id = connection.execute(insert(ImportRun).values(importer="b", actor="b")).inserted_primary_key[0]
        for first in range(0, rows, 500):
            connection.execute(
                insert(ImportedRecordRow),
                [
                    {
                        "importer": "b",
                        "record_key": f"{i:064d}",
                        "data": {"value": i % 97},
                        "occurred_on": "2026-01",
                        "import_run_id": run_id,
                    }
                    for i in range(first, min(rows, first + 500))
                ],
            )
    engine.dispose()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    app = App.load([_plugin()])
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        small = _write(root / "small", 1, args.rows // 10)
        big = _write(root / "big", 1, args.rows)
        many = _write(root / "many", args.files, args.files * 5)
        s_seconds, s_peak, s_rows = _import(app, root, "small", small)
        b_seconds, b_peak, b_rows = _import(app, root, "big", big)
        m_seconds, m_peak, m_files = _import(app, root, "many", many)
        base = _baseline(root, args.rows)
    print(f"one file, {s_rows:,} rows: {s_seconds:.1f} s ({s_rows / s_seconds:,.0f} rows/s), peak {s_peak:.0f} MiB")
    print(
        f"one file, {b_rows:,} rows: {b_seconds:.1f} s ({b_rows / b_seconds:,.0f} rows/s), peak {b_peak:.0f} MiB "
        f"({b_peak / s_peak:.2f}x the peak after a tenth of the rows: flat means close to 1)"
    )
    print(
        f"{args.files:,} files, {m_files:,} rows: {m_seconds:.1f} s ({m_seconds / args.files * 1000:.2f} ms a file, "
        f"one transaction each), peak {m_peak:.0f} MiB"
    )
    print(
        f"bare SQLAlchemy insert of {args.rows:,} rows (no keys, no checks): {base:.1f} s; "
        f"the import costs {b_seconds / base:.1f}x that (keyed hash, duplicate check, run bookkeeping)"
    )


if __name__ == "__main__":
    main()
