"""Adding evidence files, one or many, to a statement or to the unsorted inbox, from the file dialog or
dropped on the window: the same file already stored is offered instead of a second copy.

The files are hashed (to find those already stored) and stored on workers; between the two the user
answers, on the GUI thread, what to do with files already stored, then gives the new files' details
(:mod:`qsi_desktop.gui.evidence_details`: titles from the file names, so Enter skips the step).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from qsi_desktop.export.names import evidence_label
from qsi_desktop.gui import workers
from qsi_desktop.gui.context import GuiContext
from qsi_desktop.gui.evidence_details import ask_details as ask_file_details
from qsi_desktop.services import evidence
from qsi_desktop.services.errors import ACTIONABLE_ERRORS
from qsi_desktop.services.records import EvidenceRecord

LINK_EXISTING, ADD_AGAIN = "link-existing", "add-again"


def dropped_files(mime: QMimeData) -> list[Path]:
    """The local files (not folders) a drag carries."""
    if not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [path for path in paths if path.is_file()]


@dataclass
class IntakeResult:
    added: list[EvidenceRecord] = field(default_factory=list)
    linked: list[EvidenceRecord] = field(default_factory=list)  # already stored: linked instead
    skipped: list[Path] = field(default_factory=list)  # already stored, nothing to link them to
    failed: list[str] = field(default_factory=list)  # one line each
    flagged: list[str] = field(default_factory=list)  # added, but seem to hold an NHS number: where

    def summary(self, ref: str | None) -> str:
        where = ref or "Unsorted (Evidence library)"
        parts = []
        if self.added:
            parts.append(f"{len(self.added)} file{'s' if len(self.added) != 1 else ''} added to {where}")
        if self.linked:
            labels = ", ".join(evidence_label(item.id) for item in self.linked)
            parts.append(f"already stored, linked instead: {labels}")
        if self.skipped:
            parts.append(f"{len(self.skipped)} already stored, not added again")
        if self.failed:
            parts.append(f"{len(self.failed)} not added: " + "; ".join(self.failed))
        if self.flagged:
            parts.append(
                "seem to hold an NHS number, so replace each with a cleaned version (New version…): "
                + "; ".join(self.flagged)
            )
        return (". ".join(parts) or "Nothing added") + "."


def ask_about_duplicates(parent: QWidget, found: dict[Path, EvidenceRecord], ref: str | None) -> str:
    """The files already stored: link the stored item instead (the default), add them again, or cancel."""
    lines = [
        f"{path.name} is already stored as {evidence_label(item.id)} “{item.title}”"
        + (f" (supports {', '.join(str(t) for t in item.targets)})" if item.targets else " (unsorted)")
        for path, item in found.items()
    ]
    box = QMessageBox(parent)
    box.setObjectName("duplicate-evidence")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Already stored")
    box.setText(
        f"{len(found)} of the files {'is' if len(found) == 1 else 'are'} already stored as evidence."
        if len(found) > 1
        else lines[0] + "."
    )
    if len(found) > 1:
        box.setInformativeText("\n".join(lines))
    use = box.addButton(
        f"&Link the stored item{'s' if len(found) > 1 else ''} to {ref}" if ref else "&Keep the stored item only",
        QMessageBox.ButtonRole.AcceptRole,
    )
    use.setObjectName(LINK_EXISTING)
    again = box.addButton("&Add a second copy", QMessageBox.ButtonRole.DestructiveRole)
    again.setObjectName(ADD_AGAIN)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(use)
    box.exec()
    clicked = box.clickedButton()
    return clicked.objectName() if clicked in (use, again) else ""


def add_files(
    parent: QWidget,
    ctx: GuiContext,
    paths: list[Path],
    ref: str | None,
    *,
    ask_details: bool = True,
    on_done: Callable[[IntakeResult], None] | None = None,
) -> workers.Worker | None:
    """Add ``paths`` as evidence for ``ref`` (None: the unsorted inbox). Returns the first worker.

    ``ask_details``: the details step (one file's dialog, or a table for several) before storing."""
    if not paths:
        return None
    ws = ctx.workspace

    def find(progress: workers.Progress, cancel: workers.CancelRequested) -> dict[Path, EvidenceRecord]:
        progress(0, len(paths), "checking for files already stored")
        return evidence.duplicates(ws, paths, cancel)

    return workers.run_with_progress(
        parent.window(),
        "Add evidence",
        f"Reading {len(paths)} file{'s' if len(paths) != 1 else ''}…",
        find,
        on_finished=lambda found: _decide(parent, ctx, paths, ref, found, ask_details, on_done),
        on_failed=lambda exc: QMessageBox.warning(parent, "Add evidence", workers.error_message(exc)),
    )


def _decide(
    parent: QWidget,
    ctx: GuiContext,
    paths: list[Path],
    ref: str | None,
    found: dict[Path, EvidenceRecord],
    ask_details: bool,
    on_done: Callable[[IntakeResult], None] | None,
) -> None:
    result = IntakeResult()
    existing: list[EvidenceRecord] = []
    new = [path for path in paths if path not in found]
    if found:
        choice = ask_about_duplicates(parent, found, ref)
        if not choice:
            return
        if choice == ADD_AGAIN:
            new = list(paths)
        elif ref is not None:
            existing = list(found.values())
        else:
            result.skipped = list(found)
    plain = evidence.EvidenceDetails(targets=[ref] if ref else [])
    details: dict[Path, evidence.EvidenceDetails] | None = {path: plain for path in new}
    if ask_details:
        details = ask_file_details(parent, ctx.app, new, ref)
        if details is None:  # cancelled: nothing stored, nothing linked
            return
    _store(parent, ctx, new, existing, ref, details, result, on_done)


def _store(
    parent: QWidget,
    ctx: GuiContext,
    new: list[Path],
    existing: list[EvidenceRecord],
    ref: str | None,
    details: dict[Path, evidence.EvidenceDetails],
    result: IntakeResult,
    on_done: Callable[[IntakeResult], None] | None,
) -> workers.Worker:
    ws, app, actor = ctx.workspace, ctx.app, ctx.actor

    def work(progress: workers.Progress, cancel: workers.CancelRequested) -> IntakeResult:
        for number, path in enumerate(new):
            if cancel():
                raise workers.Cancelled()
            progress(number, len(new), path.name)
            try:
                item = evidence.add_file(ws, app, path, details[path], actor=actor)
            except ACTIONABLE_ERRORS as exc:
                result.failed.append(workers.error_message(exc))
                continue
            result.added.append(item)
            places = evidence.nhs_number_places(path)
            if places:
                result.flagged.append(f"{evidence_label(item.id)} ({', '.join(places[:3])})")
        for item in existing:
            result.linked.append(evidence.add_targets(ws, app, item.id, [ref or ""], actor=actor))
        return result

    def finished(done: IntakeResult) -> None:
        ctx.changed()
        window = parent.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(done.summary(ref), 15000)
        if done.failed or done.flagged:
            QMessageBox.warning(parent, "Add evidence", done.summary(ref))
        if on_done is not None:
            on_done(done)

    return workers.run_with_progress(
        parent.window(),
        "Add evidence",
        f"Storing {len(new)} file{'s' if len(new) != 1 else ''}…",
        work,
        on_finished=finished,
        on_failed=lambda exc: QMessageBox.warning(parent, "Add evidence", workers.error_message(exc)),
        on_cancelled=lambda: ctx.changed(),
    )
