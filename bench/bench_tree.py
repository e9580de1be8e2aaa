"""Evidence folder import (``qsi evidence import-tree``) against hashing the same files with hashlib.

    python bench/bench_tree.py [--files 5000] [--distinct 2000] [--docx 0] [--keep]

Builds a share-like tree in a temporary folder: one folder per statement (and some without a ref),
``--distinct`` different contents copied into ``--files`` places (the same policy in several folders),
sizes spread from 10 KB to 1 MB, as text (.txt, .csv: read for NHS numbers before storing) and binary
types (.jpg, .pptx, .msg: not read). ``--docx N`` makes N of the distinct files real Word documents,
whose text check (python-docx) costs far more than hashing: the figure shows what that costs.

Prints the time to hash every file with hashlib (read in 1 MiB chunks, as the store does), the import's
time (walk, hash, NHS-number check, store with flushes, database), a re-run's time, and the ratios.
Both read the same files from the page cache (they were just written).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sys
import tempfile
import time
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


def copy_distinct(root: Path, target: Path) -> float:
    """What storing costs on this disk without the app: each distinct content copied once and flushed
    (fsync), as a write-once store must before the database may point at it."""
    target.mkdir()
    seen: set[str] = set()
    start = time.perf_counter()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest not in seen:
                seen.add(digest)
                with (target / digest).open("wb") as out:
                    out.write(path.read_bytes())
                    out.flush()
                    os.fsync(out.fileno())
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--distinct", type=int, default=2000)
    parser.add_argument("--docx", type=int, default=0, help="how many distinct files are Word documents")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    app = App.load()
    base = Path(tempfile.mkdtemp(prefix="bench-tree-"))
    try:
        tree = base / "share"
        size = build_tree(tree, args.files, args.distinct, args.docx, app)
        print(f"tree: {args.files} files, {args.distinct} distinct, {size / 1e6:.0f} MB, {args.docx} .docx")
        hashed = hash_all(tree)
        ws = Workspace.create(
            base / "ws", NewProfile("Bench", "", (), (), {}), framework_id=app.framework_id, actor="b"
        )
        with ws:
            start = time.perf_counter()
            summary = evidence_tree.import_tree(ws, app, tree, actor="bench")
            imported = time.perf_counter() - start
            start = time.perf_counter()
            again = evidence_tree.import_tree(ws, app, tree, actor="bench")
            rerun = time.perf_counter() - start
        hashed_again = hash_all(tree)
        baseline = min(hashed, hashed_again)
        copied = copy_distinct(tree, base / "copies")
        print(
            f"import: stored {summary.stored}, duplicates {summary.duplicates}, linked {summary.linked}, "
            f"unmapped {summary.unmapped}, skipped {len(summary.skipped)}; re-run stored {again.stored}, "
            f"linked {again.linked}"
        )
        print(f"hashlib over the same files: {baseline:.2f} s ({args.files / baseline:.0f} files/s)")
        print(f"import-tree:                 {imported:.2f} s ({args.files / imported:.0f} files/s)")
        print(f"re-run (nothing new):        {rerun:.2f} s")
        print(f"hash + copy distinct + fsync: {copied:.2f} s (no app: what durable storing costs here)")
        print(f"ratio import / hashlib: {imported / baseline:.2f}x; re-run / hashlib: {rerun / baseline:.2f}x")
        print(f"ratio import / (hash + copy + fsync): {imported / copied:.2f}x")
        if args.keep:
            print(f"kept {base}")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
