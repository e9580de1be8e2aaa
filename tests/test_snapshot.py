"""The first-paint snapshot: written when the window closes, used only while it is exactly the
workspace's saved state, never a crash or a half-written file on bad input, and no free text."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from qsi_desktop.services import snapshot
from qsi_desktop.services.app import App
from qsi_desktop.services.assessments import AssessmentChange, assess
from qsi_desktop.services.readiness import readiness
from qsi_desktop.store import workspace as store_workspace
from qsi_desktop.store.workspace import Workspace


def _sections(app: App) -> list:
    return [(s.ref, s.label, [(st.ref, st.name, "") for st in s.statements]) for s in app.catalogue.sections]


def _save(path: Path, app: App, folder: Path) -> Path:
    ws = Workspace.open(path)
    try:
        state = readiness(ws, app)
    finally:
        ws.close()
    written = snapshot.write_snapshot(path, folder, state, _sections(app))
    assert written is not None
    return written


@pytest.fixture
def saved(make_workspace, full_app: App, tmp_path: Path) -> tuple[Path, Path]:
    ws = make_workspace()
    assess(ws, full_app, "XR-101", AssessmentChange(status="met", narrative="Leaflets"), actor="test-user")
    path = ws.path
    ws.close()
    folder = tmp_path / "data"
    _save(path, full_app, folder)
    return path, folder


def test_database_name_agrees_with_the_store() -> None:
    assert snapshot.DATABASE_NAME == store_workspace.DATABASE_NAME


def test_a_snapshot_reads_back_as_saved(saved: tuple[Path, Path], full_app: App) -> None:
    path, folder = saved
    shot = snapshot.read_snapshot(path, folder)
    assert shot is not None
    ws = Workspace.open(path)
    try:
        real = readiness(ws, full_app)
    finally:
        ws.close()
    assert shot.state.service == real.service
    assert shot.state.readiness_percent == real.readiness_percent
    assert shot.state.counts == real.counts
    assert [(s.ref, s.status, s.evidence, s.next_review_on) for s in shot.state.statements] == [
        (s.ref, s.status, s.evidence, s.next_review_on) for s in real.statements
    ]
    assert [ref for ref, _label, _rows in shot.sections] == [s.ref for s in full_app.catalogue.sections]


def test_a_change_saved_since_makes_it_stale(saved: tuple[Path, Path], full_app: App) -> None:
    path, folder = saved
    ws = Workspace.open(path)
    assess(ws, full_app, "XR-102", AssessmentChange(status="not_met"), actor="colleague")
    ws.close()
    assert snapshot.read_snapshot(path, folder) is None


def test_an_open_workspace_with_unsaved_log_is_not_matched(saved: tuple[Path, Path], full_app: App) -> None:
    path, folder = saved
    ws = Workspace.open(path)  # another process still has it open, having written to the log
    try:
        assess(ws, full_app, "XR-103", AssessmentChange(status="met"), actor="colleague")
        assert snapshot.read_snapshot(path, folder) is None
    finally:
        ws.close()


def test_another_version_or_folder_is_not_used(
    saved: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path, folder = saved
    monkeypatch.setattr(snapshot, "__version__", "99.0")
    assert snapshot.read_snapshot(path, folder) is None
    monkeypatch.undo()
    assert snapshot.read_snapshot(tmp_path / "elsewhere", folder) is None


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty", b""),
        ("corrupt", b"{not json"),
        ("truncated", None),  # the first half of a real one
        ("wrong type", b"[1, 2, 3]"),
        ("wrong encoding", '{"service": "Caf\u00e9"}'.encode("latin-1")),
        ("wrong field types", None),
        ("huge", b" " * (snapshot.MAX_BYTES + 1)),
    ],
)
def test_bad_snapshots_mean_the_ordinary_start(
    saved: tuple[Path, Path], name: str, content: bytes | None, caplog: pytest.LogCaptureFixture
) -> None:
    path, folder = saved
    target = snapshot.snapshot_file(path, folder)
    good = target.read_bytes()
    if name == "truncated":
        content = good[: len(good) // 2]
    elif name == "wrong field types":
        document = json.loads(good)
        document["statements"][0][6] = "many"  # evidence count as text
        content = json.dumps(document).encode()
    assert content is not None
    target.write_bytes(content)
    with caplog.at_level(logging.INFO, logger="qsi_desktop.services.snapshot"):
        assert snapshot.read_snapshot(path, folder) is None
    assert str(target) in caplog.text and ("damaged" in caplog.text or "larger" in caplog.text)


def test_no_free_text_is_kept(make_workspace, full_app: App, tmp_path: Path) -> None:
    ws = make_workspace()
    assess(
        ws,
        full_app,
        "XR-101",
        AssessmentChange(status="met", narrative="See the Smith letter", owner="Dr Jones"),
        actor="test-user",
    )
    path = ws.path
    ws.close()
    written = _save(path, full_app, tmp_path / "data")
    data = written.read_bytes()
    assert b"Smith" not in data and b"Jones" not in data and b"test-user" not in data


def test_a_write_that_fails_leaves_no_file(saved: tuple[Path, Path], full_app: App, tmp_path: Path) -> None:
    path, _folder = saved
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder would go")
    ws = Workspace.open(path)
    state = readiness(ws, full_app)
    ws.close()
    assert snapshot.write_snapshot(path, blocked, state, _sections(full_app)) is None
    assert not list(tmp_path.glob("blocked*/**/*.tmp"))


def test_reading_a_snapshot_does_not_import_the_database_layer() -> None:
    code = (
        "import sys; import qsi_desktop.services.snapshot, qsi_desktop.gui.first_paint; "
        "print(sorted(m for m in ('sqlalchemy', 'alembic', 'qsi_desktop.store.models', 'qsi_desktop.export.raster', "
        "'pydicom') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
