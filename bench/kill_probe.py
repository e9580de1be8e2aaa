"""SIGKILL `qsi` at random moments during evidence add, import, assess, register import and evidence folder
import; after each kill, retry the command to completion (as a user would), run `qsi verify` and check that
nothing is lost, duplicated or half-written.

    .venv/bin/python bench/kill_probe.py [--kills 120] [--seed 19] [--keep DIR]

Checks after every step: verify passes (database integrity, foreign keys, every evidence file's hash;
the `qsi verify` command itself every 10th kill and at the end, the same service in-process otherwise,
since a process start costs seconds on a loaded machine); every evidence add that finished (first time
or on retry) is stored exactly once with its statements; every import finished holds exactly the file's
records (no row lost, none twice); the register holds the file's rows; each assessment holds the last
narrative saved (or one a killed command may have committed); every finished run owns exactly the
records it counts; every folder imported (a new folder each time: 2,500 files, 1,000 contents, in folders
named after statements) holds each content once, linked to exactly its copies' statements, with exactly
its copies' paths as provenance. POSIX only.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFS = ("XR-101", "XR-102", "XR-201", "XR-501", "XR-502", "CT-901", "MR-901", "US-903")
DECON_ROWS, ACTIVITY_ROWS, CT_FILES, UNIT_ROWS = 3000, 2000, 16, 300


def qsi(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "qsi_desktop", *(str(a) for a in args)]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(qsi(*args), capture_output=True, text=True, cwd=ROOT, check=False)


@dataclass
class Ledger:
    """What finished, so what the workspace must hold."""

    evidence: Counter[tuple[str, frozenset[str]]] = field(default_factory=Counter)  # (sha, refs) -> 1
    records: dict[str, int] = field(default_factory=dict)  # importer -> rows its file holds
    register_rows: int | None = None
    narratives: dict[str, set[str]] = field(default_factory=dict)  # ref -> narratives it may hold
    trees: dict[str, tuple[frozenset[str], frozenset[str]]] = field(default_factory=dict)  # sha -> (refs, paths)


# -- inputs -----------------------------------------------------------------------------------------------


def make_inputs(folder: Path, rng: random.Random) -> dict[str, list[Path]]:
    folder.mkdir(parents=True)
    evidence = []
    for number in range(30):
        path = folder / f"policy-{number:02d}.pdf"
        path.write_bytes(b"%PDF-1.4\n" + rng.randbytes(rng.choice([2_000, 200_000, 1_000_000, 4_000_000])))
        evidence.append(path)
    decon = folder / "decontamination.csv"
    with decon.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Probe ID", "Date", "Time", "Examination category", "Method", "Cycle ID", "Result"])
        for n in range(DECON_ROWS):
            day = 1 + n % 28
            writer.writerow(
                [
                    f"TV-{n % 40:02d}",
                    f"{day:02d}/0{1 + n % 9}/2025",
                    f"{n // 40 % 24:02d}:{n % 60:02d}",
                    "Transvaginal",
                    "Trophon 2",
                    f"C{n}",
                    "Pass",
                ]
            )
    activity = folder / "activity.csv"
    with activity.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Date",
                "Time",
                "Procedure",
                "Radiopharmaceutical",
                "Administered activity (MBq)",
                "Weight (kg)",
                "Age band",
                "Room",
            ]
        )
        for n in range(ACTIVITY_ROWS):
            writer.writerow(
                [
                    f"{1 + n % 28:02d}/0{1 + n % 9}/2025",
                    f"{n // 60 % 24:02d}:{n % 60:02d}",
                    f"Bone scan {n}",
                    "Tc-99m HDP",
                    500 + n % 100,
                    70,
                    "adult",
                    f"Gamma {n % 3}",
                ]
            )
    units = folder / "units.csv"
    with units.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Site", "Room", "Scanner", "Field strength (T)"])
        for n in range(UNIT_ROWS):
            writer.writerow([f"Site {n // 10}", f"Room {n}", "Avanto", rng.choice(["1.5", "3"])])
    from qsi_desktop.selftest.samples import ct_reports

    (folder / "ct").mkdir()
    ct = ct_reports(folder / "ct", CT_FILES)
    return {"evidence": evidence, "decon": [decon], "activity": [activity], "units": [units], "ct": ct}


def make_tree(folder: Path, rng: random.Random) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """A share to import: 2,500 files (more than a batch: a kill can fall between two batches' saves), 1,000
    contents, each in one to several folders; returns what importing it must give, by content hash: (the
    statements its folders name, the paths of its copies)."""
    import hashlib

    folders = [f"{ref} {rng.choice(['Leaflets', 'Policies', 'Audit'])}" for ref in REFS] + ["Misc", "Misc/Old"]
    contents = []
    for number in range(1000):
        size = int(2_000 * (25 ** rng.random()))  # 2 KB to 50 KB
        if rng.random() < 0.3:
            line = f"Procedure {number}: " + " ".join(
                rng.choice(["review", "staff", "dose", "audit"]) for _ in range(9)
            )
            contents.append((".txt", ((line + "\n") * (size // len(line) + 1)).encode()[:size]))
        else:
            contents.append((".jpg", rng.randbytes(size)))
    expected: dict[str, tuple[set[str], set[str]]] = {}
    for place in range(2500):
        suffix, data = contents[place % 1000]
        where = rng.choice(folders)
        path = folder / where / f"document {place}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        refs, paths = expected.setdefault(hashlib.sha256(data).hexdigest(), (set(), set()))
        refs.update(ref for ref in REFS if where.startswith(ref))
        paths.add(f"{where}/document {place}{suffix}")
    return {sha: (frozenset(refs), frozenset(paths)) for sha, (refs, paths) in expected.items()}


# -- the operations -------------------------------------------------------------------------------------


def operation(kind: str, ws: Path, inputs: dict[str, list[Path]], rng: random.Random, n: int) -> tuple[list, dict]:
    """(qsi arguments, what finishing it means for the ledger)."""
    if kind == "evidence":
        path = rng.choice(inputs["evidence"])
        refs = sorted(rng.sample(REFS, rng.randint(1, 2)))
        return ["evidence", "add", ws, path, "--qs", ",".join(refs), "--json"], {"file": path, "refs": refs}
    if kind == "assess":
        ref = rng.choice(REFS[:5])
        text = f"Reviewed at step {n}: policy in place, audit due"
        return ["assess", ws, ref, "--status", "in-progress", "--narrative", text], {"ref": ref, "text": text}
    if kind == "tree":
        folder = inputs["trees"][0] / f"share {n}"
        return ["evidence", "import-tree", ws, folder, "--json"], {"expected": make_tree(folder, rng)}
    if kind == "import":
        importer, files = rng.choice(
            [("us-decontamination", inputs["decon"]), ("nm-activity", inputs["activity"]), ("ct-dose", inputs["ct"])]
        )
        expected = {"us-decontamination": DECON_ROWS, "nm-activity": ACTIVITY_ROWS, "ct-dose": CT_FILES}[importer]
        return ["import", ws, importer, *files], {"importer": importer, "rows": expected}
    return ["register", "import", ws, "mr.units", inputs["units"][0]], {"rows": UNIT_ROWS}


def record(ledger: Ledger, kind: str, meta: dict, sha_of: dict[Path, str]) -> None:
    """A command of ``kind`` finished: what the workspace must now hold."""
    if kind == "evidence":
        ledger.evidence[(sha_of[meta["file"]], frozenset(meta["refs"]))] = 1
    elif kind == "assess":
        ledger.narratives[meta["ref"]] = {meta["text"]}
    elif kind == "import":
        ledger.records[meta["importer"]] = meta["rows"]
    elif kind == "tree":
        ledger.trees.update(meta["expected"])
    else:
        ledger.register_rows = meta["rows"]


# -- checks ---------------------------------------------------------------------------------------------


def check(ws: Path, ledger: Ledger, *, command: bool) -> list[str]:
    """``command``: run `qsi verify` itself (a process: seconds on a loaded machine); otherwise the same
    service in this process (what `qsi verify` runs, without the start-up)."""
    problems = []
    if command:
        verify = run("verify", ws)
        if verify.returncode != 0:
            problems.append(f"qsi verify failed: {verify.stdout.strip()} {verify.stderr.strip()}")
    else:
        from qsi_desktop.services.verify import verify as verify_workspace
        from qsi_desktop.store.workspace import Workspace

        with Workspace.open(ws) as workspace:
            report = verify_workspace(workspace)
        problems.extend(f"verify: {problem}" for problem in report.problems)
    db = sqlite3.connect(f"file:{ws / 'workspace.sqlite3'}?mode=ro", uri=True, timeout=30)
    try:
        links: dict[int, set[str]] = {}
        for item_id, ref in db.execute("SELECT evidence_id, statement_ref FROM evidence_link"):
            links.setdefault(item_id, set()).add(ref)
        stored = Counter(
            (sha, frozenset(links.get(item_id, ())))
            for item_id, sha in db.execute(
                "SELECT id, file_sha256 FROM evidence_item WHERE superseded_by_id IS NULL AND retired_at IS NULL"
            )
        )
        for key in ledger.evidence:
            if stored[key] != 1:
                problems.append(f"evidence {key[0][:12]} for {sorted(key[1])}: stored {stored[key]} times, not once")
        problems.extend(_tree_problems(db, ledger, links))
        for importer, rows in ledger.records.items():
            (count,) = db.execute(
                "SELECT COUNT(*) FROM imported_record WHERE importer = ? AND current", (importer,)
            ).fetchone()
            if count != rows:
                problems.append(f"{importer}: {count} current records, the file holds {rows}")
        for run_id, imported, state_done, cancelled, undone in db.execute(
            "SELECT id, imported, finished_at IS NOT NULL, cancelled, undone_at IS NOT NULL FROM import_run"
        ):
            (owned,) = db.execute("SELECT COUNT(*) FROM imported_record WHERE import_run_id = ?", (run_id,)).fetchone()
            if state_done and not cancelled and not undone and owned != imported:
                problems.append(f"run {run_id}: counts {imported} records but owns {owned}")
            if (cancelled or undone) and owned:
                problems.append(f"run {run_id}: cancelled or undone, yet owns {owned} records")
        if ledger.register_rows is not None:
            (rows,) = db.execute(
                "SELECT COUNT(*) FROM register_row WHERE register_id = 'mr.units' AND NOT retired"
            ).fetchone()
            if rows != ledger.register_rows:
                problems.append(f"register mr.units: {rows} rows, the file holds {ledger.register_rows}")
        for ref, allowed in ledger.narratives.items():
            row = db.execute("SELECT narrative FROM assessment WHERE statement_ref = ?", (ref,)).fetchone()
            if row is None or row[0] not in allowed:
                problems.append(f"assessment {ref}: narrative {row[0] if row else None!r} is not the last saved")
    finally:
        db.close()
    return problems


def _saved_part(ws: Path, expected: dict[str, tuple[frozenset[str], frozenset[str]]]) -> str:
    db = sqlite3.connect(f"file:{ws / 'workspace.sqlite3'}?mode=ro", uri=True, timeout=30)
    try:
        stored = {sha for (sha,) in db.execute("SELECT file_sha256 FROM evidence_item")}
    finally:
        db.close()
    saved = len(stored & expected.keys())
    return "none" if saved == 0 else "all" if saved == len(expected) else "part"


def _tree_problems(db: sqlite3.Connection, ledger: Ledger, links: dict[int, set[str]]) -> list[str]:
    """Every folder imported: each content stored once, with exactly its copies' statements and paths."""
    if not ledger.trees:
        return []
    items: dict[str, list[int]] = {}
    for item_id, sha in db.execute(
        "SELECT id, file_sha256 FROM evidence_item WHERE superseded_by_id IS NULL AND retired_at IS NULL"
    ):
        items.setdefault(sha, []).append(item_id)
    sources = {
        int(key): set(json.loads(value)["paths"])
        for key, value in db.execute("SELECT key, value FROM stored_table WHERE namespace = 'evidence_source'")
    }
    problems = []
    for sha, (refs, paths) in ledger.trees.items():
        found = items.get(sha, [])
        if len(found) != 1:
            problems.append(f"folder import: content {sha[:12]} stored {len(found)} times, not once")
            continue
        if links.get(found[0], set()) != refs:
            problems.append(
                f"folder import: item {found[0]} linked to {sorted(links.get(found[0], ()))}, not {sorted(refs)}"
            )
        if sources.get(found[0], set()) != paths:
            problems.append(f"folder import: item {found[0]} has provenance {sorted(sources.get(found[0], ()))[:3]}...")
    return problems


# -- the probe ------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=120)
    parser.add_argument("--seed", default="19")
    parser.add_argument("--keep", type=Path, help="work in this new folder and keep it")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    base = args.keep or Path(tempfile.mkdtemp(prefix="qsi-kill-"))
    ws = base / "ws"
    started = time.perf_counter()
    init = run("init", ws, "--service", "Kill probe", "--modalities", "CT,IR,MR,NM,US")
    if init.returncode != 0:
        print(init.stderr, file=sys.stderr)
        return 2
    inputs = make_inputs(base / "in", rng)
    inputs["trees"] = [base / "in" / "trees"]
    from qsi_desktop.store.evidence_files import sha256_of

    sha_of = {path: sha256_of(path) for path in inputs["evidence"]}
    ledger = Ledger()
    # How long each kind takes, to spread the kills over its whole run.
    durations: dict[str, float] = {}
    for kind in ("evidence", "assess", "import", "register", "tree"):
        arguments, meta = operation(kind, ws, inputs, rng, 0)
        t0 = time.perf_counter()
        done = run(*arguments)
        durations[kind] = time.perf_counter() - t0
        if done.returncode not in (0, 1):
            print(f"calibration {kind} failed: {done.stderr}", file=sys.stderr)
            return 2
        record(ledger, kind, meta, sha_of)
    if kind_problems := check(ws, ledger, command=True):
        print("\n".join(kind_problems), file=sys.stderr)
        return 2
    kills: Counter[str] = Counter()
    finished_first: Counter[str] = Counter()
    retried_existing = 0
    tree_kills: Counter[str] = Counter()
    problems: list[str] = []
    step = 0
    while sum(kills.values()) < args.kills:
        step += 1
        kind = rng.choice(("evidence", "evidence", "import", "assess", "register", "tree", "tree"))
        arguments, meta = operation(kind, ws, inputs, rng, step)
        if kind == "assess":  # a killed save may or may not have committed
            ledger.narratives.setdefault(meta["ref"], set()).add(meta["text"])
        process = subprocess.Popen(qsi(*arguments), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.4, 1.1) * durations[kind])
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills[kind] += 1
            durations[kind] *= 1.05
        else:
            _out, err = process.communicate()
            finished_first[kind] += 1
            durations[kind] *= 0.85  # the machine got faster (load varies): aim the kills inside the run
            if process.returncode not in (0, 1):
                problems.append(f"step {step}: {kind} failed: {err.decode(errors='replace').strip()}")
        if process.returncode == -signal.SIGKILL:
            if kind == "tree":  # how far the killed import got: none, part or all of the folder saved
                tree_kills[_saved_part(ws, meta["expected"])] += 1
            retry = run(*arguments)  # the user runs it again: it must finish and change nothing twice
            if retry.returncode not in (0, 1):
                problems.append(f"step {step}: retry of {kind} failed: {retry.stderr.strip()}")
            if kind == "evidence" and '"existing": true' in retry.stdout:
                retried_existing += 1
        record(ledger, kind, meta, sha_of)
        if kind == "tree":
            shutil.rmtree(arguments[3], ignore_errors=True)  # imported: a new folder next time
        total = sum(kills.values())
        found = check(ws, ledger, command=total % 10 == 0 or total >= args.kills)
        problems.extend(f"step {step} ({kind}): {p}" for p in found)
        print(
            f"\rkills {sum(kills.values()):4} ({dict(kills)}), finished before the kill {sum(finished_first.values())},"
            f" problems {len(problems)}",
            end="",
            flush=True,
        )
    print()
    leftovers = len(list((ws / "evidence" / "tmp").glob("incoming-*")))
    runs = json.loads(run("import-runs", ws, "--json").stdout)
    states = Counter(r["state"] for r in runs)
    print(f"{sum(kills.values())} SIGKILLs in {step} steps, {time.perf_counter() - started:.0f} s: {dict(kills)}")
    print(f"commands that finished before their kill moment: {dict(finished_first)}")
    print(f"evidence retries that found the item already stored: {retried_existing}")
    print(f"folder imports killed, by how much of the folder was saved before the kill: {dict(tree_kills)}")
    print(f"import runs by state: {dict(states)}; half-way evidence copies left in evidence/tmp: {leftovers}")
    print(f"verify (qsi verify every 10th kill and last) and the ledger after every step: {len(problems)} problem(s)")
    for problem in problems[:30]:
        print("PROBLEM:", problem)
    if args.keep is None:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
