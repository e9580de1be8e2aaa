"""Checks a workspace end to end: database integrity, schema version, every evidence file's hash."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from qsi_desktop.services import zone_maps
from qsi_desktop.store import migrate
from qsi_desktop.store.models import EvidenceItem
from qsi_desktop.store.workspace import Workspace


@dataclass
class VerifyReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(ws: Workspace, on_progress: Callable[[int, int, str], None] | None = None) -> VerifyReport:
    report = VerifyReport()
    try:
        _check_database(ws, report)
        with ws.engine.connect() as connection:
            items = list(
                connection.execute(
                    select(EvidenceItem.id, EvidenceItem.title, EvidenceItem.file_sha256)
                    .where(EvidenceItem.file_sha256.is_not(None))
                    .order_by(EvidenceItem.id)
                )
            )
        plans = zone_maps.image_hashes(ws)  # floor plans of zone maps live in the same store
    except SQLAlchemyError as exc:  # the damage verify exists to find: report it, do not crash on it
        report.problems.append(f"database: cannot be read ({str(getattr(exc, 'orig', exc)).splitlines()[0]})")
        return report
    hashes = sorted({sha for _, _, sha in items} | plans)
    broken: dict[str, str] = {}
    for index, sha in enumerate(hashes, start=1):
        problem = ws.files.verify(sha)
        if problem:
            broken[sha] = problem
        if on_progress:
            on_progress(index, len(hashes), "checking evidence files")
    report.files_checked = len(hashes)
    for item_id, title, sha in items:
        if sha in broken:
            report.problems.append(f"evidence #{item_id} '{title}': {broken[sha]} ({ws.files.path_for(sha)})")
    for sha in sorted(plans & broken.keys()):
        report.problems.append(f"zone map floor plan: {broken[sha]} ({ws.files.path_for(sha)})")

    orphans = set(ws.files.stored_hashes()) - set(hashes)
    if orphans:
        report.notes.append(f"{len(orphans)} stored file(s) not used by any evidence item (kept, never deleted)")
    leftovers = ws.files.incoming_files()
    if leftovers:
        report.notes.append(
            f"{len(leftovers)} unfinished copy(ies) in {ws.files.root / 'tmp'} "
            "(deleted when the workspace is opened, once an hour old)"
        )
    return report


def _check_database(ws: Workspace, report: VerifyReport) -> None:
    with ws.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            result = [row[0] for row in connection.execute(text("PRAGMA integrity_check"))]
            if result != ["ok"]:
                report.problems.extend(f"database: {line}" for line in result[:20])
                return  # further checks on a damaged file only repeat the damage
            for row in connection.execute(text("PRAGMA foreign_key_check")):
                report.problems.append(f"database: table {row[0]} row {row[1]} points at a missing {row[2]} row")
        current = migrate.current_revision(connection)
        if current != migrate.head_revision():
            report.problems.append(f"database: schema revision {current}, expected {migrate.head_revision()}")
