"""The installer: ``--self-test`` and ``--version`` from source, and the frozen one-folder bundle.

The bundle tests (marker ``bundle``) build ``dist/qsi-desktop`` with ``installer/build.py`` once per
session (about two minutes here) and run the frozen executables: ``--self-test`` from an unrelated
working directory, from a copy of the folder whose path has spaces, and in portable mode, checking
nothing is written beside the executables unless portable. They run in CI (``.ci/run`` runs the whole
suite); ``-m "not bundle"`` leaves them out of a quick local run.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qsi_desktop import selftest

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def _user_env(tmp_path: Path) -> dict[str, str]:
    """The environment with the user's folders (data, settings, temporary files) under ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QSI_")}
    home = tmp_path / "home"
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "TMPDIR"):
        (home / name).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / name)
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", QSI_ACTOR="test-user")
    return env


# -- from source -------------------------------------------------------------------------------------


def test_qsi_self_test_passes_from_source(tmp_path: Path) -> None:
    result = _run([sys.executable, "-m", "qsi_desktop", "self-test"], tmp_path, _user_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("plugins", "workspace and migrations", "import ct-dose", "import us-decontamination", "Word pack"):
        assert f"ok   {name} (" in result.stdout
    assert "self-test passed" in result.stdout


def test_window_self_test_passes_from_source(tmp_path: Path) -> None:
    pytest.importorskip("PySide6.QtWidgets")
    code = "import sys; from qsi_desktop.gui.launcher import main; sys.exit(main(['--self-test']))"
    result = _run([sys.executable, "-c", code], tmp_path, _user_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   main window (offscreen) (" in result.stdout


def test_a_failing_step_says_why_and_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from qsi_desktop.selftest import samples

    monkeypatch.delenv("QSI_DISABLE_PLUGIN_DISCOVERY", raising=False)  # the built-in plugins, as installed
    monkeypatch.setattr(samples, "DICOM_SAMPLES", {})  # ct-dose and ir-dose lose their samples
    out = io.StringIO()
    assert not selftest.run_self_test(out)
    report = out.getvalue()
    assert "FAIL import ct-dose" in report and "no sample for importer ct-dose" in report
    assert "ok   Word pack (" in report  # the other steps still ran
    assert report.splitlines()[-1].startswith("self-test FAILED (2 of ")


def test_version_names_app_plugins_and_libraries(tmp_path: Path) -> None:
    result = _run([sys.executable, "-m", "qsi_desktop", "--version"], tmp_path, _user_env(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("QSI Desktop 0.")
    assert all(f"{name} 0." in lines[2] for name in ("core", "ct", "ir", "mr", "nm", "us"))
    assert "python-docx 1." in lines[3] and "matplotlib 3." in lines[3]
