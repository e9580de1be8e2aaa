"""Assessment cycles: starting next year's assessment from this year's, and what changed since a submission.

A cycle is not a copy of the workspace. The workspace always holds the current cycle; starting a new
one records, in one audited transaction, a snapshot of the statements as the old cycle ended
(``stored_tables`` namespace ``cycle``, key ``snapshot-N``: each statement's status, narrative,
owner, review dates and evidence ids, and each evidence item's hash or link) and the new cycle's
number and start (key ``current``). The assessment carries over as it is (evidence and links
kept); with ``reset_statuses`` every met, partially met and not met statement goes back to "in
progress" for review (its sign-off with it). What is past its review date is listed, not changed.

A submitted evidence bundle carries the same kind of snapshot (``snapshot.json``, written by the
export from the pack's own data), so :func:`compare` takes either: the statements whose status,
narrative or evidence changed since.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from qsi_desktop.services import stored_tables
from qsi_desktop.services.app import App
from qsi_desktop.services.assessments import AssessmentChange, apply_change, find_assessment, get_profile
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.tracker_export import StatementRow, statement_rows
from qsi_desktop.store.workspace import Workspace

NAMESPACE = "cycle"
CURRENT = "current"
SNAPSHOT_FORMAT = 1
RESET = frozenset({"met", "partially_met", "not_met"})  # judged last cycle: reviewed again
MAX_SNAPSHOT_BYTES = 50_000_000


@dataclass(frozen=True)
class CycleInfo:
    number: int  # 1 until a new cycle is started
    started_on: date | None = None  # None: since the workspace was made
    started_by: str = ""
    reset_statuses: bool = False


@dataclass(frozen=True)
class CycleStart:
    number: int
    started_on: date
    statements: int  # carried over
    reset: tuple[str, ...]  # refs set back to in progress
    past_review: tuple[tuple[str, date], ...]  # (ref, next review) before the start
    evidence_past_review: tuple[tuple[int, str, date], ...]  # (id, title, review due)


@dataclass(frozen=True)
class StatementChange:
    ref: str
    title: str
    status_then: str | None  # None: not in the snapshot
    status_now: str
    narrative_changed: bool
    evidence_added: tuple[int, ...] = ()
    evidence_removed: tuple[int, ...] = ()
    evidence_changed: tuple[int, ...] = ()  # the same id, other content (a file's hash, a link's address)

    @property
    def status_changed(self) -> bool:
        return self.status_then != self.status_now

    def what(self) -> list[str]:
        said = []
        if self.status_changed:
            said.append("status")
        if self.narrative_changed:
            said.append("narrative")
        if self.evidence_added or self.evidence_removed or self.evidence_changed:
            said.append("evidence")
        return said


@dataclass
class Comparison:
    source: str  # the bundle's file name, or "cycle N"
    as_of: str | None  # the date the snapshot describes
    compared: int  # statements in both
    changes: list[StatementChange] = field(default_factory=list)
    not_in_snapshot: list[str] = field(default_factory=list)  # statements the snapshot does not cover


def current_cycle(ws: Workspace) -> CycleInfo:
    saved = stored_tables.get(ws, NAMESPACE, CURRENT)
    if not isinstance(saved, dict) or not isinstance(saved.get("number"), int):
        return CycleInfo(1)
    started = saved.get("started_on")
    return CycleInfo(
        saved["number"],
        date.fromisoformat(started) if isinstance(started, str) else None,
        str(saved.get("started_by", "")),
        bool(saved.get("reset_statuses", False)),
    )


def state(ws: Workspace, rows: list[StatementRow]) -> dict[str, Any]:
    """The statements as ``rows`` say, in the keys of the bundle's ``snapshot.json``."""

    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    evidence = {item.id: item for row in rows for item in row.evidence}
    return {
        "format": SNAPSHOT_FORMAT,
        "framework": {"id": ws.framework_id},
        "statements": [
            {
                "ref": row.ref,
                "status": row.status,
                "applicable": row.applicable,
                "reason": row.reason,
                "owner": row.assessment.owner,
                "narrative": row.assessment.narrative,
                "last_reviewed_on": day(row.assessment.last_reviewed_on),
                "next_review_on": day(row.assessment.next_review_on),
                "evidence": sorted(item.id for item in row.evidence),
            }
            for row in rows
        ],
        "evidence": [
            {"id": i.id, "title": i.title, "kind": i.kind, "sha256": i.file_sha256, "url": i.link_url}
            for i in sorted(evidence.values(), key=lambda i: i.id)
        ],
    }


