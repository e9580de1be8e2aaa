"""Two command-line writers (processes) and two GUI sessions (handles) on one workspace, on SQLite and
on PostgreSQL: no lost update, conflicts shown, nothing left hanging. A few seconds here; the minute:
``QSI_CONCURRENCY_SECONDS=60 pytest tests/test_team_concurrency.py -s`` (or bench/bench_team_concurrency.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from qsi_desktop.services.app import App

sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))  # spawned writers import it by name too
import bench_team_concurrency


@pytest.mark.backends
def test_two_writers_and_two_sessions_lose_nothing_and_never_hang(make_workspace, full_app: App, backend) -> None:
    seconds = float(os.environ.get("QSI_CONCURRENCY_SECONDS", "4"))
    ws = make_workspace()
    ws.close()
    figures = bench_team_concurrency.run(ws.path, full_app, seconds)
    print(f"\n{backend.name}: {figures}")
    assert figures.ok, figures.problems
    assert figures.lost_updates == 0 and figures.writer_commits > 0 and figures.gui_saves > 0
    assert figures.max_wait_s < 15  # the lock timeout is 10 s: nothing waits past it
