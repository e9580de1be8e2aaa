"""Export as the command line and the GUI run it: check, then the pack, then the bundle.

Long work takes ``progress(done, total, message)`` and ``cancel()`` like every worker function; a
cancelled or failed export leaves no pack or bundle behind (each is written to a temporary file and
renamed when complete).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qsi_desktop.export import bundle, check, pack, pack_data
from qsi_desktop.export.bundle import BundleSummary, ExportCancelled
from qsi_desktop.export.check import Finding
from qsi_desktop.export.pack import PackSummary
from qsi_desktop.export.pack_data import PackData, PackOptions
from qsi_desktop.services.app import App
from qsi_desktop.store.workspace import Workspace

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]


@dataclass(frozen=True)
class ExportRequest:
    out: Path
    options: PackOptions = field(default_factory=PackOptions)
    bundle: Path | None = None
    template: Path | None = None


@dataclass
class ExportResult:
    pack: PackSummary
    bundle: BundleSummary | None = None


def prepare(
    ws: Workspace,
    app: App,
    options: PackOptions,
    *,
    scan: bool = True,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> tuple[PackData, list[Finding]]:
    """Read what the pack shows and check it (``scan``: evidence documents too, the slow part)."""
    progress = progress or _quiet
    progress(0, 0, "reading the workspace")
    data = pack_data.gather(ws, app, options, progress)
    if cancel is not None and cancel():
        raise ExportCancelled("the export was cancelled: nothing was written")
    return data, check.check(data, ws.files if scan else None, progress, cancel)


def export(
    ws: Workspace,
    app: App,
    data: PackData,
    request: ExportRequest,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ExportResult:
    """Write the pack (and the bundle) from what :func:`prepare` read."""
    progress = progress or _quiet
    written = pack.render_pack(data, request.out, template=request.template, progress=progress, cancel=cancel)
    result = ExportResult(written)
    if request.bundle is not None:
        entries, links = bundle.bundle_items(data.evidence)
        result.bundle = bundle.write_bundle(
            request.bundle,
            pack=written.path,
            entries=entries,
            links=links,
            store=ws.files,
            snapshot=data.snapshot(),
            section_of=section_of(app),
            progress=progress,
            cancel=cancel,
        )
    return result


def section_of(app: App) -> Callable[[str], str]:
    """``XR-101`` (or ``XR-101:7.a``) -> ``XR-1``: the bundle's folder for a statement."""

    def find(target: str) -> str:
        statement = app.catalogue.get(target.split(":")[0])
        return statement.section_ref if statement is not None else target.split("-")[0]

    return find


def _quiet(done: int, total: int, message: str) -> None:
    pass