def new_cycle(ws: Workspace, app: App, *, reset_statuses: bool, actor: str, today: date | None = None) -> CycleStart:
    """Start the next cycle from the current one (see the module's description)."""
    today = today or date.today()
    cycle = current_cycle(ws)
    rows = statement_rows(ws, app)
    snapshot = {**state(ws, rows), "cycle": cycle.number, "ended_on": today.isoformat(), "ended_by": actor}
    reset = tuple(r.ref for r in rows if reset_statuses and r.applicable and r.status in RESET)
    with ws.transaction(actor) as session:
        if reset:
            profile = get_profile(session)
            for ref in reset:
                assessment = find_assessment(session, ws.framework_id, ref)
                apply_change(
                    session,
                    ws.framework_id,
                    app,
                    profile,
                    assessment,
                    ref,
                    AssessmentChange(status="in_progress"),
                    actor,
                )
        stored_tables.put_in(session, NAMESPACE, f"snapshot-{cycle.number}", snapshot, actor=actor)
        stored_tables.put_in(
            session,
            NAMESPACE,
            CURRENT,
            {
                "number": cycle.number + 1,
                "started_on": today.isoformat(),
                "started_by": actor,
                "reset_statuses": reset_statuses,
                "previous": f"snapshot-{cycle.number}",
            },
            actor=actor,
        )
    past = tuple(
        (r.ref, r.assessment.next_review_on)
        for r in rows
        if r.applicable and r.assessment.next_review_on and r.assessment.next_review_on < today
    )
    items = {item.id: item for r in rows for item in r.evidence}
    evidence_past = tuple(
        (i.id, i.title, i.review_due_on)
        for i in sorted(items.values(), key=lambda i: i.id)
        if i.review_due_on and i.review_due_on < today
    )
    return CycleStart(cycle.number + 1, today, len(rows), reset, past, evidence_past)  # type: ignore[arg-type]


# -- comparing with a snapshot ------------------------------------------------------------------


def read_bundle_snapshot(path: Path | str) -> dict[str, Any]:
    """The ``snapshot.json`` inside an evidence bundle the export wrote; refused with one clear line."""
    from qsi_desktop.export.bundle import SNAPSHOT_JSON

    path = Path(path)
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo(SNAPSHOT_JSON)
            except KeyError:
                raise UserError(
                    f"{name}: has no {SNAPSHOT_JSON}: not an evidence bundle written by QSI Desktop's export"
                ) from None
            if info.file_size > MAX_SNAPSHOT_BYTES:
                raise UserError(f"{name}: its {SNAPSHOT_JSON} is too large to be a snapshot ({info.file_size:,} bytes)")
            data = archive.read(info)
    except FileNotFoundError:
        raise UserError(f"{name}: file not found") from None
    except IsADirectoryError:
        raise UserError(f"{name}: is a folder, not a bundle (.zip)") from None
    except (zipfile.BadZipFile, EOFError):
        raise UserError(f"{name}: is not a zip file (an evidence bundle .zip), or it is damaged") from None
    except OSError as exc:
        raise UserError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    try:
        snapshot = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise UserError(f"{name}: its {SNAPSHOT_JSON} is not valid JSON (the bundle is damaged)") from None
    check_snapshot(snapshot, name)
    return snapshot


def check_snapshot(snapshot: Any, name: str) -> None:
    if not isinstance(snapshot, dict) or not isinstance(snapshot.get("statements"), list):
        raise UserError(f"{name}: the snapshot has no statements: not one QSI Desktop wrote")
    if not isinstance(snapshot.get("format"), int) or snapshot["format"] > SNAPSHOT_FORMAT:
        raise UserError(f"{name}: the snapshot was written by a newer QSI Desktop (format {snapshot.get('format')!r})")
    for entry in snapshot["statements"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("ref"), str):
            raise UserError(f"{name}: a statement in the snapshot has no reference: the snapshot is damaged")


