"""Shared fixtures: an App with an explicit plugin list (never discovery), workspaces, the CLI."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from qsi_desktop.cli import main
from qsi_desktop.services.app import App
from qsi_desktop.store.workspace import NewProfile, Workspace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["QSI_ACTOR"] = "test-user"

ALL_PLUGINS = [f"qsi_plugin_{m}.plugin" for m in ("ct", "ir", "mr", "nm", "us")]


def builtin_importers() -> tuple[str, ...]:
    """Every importer the built-in plugins register (for tests that must cover each one)."""
    return tuple(sorted(i.name for i in App.load(plugins=ALL_PLUGINS).plugins.importers()))


@pytest.fixture(autouse=True)
def _no_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI discovers installed plugins; tests that need a fixed list set it explicitly.
    monkeypatch.setenv("QSI_DISABLE_PLUGIN_DISCOVERY", "1")


@pytest.fixture(scope="session")
def core_app() -> App:
    return App.load(plugins=[])


@pytest.fixture(scope="session")
def full_app() -> App:
    return App.load(plugins=ALL_PLUGINS)


@pytest.fixture
def make_workspace(tmp_path: Path, full_app: App) -> Callable[..., Workspace]:
    created: list[Workspace] = []

    def make(
        name: str = "ws",
        *,
        modalities: tuple[str, ...] = ("CT", "MR", "US"),
        paediatric: bool = True,
    ) -> Workspace:
        ws = Workspace.create(
            tmp_path / name,
            NewProfile("Riverside Imaging", "Riverside NHS FT", ("General",), modalities, {"paediatric": paediatric}),
            framework_id=full_app.framework_id,
            actor="test-user",
        )
        created.append(ws)
        return ws

    yield make
    for ws in created:
        ws.close()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run ``qsi`` in-process with all five plugins listed explicitly."""
    import qsi_desktop.services.app as app_module

    original = app_module.App.load.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(app_module.App, "load", classmethod(lambda cls, plugins=None: original(cls, ALL_PLUGINS)))

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
