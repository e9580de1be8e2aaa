"""Benchmarks of the foundation: catalogue load, evidence storage, importing, readiness.

Prints figures, with ratios against a baseline measured in the same run where one exists:
    python bench/bench_store.py [--rows 100000] [--mb 64]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from qsi_desktop.services import evidence, importing, readiness
from qsi_desktop.services.app import App
from qsi_desktop.store.workspace import NewProfile, Workspace

PLUGINS = [f"qsi_plugin_{m}.plugin" for m in ("ct", "ir", "mr", "nm", "us")]


def timed(fn, *args, **kwargs):  # a tiny timing helper: (seconds, result)
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def bench_catalogue() -> App:
    seconds, app = timed(App.load, PLUGINS)
    print(
        f"catalogue: {len(app.catalogue)} statements from {len(app.plugins.plugins())} plugins "
        f"loaded in {seconds * 1000:.0f} ms"
    )
    return app


def bench_evidence(ws: Workspace, app: App, folder: Path, megabytes: int) -> None:
    source = folder / "big-evidence.pdf"
    block = hashlib.sha256(b"seed").digest() * 32768  # 1 MiB of non-repeating-looking bytes
    with source.open("wb") as handle:
        for i in range(megabytes):
            handle.write(block[i % 7 :] + block[: i % 7])

    def baseline() -> None:  # what a plain copy plus a hash costs
        shutil.copyfile(source, folder / "copy.bin")
        digest = hashlib.sha256()
        with (folder / "copy.bin").open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)

    base, _ = timed(baseline)
    ours, _ = timed(evidence.add_file, ws, app, source, evidence.EvidenceDetails(targets=["XR-101"]), actor="bench")
    print(
        f"evidence add ({megabytes} MiB): {ours:.2f} s vs copy+hash {base:.2f} s = {ours / base:.2f}x "
        f"({megabytes / ours:.0f} MiB/s, includes fsync)"
    )


def bench_import(ws: Workspace, app: App, folder: Path, rows: int) -> None:
    log = folder / "decontamination.csv"
    start = date(2020, 1, 1)
    with log.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Probe ID",
                "Date",
                "Time",
                "Examination category",
                "Method",
                "Cycle ID",
                "Operator",
                "Result",
                "Patient ID",
            ]
        )
        for i in range(rows):
            day = start + timedelta(days=i // 40)
            writer.writerow(
                [
                    f"TV-{i % 12:02d}",
                    day.isoformat(),
                    f"{8 + i % 10}:{i % 60:02d}",
                    "intracavity" if i % 3 else "surface",
                    "Trophon EPR",
                    f"C{i}",
                    "Sonographer",
                    "Pass" if i % 97 else "Fail",
                    f"RX{i:07d}",
                ]
            )

    def baseline() -> int:
        with log.open(newline="", encoding="utf-8") as handle:
            return sum(1 for _ in csv.reader(handle))

    base, _ = timed(baseline)
    dry, summary = timed(importing.run_import, ws, app, "us-decontamination", [log], actor="bench", dry_run=True)
    first, summary = timed(importing.run_import, ws, app, "us-decontamination", [log], actor="bench")
    again, repeat = timed(importing.run_import, ws, app, "us-decontamination", [log], actor="bench")
    size = log.stat().st_size / 1e6
    print(
        f"import {rows} rows ({size:.1f} MB): csv.reader baseline {base:.2f} s; dry run {dry:.2f} s "
        f"({dry / base:.1f}x); import {first:.2f} s ({first / base:.1f}x, {rows / first:,.0f} rows/s, "
        f"{summary.imported} stored); re-import {again:.2f} s ({repeat.duplicates} duplicates)"
    )
    listed, records = timed(importing.list_records, ws, "us-decontamination")
    print(f"records: {len(records)} listed in {listed:.2f} s")


def bench_readiness(ws: Workspace, app: App) -> None:
    seconds, state = timed(readiness.readiness, ws, app)
    print(
        f"readiness: {len(state.statements)} statements, {state.evidence_total} evidence items "
        f"in {seconds * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--mb", type=int, default=64)
    args = parser.parse_args()
    app = bench_catalogue()
    with tempfile.TemporaryDirectory(prefix="qsi-bench-") as tmp:
        folder = Path(tmp)
        ws = Workspace.create(
            folder / "ws",
            NewProfile("Bench", modalities=("CT", "IR", "MR", "NM", "US")),
            framework_id=app.framework_id,
            actor="bench",
        )
        try:
            bench_evidence(ws, app, folder, args.mb)
            bench_import(ws, app, folder, args.rows)
            bench_readiness(ws, app)
            db = ws.database_path
            print(f"workspace database: {db.stat().st_size / 1e6:.1f} MB")
        finally:
            ws.close()


if __name__ == "__main__":
    main()
