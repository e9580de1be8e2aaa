"""Evidence folder import (``qsi evidence import-tree``) against hashing the same files with hashlib.

    python bench/bench_tree.py [--files 5000] [--distinct 2000] [--docx 0] [--runs 1] [--keep]

Builds a share-like tree in a temporary folder: one folder per statement (and some without a ref),
``--distinct`` different contents copied into ``--files`` places (the same policy in several folders),
sizes spread from 10 KB to 1 MB, as text (.txt, .csv: read for NHS numbers before storing) and binary
types (.jpg, .pptx, .msg: not read). ``--docx N`` makes N of the distinct files real Word documents,
whose text check costs more than hashing: the figure shows what that costs.

Each run (``--runs``, a fresh workspace each) prints, measured one after the other: the time to hash every
file with hashlib (read in 1 MiB chunks); the durable floor, what a write-once store must do before a
database may point at its files, without the app (every file read once and hashed, each distinct content
written to a temporary file, flushed, renamed, the folders flushed: see :func:`durable_floor`); the first
import (walk, hash, NHS-number check, store with flushes, database); a re-run (nothing new); and the ratios
of the same run. All read the tree from the page cache; what a step leaves to write back is written back
(untimed) before the next, as an existing share is on disk, not in dirty memory.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qsi_desktop.services import evidence_tree
from qsi_desktop.services.app import App
from qsi_desktop.store.workspace import NewProfile, Workspace

WORDS = [
    "radiation",
    "policy",
    "audit",
    "minutes",
    "leaflet",
    "procedure",
    "review",
    "staff",
    "patient",
    "training",
    "equipment",
    "dose",
]


def build_tree(root: Path, files: int, distinct: int, docx_count: int, app: App) -> int:
    rng = random.Random(18)
    refs = [s.ref for s in app.catalogue.statements()]
    folders = [root / f"{ref} {rng.choice(WORDS).title()}" for ref in refs] + [root / f"Misc {n}" for n in range(10)]
    contents: list[tuple[str, bytes]] = []
    for number in range(distinct):
        size = int(10_000 * (100 ** rng.random()))  # 10 KB to 1 MB, log-spread
        kind = rng.choice((".txt", ".csv", ".jpg", ".pptx", ".msg"))
        if kind in (".txt", ".csv"):
            line = f"{number}, " + " ".join(rng.choice(WORDS) for _ in range(12)) + "\n"
            data = (line * (size // len(line) + 1)).encode()[:size]
        else:
            data = rng.randbytes(size)
        contents.append((kind, data))
    if docx_count:
        import docx

        for number in range(min(docx_count, distinct)):
            document = docx.Document()
            for paragraph in range(40):
                document.add_paragraph(f"Document {number} paragraph {paragraph}: " + " ".join(WORDS))
            path = root / f"_docx{number}.docx"
            root.mkdir(parents=True, exist_ok=True)
            document.save(path)
            contents[number] = (".docx", path.read_bytes())
            path.unlink()
    total = 0
    for place in range(files):
        kind, data = contents[place % distinct]  # every content once, then copies into other folders
        folder = folders[rng.randrange(len(folders))] / ("2025" if rng.random() < 0.3 else "")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"document {place}{kind}").write_bytes(data)
        total += len(data)
    return total


def hash_all(root: Path) -> float:
    start = time.perf_counter()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                while chunk := handle.read(1024 * 1024):
                    digest.update(chunk)
    return time.perf_counter() - start


def durable_floor(root: Path, target: Path) -> float:
    """The floor of a durable first import on this machine, without the app: every file read once and
    hashed (2 threads), each distinct content written to a temporary file and flushed (fsync, 4 threads),
    renamed to its hash's name in 256 folders, then the folders flushed (8 threads); no database, no checks,
    no NHS-number scan. What a write-once store must do before a database may point at its files."""
    target.mkdir()
    (target / "tmp").mkdir()
    for prefix in range(256):
        (target / f"{prefix:02x}").mkdir()
    files = sorted(path for path in root.rglob("*") if path.is_file())

    def read(path: Path) -> tuple[str, bytes]:
        data = path.read_bytes()
        return hashlib.sha256(data).hexdigest(), data

    def write(sha: str, data: bytes) -> None:
        fd, name = tempfile.mkstemp(dir=target / "tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(name, target / sha[:2] / sha[2:])

    def flush_folder(folder: Path) -> None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    start = time.perf_counter()
    seen: set[str] = set()
    with ThreadPoolExecutor(2) as readers, ThreadPoolExecutor(4) as writers:
        writes = []
        for sha, data in readers.map(read, files):
            if sha not in seen:
                seen.add(sha)
                writes.append(writers.submit(write, sha, data))
        for future in writes:
            future.result()
        if os.name != "nt":  # Windows cannot flush a folder
            list(writers.map(flush_folder, [target / f"{prefix:02x}" for prefix in range(256)]))
    return time.perf_counter() - start


def settle() -> None:
    """Write back what earlier steps left dirty (the tree just built, the last run's copies), untimed, so a
    step's flushes do not pay for another's writes: an existing share is on disk, not in dirty memory."""
    if hasattr(os, "sync"):
        os.sync()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--distinct", type=int, default=2000)
    parser.add_argument("--docx", type=int, default=0, help="how many distinct files are Word documents")
    parser.add_argument("--runs", type=int, default=1, help="measure this many times (a fresh workspace each)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    app = App.load()
    base = Path(tempfile.mkdtemp(prefix="bench-tree-"))
    try:
        tree = base / "share"
        size = build_tree(tree, args.files, args.distinct, args.docx, app)
        print(f"tree: {args.files} files, {args.distinct} distinct, {size / 1e6:.0f} MB, {args.docx} .docx")
        hash_all(tree)  # the page cache holds the tree from here on, for every step alike
        ratios: list[tuple[float, float, float]] = []
        for run in range(1, args.runs + 1):
            settle()
            hashed = hash_all(tree)
            settle()
            floor = durable_floor(tree, base / f"floor{run}")
            settle()
            ws = Workspace.create(
                base / f"ws{run}", NewProfile("Bench", "", (), (), {}), framework_id=app.framework_id, actor="b"
            )
            with ws:
                settle()
                start = time.perf_counter()
                summary = evidence_tree.import_tree(ws, app, tree, actor="bench")
                imported = time.perf_counter() - start
                start = time.perf_counter()
                again = evidence_tree.import_tree(ws, app, tree, actor="bench")
                rerun = time.perf_counter() - start
            baseline = min(hashed, hash_all(tree))
            shutil.rmtree(base / f"floor{run}", ignore_errors=True)
            if run == 1:
                print(
                    f"import: stored {summary.stored}, duplicates {summary.duplicates}, linked {summary.linked}, "
                    f"unmapped {summary.unmapped}, skipped {len(summary.skipped)}; re-run stored {again.stored}, "
                    f"linked {again.linked}"
                )
            print(
                f"run {run}: hashlib {baseline:.2f} s ({args.files / baseline:.0f} files/s), "
                f"durable floor {floor:.2f} s, import {imported:.2f} s ({args.files / imported:.0f} files/s), "
                f"re-run {rerun:.2f} s; import/hashlib {imported / baseline:.2f}x, floor/hashlib "
                f"{floor / baseline:.2f}x, import/floor {imported / floor:.2f}x, re-run/hashlib {rerun / baseline:.2f}x"
            )
            ratios.append((imported / baseline, floor / baseline, rerun / baseline))
        if args.runs > 1:
            middle = [statistics.median(r[i] for r in ratios) for i in range(3)]
            print(
                f"median of {args.runs} runs: import/hashlib {middle[0]:.2f}x, floor/hashlib {middle[1]:.2f}x, "
                f"re-run/hashlib {middle[2]:.2f}x"
            )
        if args.keep:
            print(f"kept {base}")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
