"""Concurrency on one workspace: two command-line writers (processes) and two GUI sessions (handles).

    .venv/bin/python bench/bench_team_concurrency.py [--seconds 60] [--database postgresql://USER@HOST/DB]

Without --database it uses a new SQLite workspace; with it, a team workspace on that (empty) database
(PGUSER / PGPASSWORD as usual). For the whole run:
  - each writer process repeats a read-modify-write in one transaction (append a token to XR-101's
    narrative): a lost update would drop a token; every committed token must be in the final text;
  - each GUI session loads XR-103, waits a little (the user typing), saves with the version it loaded
    (``expected_version``, as the statement form does): a save over a newer version must be refused
    as a conflict, so the final row version equals the number of saves that succeeded;
  - every transaction's wait is timed: nothing may hang (lock_timeout / statement_timeout on the server).
Prints the figures and exits 1 when an invariant fails. tests/test_team_concurrency.py runs it for a few seconds.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from qsi_desktop.services.app import App
from qsi_desktop.services.assessments import AssessmentChange, AssessmentConflict, assess, statement_details
from qsi_desktop.store.models import Assessment
from qsi_desktop.store.workspace import NewProfile, Workspace, WorkspaceError

FRAMEWORK = "qsi-2026-draft"


@dataclass
class Figures:
    seconds: float = 0.0
    writer_commits: int = 0
    lost_updates: int = 0
    gui_saves: int = 0
    gui_conflicts: int = 0
    busy_retries: int = 0
    max_wait_s: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.lost_updates == 0


def _writer(path: str, number: int, seconds: float, results: Any) -> None:
    """A command-line writer in its own process: read-modify-write in one transaction, again and again."""
    tokens: list[str] = []
    busy, worst = 0, 0.0
    with Workspace.open(path) as ws:
        deadline = time.monotonic() + seconds
        i = 0
        while time.monotonic() < deadline:
            token = f"w{number}.{i}"
            started = time.monotonic()
            try:
                with ws.transaction(f"writer{number}") as session:
                    row = session.scalars(select(Assessment).where(Assessment.statement_ref == "XR-101")).one()
                    row.narrative = f"{row.narrative} {token}"
            except WorkspaceError:
                busy += 1  # waited longer than the lock timeout: reported, retried
                continue
            finally:
                worst = max(worst, time.monotonic() - started)
            tokens.append(token)
            i += 1
    results.put((tokens, busy, worst))


def _gui_session(path: Path, app: App, number: int, seconds: float, figures: Figures, lock: threading.Lock) -> None:
    """A window's statement form: load, think, save with the version it loaded."""
    with Workspace.open(path) as ws:
        ws.use_modality_map(app.modality_map())
        deadline = time.monotonic() + seconds
        i = 0
        while time.monotonic() < deadline:
            loaded = statement_details(ws, app, "XR-103").assessment.row_version
            time.sleep(random.uniform(0, 0.02))
            started = time.monotonic()
            try:
                assess(
                    ws,
                    app,
                    "XR-103",
                    AssessmentChange(narrative=f"session {number} edit {i}"),
                    actor=f"gui{number}",
                    expected_version=loaded,
                )
                with lock:
                    figures.gui_saves += 1
            except AssessmentConflict:
                with lock:
                    figures.gui_conflicts += 1
            except WorkspaceError:
                with lock:
                    figures.busy_retries += 1
            with lock:
                figures.max_wait_s = max(figures.max_wait_s, time.monotonic() - started)
            i += 1


def run(path: Path, app: App, seconds: float) -> Figures:
    """Run the two writers and two sessions on the workspace at ``path`` for ``seconds``."""
    with Workspace.open(path) as ws, ws.transaction("setup") as session:
        for ref in ("XR-101", "XR-103"):
            session.add(Assessment(framework_id=FRAMEWORK, statement_ref=ref, narrative=""))
    figures = Figures()
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    writers = [context.Process(target=_writer, args=(str(path), n, seconds, results)) for n in (1, 2)]
    lock = threading.Lock()
    sessions = [threading.Thread(target=_gui_session, args=(path, app, n, seconds, figures, lock)) for n in (1, 2)]
    started = time.monotonic()
    for worker in [*writers, *sessions]:
        worker.start()
    committed: list[str] = []
    for _ in writers:
        tokens, busy, worst = results.get(timeout=seconds + 120)  # a hang fails here instead of waiting forever
        committed += tokens
        figures.busy_retries += busy
        figures.max_wait_s = max(figures.max_wait_s, worst)
    for worker in writers:
        worker.join(timeout=30)
        if worker.exitcode != 0:
            figures.problems.append(f"writer process exited with {worker.exitcode}")
    for thread in sessions:
        thread.join(timeout=seconds + 120)
        if thread.is_alive():
            figures.problems.append("a GUI session did not finish: something hangs")
    figures.seconds = time.monotonic() - started
    figures.writer_commits = len(committed)
    with Workspace.open(path) as ws, ws.reading() as session:
        rows = {a.statement_ref: a for a in session.scalars(select(Assessment))}
    stored = rows["XR-101"].narrative.split()
    figures.lost_updates = len(set(committed) - set(stored))
    if len(stored) != len(committed):
        figures.problems.append(f"{len(stored)} tokens stored for {len(committed)} commits")
    # every save that succeeded moved the version by one; a save over a newer version was refused
    if rows["XR-103"].version_id != 1 + figures.gui_saves:
        figures.problems.append(f"XR-103 is at version {rows['XR-103'].version_id} after {figures.gui_saves} saves")
    if figures.gui_saves == 0 or figures.writer_commits == 0:
        figures.problems.append("nothing was saved")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--database", help="postgresql://USER@HOST/DB (empty); default: a SQLite workspace")
    args = parser.parse_args()
    app = App.load(plugins=[f"qsi_plugin_{m}.plugin" for m in ("ct", "ir", "mr", "nm", "us")])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ws"
        profile = NewProfile("Concurrency", modalities=("CT", "MR"))
        Workspace.create(path, profile, framework_id=app.framework_id, actor="setup", database=args.database).close()
        figures = run(path, app, args.seconds)
    kind = "PostgreSQL" if args.database else "SQLite"
    print(
        f"{kind}, {figures.seconds:.1f} s, 2 writer processes + 2 GUI sessions: {figures.writer_commits} "
        f"read-modify-write commits, {figures.lost_updates} lost; {figures.gui_saves} GUI saves, "
        f"{figures.gui_conflicts} conflicts shown; {figures.busy_retries} busy retries; "
        f"longest wait {figures.max_wait_s * 1000:.0f} ms"
    )
    for problem in figures.problems:
        print(f"PROBLEM: {problem}")
    return 0 if figures.ok else 1


if __name__ == "__main__":
    sys.exit(main())
