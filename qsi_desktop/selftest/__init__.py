"""The installed app checks itself: ``qsi-desktop --self-test`` and ``qsi self-test``.

Qt-free: the window's own check is an extra step the launcher passes in. :func:`run_self_test` loads
every plugin, creates a workspace in a temporary folder (running the migrations), imports a sample
through every importer (see :mod:`qsi_desktop.selftest.samples`), stores two evidence documents
(.xlsx and .pdf, so the export's scan reads them), writes the Word pack and reads it back with
python-docx. Each step prints one line; the first line of a failure says why. The temporary folder is
removed at the end. :func:`version_report` is what ``--version`` prints.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from qsi_desktop import __version__
from qsi_desktop.plugins.builtin import BUILTIN_PLUGINS

if TYPE_CHECKING:
    from qsi_desktop.plugins.types import Register
    from qsi_desktop.services.app import App
    from qsi_desktop.store.workspace import Workspace

ACTOR = "self-test"
EXPECTED_PLUGINS = tuple(module.split(".")[0].removeprefix("qsi_plugin_") for module in BUILTIN_PLUGINS)
# Distributions whose versions --version prints (the name importlib.metadata knows them by).
LIBRARIES = (
    "SQLAlchemy",
    "alembic",
    "pluggy",
    "pydicom",
    "python-docx",
    "pillow",
    "openpyxl",
    "pypdf",
    "platformdirs",
    "PySide6-Essentials",
)

ExtraStep = tuple[str, Callable[["App", "Workspace"], str]]


class SelfTestError(Exception):
    """A step found something wrong: the message says what."""


@dataclass
class StepResult:
    name: str
    ok: bool
    detail: str
    seconds: float


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def version_report(plugins: Sequence[tuple[str, str]] | None = None) -> str:
    """App, Python, plugin and library versions, one item per line (``plugins``: name and version)."""
    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    lines = [
        f"QSI Desktop {__version__} ({frozen})",
        f"Python {platform.python_version()} on {platform.platform(terse=True)} ({platform.machine()})",
    ]
    if plugins is None:
        from qsi_desktop.plugins.manager import PluginManager

        plugins = [(info.name, info.version) for info in PluginManager().plugins()]
    lines.append("plugins: " + ", ".join(f"{name} {version}" for name, version in plugins))
    lines.append("libraries: " + ", ".join(f"{name} {_version(name)}" for name in LIBRARIES))
    return "\n".join(lines)


class VersionAction(argparse.Action):
    """``--version`` for both commands: the versions report, computed only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(
            option_strings,
            dest,
            nargs=0,
            default=argparse.SUPPRESS,
            help="print the app, plugin and library versions and exit",
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        if sys.stdout is not None:  # None in the windowed executable on Windows
            print(version_report())
        parser.exit()


def run_self_test(out: TextIO | None = None, *, extra: Sequence[ExtraStep] = ()) -> bool:
    """Run every step, printing one line each to ``out`` (stdout by default); True when all passed."""
    out = out if out is not None else sys.stdout
    started = time.perf_counter()
    results: list[StepResult] = []

    def step(name: str, check: Callable[[], str]) -> bool:
        begun = time.perf_counter()
        try:
            detail, ok = check(), True
        except Exception as exc:  # the reason, in one line; the traceback too, for whoever reads the log
            detail, ok = f"{type(exc).__name__}: {exc}".splitlines()[0], False
            if not isinstance(exc, SelfTestError):
                traceback.print_exc(file=out)
        results.append(StepResult(name, ok, detail, time.perf_counter() - begun))
        _print(out, f"{'ok  ' if ok else 'FAIL'} {name} ({results[-1].seconds:.2f} s): {detail}")
        return ok

    holder: dict[str, App] = {}
    if step("plugins", lambda: _load_plugins(holder)):
        app = holder["app"]
        with tempfile.TemporaryDirectory(prefix="qsi-self-test-") as temp:
            folder = Path(temp)
            workspaces: dict[str, Workspace] = {}
            if step("workspace and migrations", lambda: _create_workspace(app, folder, workspaces)):
                ws = workspaces["ws"]
                try:
                    for importer in app.plugins.importers():  # the built-in plugins' (others ship no sample)
                        if app.plugins.plugin_of(importer) in EXPECTED_PLUGINS:
                            step(f"import {importer.name}", lambda name=importer.name: _import(app, ws, name, folder))
                    for register in _sampled_registers(app):  # registers import their own files
                        step(f"register import {register.id}", lambda r=register: _import_register(ws, r, folder))
                    step("worker processes (spawn)", _spawned_worker)
                    step("evidence documents", lambda: _add_evidence(app, ws, folder))
                    step("charts and zone map", _draw_charts)
                    step("Word pack", lambda: _write_pack(app, ws, folder))
                    for name, check in extra:
                        step(name, lambda check=check: check(app, ws))
                finally:
                    ws.close()
    failed = [r for r in results if not r.ok]
    took = time.perf_counter() - started
    if failed:
        _print(out, f"self-test FAILED ({len(failed)} of {len(results)} steps, {took:.1f} s): {failed[0].detail}")
    else:
        _print(out, f"self-test passed: {len(results)} steps in {took:.1f} s")
    return not failed


def _print(out: TextIO, line: str) -> None:
    out.write(line + "\n")
    out.flush()


# -- the steps -----------------------------------------------------------------------------------------


def _load_plugins(holder: dict[str, App]) -> str:
    from qsi_desktop.services.app import App

    app = App.load()
    holder["app"] = app
    if app.plugins.failures:
        failure = app.plugins.failures[0]
        raise SelfTestError(f"plugin {failure.name} was not loaded: {failure.error}")
    loaded = {info.name: info.version for info in app.plugins.plugins()}
    missing = [name for name in EXPECTED_PLUGINS if name not in loaded]
    if missing:
        raise SelfTestError(f"built-in plugin(s) missing: {', '.join(missing)}")
    statements = sum(1 for _ in app.catalogue.statements())
    return f"{', '.join(f'{n} {v}' for n, v in loaded.items())}; {statements} quality statements"


def _create_workspace(app: App, folder: Path, holder: dict[str, Workspace]) -> str:
    from qsi_desktop.store import migrate
    from qsi_desktop.store.workspace import NewProfile, Workspace

    profile = NewProfile(
        name="Self-test imaging service",
        organisation="Self-test NHS Trust",
        sites=("Main site",),
        modalities=tuple(app.modalities()),
        scopes={scope: True for scope in app.scopes()},
    )
    ws = Workspace.create(folder / "workspace", profile, framework_id=app.framework_id, actor=ACTOR)
    holder["ws"] = ws
    head = migrate.head_revision()  # through Alembic, from the migration scripts shipped
    with ws.engine.connect() as connection:
        current = migrate.current_revision(connection)
    if current != head or migrate.quick_head_revision() != head:
        raise SelfTestError(f"database at revision {current}, migrations' head {head}")
    return f"created in the temporary folder, at revision {head}"


def _import(app: App, ws: Workspace, importer: str, folder: Path) -> str:
    from qsi_desktop.selftest.samples import write_samples
    from qsi_desktop.services.importing import run_import

    files = write_samples(importer, folder / "samples" / importer)
    if not files:
        raise SelfTestError(f"no sample for importer {importer}: add one to qsi_desktop/selftest")
    summary = run_import(ws, app, importer, files, actor=ACTOR)
    if summary.rejected or summary.cancelled or summary.imported == 0:
        reason = summary.rejected[0].reason if summary.rejected else "nothing imported"
        raise SelfTestError(f"{importer}: {reason}")
    return f"{summary.imported} record(s) from {summary.files} file(s)"


def _sampled_registers(app: App) -> list[Register]:
    from qsi_desktop.selftest.samples import csv_sample

    return [r for r in app.plugins.registers() if app.plugins.plugin_of(r) in EXPECTED_PLUGINS and csv_sample(r.id)]


def _import_register(ws: Workspace, register: Register, folder: Path) -> str:
    from qsi_desktop.selftest.samples import write_samples
    from qsi_desktop.services import register_io

    (path,) = write_samples(register.id, folder / "samples" / register.id)
    preview = register_io.preview(ws, register, path)
    if preview.issues or preview.missing or not preview.rows:
        reason = preview.issues[0].reason if preview.issues else "nothing to import"
        raise SelfTestError(f"{register.id}: {reason}")
    result = register_io.commit(ws, register, preview, actor=ACTOR)
    return f"{result.added + result.updated} row(s) from {path.name}"


def _pid() -> int:
    import os

    return os.getpid()


def _spawned_worker() -> str:
    """A worker process started the way Windows starts them (a fresh interpreter, or the frozen
    executable run again): it fails there unless ``multiprocessing.freeze_support()`` runs first."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pid = pool.submit(_pid).result(timeout=120)
    if pid == os.getpid():
        raise SelfTestError("the worker ran in this process")
    return "a spawned worker process answered"


def _add_evidence(app: App, ws: Workspace, folder: Path) -> str:
    from openpyxl import Workbook
    from pypdf import PdfReader

    from qsi_desktop.selftest.samples import text_pdf
    from qsi_desktop.services import evidence

    workbook = Workbook()
    workbook.active.append(["Audit", "Result"])
    workbook.active.append(["Self-test audit", "Complete"])
    sheet = folder / "Self-test audit.xlsx"
    workbook.save(sheet)
    pdf = text_pdf(folder / "Self-test policy.pdf", "Self-test policy, version 1")
    if "Self-test policy" not in PdfReader(pdf).pages[0].extract_text():
        raise SelfTestError("pypdf could not read the text of a PDF")
    ref = next(iter(app.catalogue.statements())).ref
    for path in (sheet, pdf):
        evidence.add_file(ws, app, path, evidence.EvidenceDetails(title=path.stem, targets=[ref]), actor=ACTOR)
    return f"{sheet.name} and {pdf.name} stored for {ref}"


def _draw_charts() -> str:
    """A chart and a zone map drawn with Pillow (its FreeType font and PNG encoder), checked as read back."""
    import io

    from PIL import Image

    from qsi_desktop.export import charts, raster
    from qsi_desktop.plugins.types import ZoneKind, ZoneMapSpec
    from qsi_desktop.zone_maps.model import Background, from_json
    from qsi_desktop.zone_maps.render import render_png

    face = raster.font(9)
    if face.getname()[0] != "Aileron":
        raise SelfTestError(f"the charts' font is {face.getname()[0]}, not Pillow's embedded Aileron")
    chart = charts.status_counts({"met": 3, "not_met": 1})
    spec = ZoneMapSpec(zones=(ZoneKind("area", "Area", "#d5281b"),))
    drawn = {"zones": [{"kind": "area", "points": [[50, 50], [300, 50], [300, 200]]}], "markers": []}
    zone_map = render_png(from_json(drawn, spec, background=Background.grid()), spec)
    sizes = []
    for png, colour in ((chart.png, (0, 127, 59)), (zone_map, (213, 40, 27))):  # met's green, the area's red
        with Image.open(io.BytesIO(png)) as image:
            rgb = image.convert("RGB")
        if colour not in {c for _, c in rgb.getcolors(4096) or []}:
            raise SelfTestError(f"a drawn picture lacks the colour {colour}")
        sizes.append(f"{rgb.width} x {rgb.height}")
    return f"a chart ({sizes[0]} px) and a zone map ({sizes[1]} px) drawn"


def _write_pack(app: App, ws: Workspace, folder: Path) -> str:
    import docx

    from qsi_desktop.export import pack_data, service

    data, findings = service.prepare(ws, app, pack_data.PackOptions(), scan=True)
    scanned = [f for f in findings if f.kind == "evidence-unreadable"]
    if scanned:
        raise SelfTestError(f"the evidence scan could not read a document: {scanned[0].message}")
    target = folder / "Self-test pack.docx"
    written = service.export(ws, app, data, service.ExportRequest(out=target)).pack
    document = docx.Document(str(target))
    headings = [p.text for p in document.paragraphs if p.style is not None and p.style.name.startswith("Heading")]
    text = "\n".join(p.text for p in document.paragraphs)
    if "Self-test imaging service" not in text or not headings:
        raise SelfTestError("the pack read back lacks the service's name or its headings")
    if len(document.inline_shapes) < 1:
        raise SelfTestError("the pack read back has no charts")
    return (
        f"{written.statements} statements, {len(headings)} headings, {len(document.inline_shapes)} charts, "
        f"{len(document.tables)} tables, {target.stat().st_size // 1024} KiB"
    )
