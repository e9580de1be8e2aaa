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
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from qsi_desktop import __version__, selftest

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
    assert "python-docx 1." in lines[3] and "pillow 1" in lines[3]
    assert "matplotlib" not in result.stdout and "numpy" not in result.stdout  # dropped: the charts are Pillow's


# -- the frozen bundle -------------------------------------------------------------------------------

EXE = ".exe" if sys.platform == "win32" else ""
DROPPED = {"matplotlib", "numpy", "kiwisolver", "contourpy", "fontTools", "fonttools", "pyparsing", "cycler"}


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``installer/build.py --archive`` into a temporary folder (not the developer's dist/)."""
    pytest.importorskip("PyInstaller", reason="the freeze extra is not installed (bash tools/setup-venv.sh)")
    out = tmp_path_factory.mktemp("dist")
    started = time.perf_counter()
    result = _run(
        [
            sys.executable,
            str(ROOT / "installer" / "build.py"),
            "--dist",
            str(out),
            "--work",
            str(out / "build"),
            "--archive",
        ],
        ROOT,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    print(f"\nbuild: {time.perf_counter() - started:.0f} s; {result.stdout.splitlines()[-1]}")
    return out / "qsi-desktop"


@pytest.fixture(scope="session")
def unpacked(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .tar.gz unpacked where a path has spaces (as under Program Files)."""
    (archive,) = bundle.parent.glob("qsi-desktop-*.tar.gz")
    target = tmp_path_factory.mktemp("unpacked") / "Program Files" / "QSI Desktop 0.1"
    target.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="tar")
    return target / "qsi-desktop"


def _listing(folder: Path) -> set[tuple[str, int]]:
    return {(str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*") if p.is_file()}


def _self_test(folder: Path, cwd: Path, env: dict[str, str], command: str = "qsi-desktop") -> str:
    args = [str(folder / f"{command}{EXE}"), *(["--self-test"] if command == "qsi-desktop" else ["self-test"])]
    started = time.perf_counter()
    result = _run(args, cwd, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test passed" in result.stdout
    assert "ok   charts and zone map" in result.stdout  # Pillow's FreeType font and PNG encoder, frozen
    print(f"\n{command} self-test: {time.perf_counter() - started:.1f} s")
    return result.stdout


@pytest.mark.bundle
def test_bundle_holds_both_executables_the_plugins_and_not_the_example(bundle: Path) -> None:
    internal = bundle / "_internal"
    assert (bundle / f"qsi-desktop{EXE}").is_file() and (bundle / f"qsi{EXE}").is_file()
    for m in ("ct", "ir", "mr", "nm", "us"):
        assert (internal / f"qsi_plugin_{m}" / "data" / f"qsi-2026-draft-{m}.json").is_file()
        (dist_info,) = internal.glob(f"qsi_plugin_{m}-*.dist-info")
        assert "qsi_desktop.plugins" in (dist_info / "entry_points.txt").read_text()
    assert (internal / "qsi_desktop" / "store" / "migrations" / "script.py.mako").is_file()
    assert (internal / "qsi_desktop" / "store" / "migrations" / "versions" / "0001_initial.py").is_file()
    assert not list(internal.glob("qsi_plugin_example*")), "the example plugin must not be bundled"
    assert not [p.name for p in internal.iterdir() if p.name.split("-")[0].split(".")[0] in DROPPED]
    assert not (internal / "PySide6" / "Qt" / "translations").exists()
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"\nbundle: {size / 2**20:.1f} MiB")
    # installer/slim.py's cuts (239 MiB without) and no matplotlib or numpy (167 MiB with them): 112 MiB when written.
    if sys.platform.startswith("linux"):
        assert size < 118 * 2**20, f"the bundle grew to {size / 2**20:.0f} MiB: see what build.py lists"
        (icu,) = (internal / "PySide6" / "Qt" / "lib").glob("libicudata.so.*")
        assert icu.stat().st_size < 100_000
        host = {p.name.split(".so")[0] for p in internal.glob("lib*.so*")}
        assert not host & {"libgtk-3", "libcairo", "libpango-1.0", "libX11", "libfontconfig", "libglib-2.0"}
        assert any(name.startswith("libpython3") for name in host)


@pytest.mark.bundle
def test_self_test_from_an_unrelated_folder_writes_only_to_the_user_folders(bundle: Path, tmp_path: Path) -> None:
    before = _listing(bundle)
    env = _user_env(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _self_test(bundle, elsewhere, env)
    assert _listing(bundle) == before, "nothing may be written beside the executable unless portable"
    assert (Path(env["XDG_DATA_HOME"]) / "QSI Desktop" / "logs" / "qsi-desktop.log").is_file()
    assert not any(elsewhere.iterdir())


@pytest.mark.bundle
def test_both_executables_run_from_a_path_with_spaces(unpacked: Path, tmp_path: Path) -> None:
    before = _listing(unpacked)
    env = _user_env(tmp_path)
    report = _self_test(unpacked, tmp_path, env, "qsi")
    assert "ok   import ct-dose (" in report
    version = _run([str(unpacked / f"qsi-desktop{EXE}"), "--version"], tmp_path, env)
    assert version.returncode == 0 and "(frozen)" in version.stdout
    assert "plugins: core 0.1.0, ct 0.1.0, ir 0.1.0, mr 0.1.0, nm 0.1.0, us 0.1.0\n" in version.stdout
    assert _listing(unpacked) == before


@pytest.mark.bundle
def test_portable_mode_keeps_data_beside_the_executable(unpacked: Path, tmp_path: Path) -> None:
    env = _user_env(tmp_path)
    marker = unpacked / "portable.txt"
    marker.write_text("QSI Desktop keeps its settings and workspace in the data folder beside it.\n")
    try:
        _self_test(unpacked, tmp_path, env)
        assert (unpacked / "data" / "logs" / "qsi-desktop.log").is_file()
        assert not (Path(env["XDG_DATA_HOME"]) / "QSI Desktop").exists()
    finally:
        marker.unlink()
        shutil.rmtree(unpacked / "data", ignore_errors=True)


@pytest.mark.bundle
def test_cold_start_to_a_shown_window(bundle: Path, tmp_path: Path) -> None:
    env = _user_env(tmp_path)
    workspace = tmp_path / "My workspace"
    made = _run([str(bundle / f"qsi{EXE}"), "demo", str(workspace)], tmp_path, env)
    assert made.returncode == 0, made.stderr
    picture = tmp_path / "window.png"
    started = time.perf_counter()
    shown = _run([str(bundle / f"qsi-desktop{EXE}"), str(workspace), "--screenshot", str(picture)], tmp_path, env)
    took = time.perf_counter() - started
    assert shown.returncode == 0, shown.stderr
    assert picture.stat().st_size > 10_000
    print(f"\nfrozen start to a shown window: {took:.2f} s")


@pytest.mark.bundle
def test_the_linux_archive_has_its_checksum_and_installs_a_desktop_entry(
    bundle: Path, unpacked: Path, tmp_path: Path
) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the .tar.gz is the Linux package")
    (archive,) = bundle.parent.glob("qsi-desktop-*.tar.gz")
    checked = _run(["sha256sum", "--check", f"{archive.name}.sha256"], bundle.parent)
    assert checked.returncode == 0 and ": OK" in checked.stdout
    env = _user_env(tmp_path)
    result = _run(["sh", str(unpacked / "install.sh")], tmp_path, env)
    assert result.returncode == 0, result.stderr
    entry = Path(env["XDG_DATA_HOME"]) / "applications" / "qsi-desktop.desktop"
    assert f'Exec="{unpacked}/qsi-desktop" %f' in entry.read_text()
    assert (Path(env["XDG_DATA_HOME"]) / "icons" / "hicolor" / "256x256" / "apps" / "qsi-desktop.png").is_file()
    assert _run(["sh", str(unpacked / "install.sh"), "--remove"], tmp_path, env).returncode == 0
    assert not entry.exists()


# -- the Windows installer scripts, checked against the bundle's layout -------------------------------

WINDOWS = ROOT / "installer" / "windows"


def _in_bundle(bundle: Path, windows_path: str) -> Path:
    """A path an installer script names (``qsi.exe``, ``_internal\\*``) in this platform's bundle."""
    relative = windows_path.replace("\\", "/").removesuffix("/**").removesuffix("/*").strip("/")
    if sys.platform != "win32" and "/" not in relative:
        relative = relative.removesuffix(".exe")
    return bundle / relative


def inno_paths(text: str) -> list[str]:
    """Every bundle path the Inno Setup script names: sources ({#SourceDir}) and installed files ({app})."""
    import re

    found = re.findall(r'\{#SourceDir\}\\([^";\s]+)', text)
    found += re.findall(r'\{app\}\\([^";\s]+)', text)
    return [path for path in found if path != "_internal"]  # {app}\_internal is the destination folder


def wix_paths(text: str) -> list[str]:
    import xml.etree.ElementTree as ET

    ns = {"w": "http://wixtoolset.org/schemas/v4/wxs"}
    root = ET.fromstring(text)
    found = [e.get("Source", "") for e in root.iterfind(".//w:File", ns)]
    found += [e.get("Include", "") for e in root.iterfind(".//w:Files", ns)]
    found += [e.get("SourceFile", "") for e in root.iterfind(".//w:Icon", ns)]
    found = [path.replace("$(var.SourceDir)\\", "") for path in found]
    found += [e.get("Target", "").replace("[INSTALLFOLDER]", "") for e in root.iterfind(".//w:Shortcut", ns)]
    return found


def test_inno_setup_script_is_per_user_without_admin() -> None:
    text = (WINDOWS / "qsi-desktop.iss").read_text(encoding="utf-8")
    assert "\nPrivilegesRequired=lowest\n" in text and "PrivilegesRequiredOverridesAllowed" not in text
    assert "{autoprograms}\\QSI Desktop" in text  # the Start menu shortcut
    assert f'#define AppVersion "{__version__}"' in text
    assert sorted(set(inno_paths(text))) == ["_internal\\*", "qsi-desktop.exe", "qsi-desktop.ico", "qsi.exe"]


def test_wix_recipe_is_per_machine_in_program_files() -> None:
    text = (WINDOWS / "qsi-desktop.wxs").read_text(encoding="utf-8")
    assert 'Scope="perMachine"' in text and 'StandardDirectory Id="ProgramFiles64Folder"' in text
    assert "<ServiceInstall" not in text and "CustomAction" not in text
    assert sorted(set(wix_paths(text))) == ["_internal\\**", "qsi-desktop.exe", "qsi-desktop.ico", "qsi.exe"]


@pytest.mark.bundle
def test_every_path_the_windows_installers_name_is_in_the_bundle(bundle: Path) -> None:
    names = inno_paths((WINDOWS / "qsi-desktop.iss").read_text(encoding="utf-8"))
    names += wix_paths((WINDOWS / "qsi-desktop.wxs").read_text(encoding="utf-8"))
    missing = [name for name in names if not _in_bundle(bundle, name).exists()]
    assert not missing, f"named by an installer script, not in the bundle: {missing}"


def test_the_windows_workflow_builds_checks_and_packages() -> None:
    steps = (ROOT / ".github" / "workflows" / "windows-installer.yml").read_text(encoding="utf-8")
    assert "runs-on: windows-" in steps
    for command in ("python installer/build.py", "qsi.exe self-test", "qsi-desktop.iss", "wix build", "Get-FileHash"):
        assert command in steps


def test_portable_settings_are_an_ini_file_in_the_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pytest.importorskip("PySide6.QtCore")
    from PySide6.QtCore import QSettings

    from qsi_desktop.gui import settings

    monkeypatch.setattr(settings, "portable_data_dir", lambda: tmp_path / "data")
    portable = settings.app_settings()
    assert Path(portable.fileName()) == tmp_path / "data" / "settings.ini"
    assert portable.format() == QSettings.Format.IniFormat
    monkeypatch.setattr(settings, "portable_data_dir", lambda: None)
    assert settings.app_settings().format() == QSettings.Format.NativeFormat