def cycle_snapshot(ws: Workspace, number: int | None = None) -> dict[str, Any]:
    """The snapshot taken when cycle ``number`` ended (default: the one before the current cycle)."""
    cycle = current_cycle(ws)
    number = cycle.number - 1 if number is None else number
    if number < 1:
        raise UserError("this workspace is in its first cycle: there is no earlier cycle to compare with")
    snapshot = stored_tables.get(ws, NAMESPACE, f"snapshot-{number}")
    if snapshot is None:
        raise UserError(f"no snapshot of cycle {number} in this workspace (cycles 1 to {cycle.number - 1} ended here)")
    check_snapshot(snapshot, f"cycle {number}")
    return snapshot


def compare(ws: Workspace, app: App, snapshot: dict[str, Any], *, source: str) -> Comparison:
    """Statements whose status, narrative or evidence differ from ``snapshot`` (a bundle's or a cycle's)."""
    framework = (snapshot.get("framework") or {}).get("id") if isinstance(snapshot.get("framework"), dict) else None
    if framework and framework != ws.framework_id:
        raise UserError(f"{source} was made for framework {framework!r}; this workspace uses {ws.framework_id!r}")
    rows = statement_rows(ws, app)
    then = {e["ref"]: e for e in snapshot["statements"]}
    then_items = {
        e["id"]: (e.get("sha256"), e.get("url"))
        for e in snapshot.get("evidence") or ()
        if isinstance(e, dict) and isinstance(e.get("id"), int)
    }
    result = Comparison(source, snapshot.get("as_of") or snapshot.get("ended_on"), 0)
    for row in rows:
        old = then.get(row.ref)
        if old is None:
            result.not_in_snapshot.append(row.ref)
            continue
        result.compared += 1
        before = {i for i in old.get("evidence") or () if isinstance(i, int)}
        now = {item.id: (item.file_sha256, item.link_url) for item in row.evidence}
        change = StatementChange(
            ref=row.ref,
            title=row.title,
            status_then=str(old.get("status")),
            status_now=row.status,
            narrative_changed=(old.get("narrative") or "") != row.assessment.narrative,
            evidence_added=tuple(sorted(now.keys() - before)),
            evidence_removed=tuple(sorted(before - now.keys())),
            evidence_changed=tuple(
                sorted(i for i in now.keys() & before if i in then_items and then_items[i] != now[i])
            ),
        )
        if change.what():
            result.changes.append(change)
    return result


def comparison_dict(result: Comparison) -> dict[str, Any]:
    from qsi_desktop.export.names import evidence_label

    return {
        "source": result.source,
        "as_of": result.as_of,
        "compared": result.compared,
        "changed": len(result.changes),
        "not_in_snapshot": result.not_in_snapshot,
        "changes": [
            {
                "ref": c.ref,
                "title": c.title,
                "changed": c.what(),
                "status_then": c.status_then,
                "status_now": c.status_now,
                "narrative_changed": c.narrative_changed,
                "evidence_added": [evidence_label(i) for i in c.evidence_added],
                "evidence_removed": [evidence_label(i) for i in c.evidence_removed],
                "evidence_changed": [evidence_label(i) for i in c.evidence_changed],
            }
            for c in result.changes
        ],
    }


def cycle_start_dict(start: CycleStart) -> dict[str, Any]:
    from qsi_desktop.export.names import evidence_label

    return {
        "cycle": start.number,
        "started_on": start.started_on.isoformat(),
        "statements": start.statements,
        "reset": list(start.reset),
        "past_review": [{"ref": ref, "next_review_on": day.isoformat()} for ref, day in start.past_review],
        "evidence_past_review": [
            {"id": evidence_label(i), "title": title, "review_due_on": day.isoformat()}
            for i, title, day in start.evidence_past_review
        ],
    }
