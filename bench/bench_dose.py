"""CT dose report import at size: 10,000 generated CT RDSRs (3 to 12 events each) imported with
``ct-dose`` through the core (storing included, parallel read-ahead on), against a baseline
measured in the same run on the same files: pydicom's full ``dcmread`` and a walk of every content
item (every element's value), nothing stored. Prints files per second for both, the ratio (target
at least 1.0) and peak memory (maxrss) after 1,000 and after all files (target flat, under 300 MB).

    python bench/bench_dose.py [--files 10000]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset

from qsi_desktop.services import importing
from qsi_desktop.services.app import App
from qsi_desktop.store.workspace import NewProfile, Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "dose"))
import conftest as builders  # the test builders: one source of RDSR structure

MARK = "2.25.{:039d}"  # 44 characters: a placeholder UID replaced byte for byte in each copy


def _templates() -> dict[int, tuple[bytes, list[bytes]]]:
    """One RDSR per event count, with placeholder UIDs (study, SOP, events) to stamp per file."""
    templates = {}
    for count in range(3, 13):
        marks = [MARK.format(10**30 * count + n) for n in range(count + 2)]
        events = [
            builders.ct_event(
                f"Seq {n}",
                kind=builders.LOCALISER if n == 0 else builders.SPIRAL,
                ctdivol=f"{5 + n * 1.5:.2f}",
                dlp=f"{100 + n * 37.5:.1f}",
                phantom=builders.HEAD if n % 3 == 1 else builders.BODY,
                uid=marks[2 + n],
                started=f"20240315{10 + n // 60:02d}{n % 60:02d}00",
                parameters=6,
            )
            for n in range(count)
        ]
        ds = builders.ct_rdsr(events, dlp_total="1234.5", study_uid=marks[0], sop_uid=marks[1])
        path = Path(tempfile.mkstemp()[1])
        builders.save(ds, path)
        templates[count] = (path.read_bytes(), [m.encode() for m in marks])
        path.unlink()
    return templates


def generate(folder: Path, files: int) -> None:
    rng = random.Random(14)
    templates = _templates()
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(files):
        data, marks = templates[rng.randint(3, 12)]
        for mark in marks:
            data = data.replace(mark, MARK.format(rng.getrandbits(126)).encode())
        (folder / f"RDSR{number:06d}").write_bytes(data)


def baseline(paths: list[Path]) -> float:
    """Full read and a walk of every content item, touching every value: files per second."""
    start = time.perf_counter()
    for path in paths:
        _walk(pydicom.dcmread(path))
    return len(paths) / (time.perf_counter() - start)


def _walk(ds: Dataset) -> None:
    for element in ds:
        value = element.value
        if element.VR == "SQ":
            for item in value:
                _walk(item)


def maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kB on Linux


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    app = App.load(["qsi_plugin_ct.plugin", "qsi_plugin_ir.plugin"])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        generate(root / "rdsr", args.files)
        paths = sorted((root / "rdsr").iterdir())
        size = sum(p.stat().st_size for p in paths)
        print(f"generated {len(paths):,} CT RDSRs ({size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")

        base = baseline(paths)
        print(f"baseline (pydicom dcmread + walk of every content item): {base:,.0f} files/s")

        ws = Workspace.create(root / "ws", NewProfile("Bench"), framework_id=app.framework_id, actor="bench")
        marks: dict[int, float] = {}

        def progress(done: int, total: int, message: str) -> None:
            if done in (1_000, total) and done not in marks:
                marks[done] = maxrss_mb()

        start = time.perf_counter()
        summary = importing.run_import(ws, app, "ct-dose", [root / "rdsr"], actor="bench", on_progress=progress)
        rate = len(paths) / (time.perf_counter() - start)
        ws.close()
        assert summary.imported == len(paths) and not summary.rejected, summary.to_dict()
        print(f"qsi import ct-dose (stored, parallel read-ahead): {rate:,.0f} files/s")
        print(f"ratio import / baseline: {rate / base:.2f} (target >= 1.0)")
        for done, mb in sorted(marks.items()):
            print(f"peak memory (maxrss, main process) after {done:,} files: {mb:.0f} MB")
        print(f"peak memory (maxrss, largest worker process): {maxrss_mb(resource.RUSAGE_CHILDREN):.0f} MB")


if __name__ == "__main__":
    main()
