"""``qsi tracker import|export``, ``qsi cycle new`` and ``qsi compare``: day one and the next cycle."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qsi_desktop.cli import _actor, _assignments, _open, _print_json, _table
from qsi_desktop.services.app import App
from qsi_desktop.services.values import status_label, uk_date


def register(sub: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    tracker_cmd = sub.add_parser("tracker", help="a service's tracker spreadsheet in and out").add_subparsers(
        metavar="ACTION"
    )
    p = command(
        "import",
        cmd_tracker_import,
        "import a tracker (.xlsx or .csv): statuses, owners, comments, evidence",
        tracker_cmd,
    )
    p.add_argument("path")
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--map", action="append", metavar="COLUMN=FIELD", help="map a column (repeatable); FIELD '' skips it"
    )
    p.add_argument("--status-map", action="append", metavar="WORD=STATUS", help="what a status word means (repeatable)")
    p.add_argument("--dry-run", action="store_true", help="show what would change; change nothing")
    p.add_argument("--json", action="store_true")
    p = command("export", cmd_tracker_export, "write the tracker workbook: one row per statement", tracker_cmd)
    p.add_argument("path")
    p.add_argument("out", metavar="OUT.xlsx")

    cycle_cmd = sub.add_parser("cycle", help="assessment cycles").add_subparsers(metavar="ACTION")
    p = command("new", cmd_cycle_new, "start the next cycle from this one (the assessment carries over)", cycle_cmd)
    p.add_argument("path")
    p.add_argument("--reset-statuses", action="store_true", help="met, partially met and not met back to in progress")
    p.add_argument("--json", action="store_true")

    p = command("compare", cmd_compare, "what changed since a submitted bundle (or since the last cycle began)")
    p.add_argument("path")
    p.add_argument("bundle", nargs="?", metavar="BUNDLE.zip", help="an evidence bundle (default: the last cycle's end)")
    p.add_argument("--json", action="store_true")


def cmd_tracker_import(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services import tracker
    from qsi_desktop.services.tracker_read import parse_status_map

    mapping = _assignments(args.map) if args.map else None
    words = parse_status_map(args.status_map) if args.status_map else None
    with _open(args.path, app) as ws:
        result = tracker.preview(ws, app, Path(args.file), mapping=mapping, status_map=words)
        done = None
        if result.ok and not args.dry_run:
            done = tracker.commit(ws, app, result, actor=_actor(args))
    summary = tracker.summary(result, done, dry_run=args.dry_run)
    if args.json:
        _print_json(summary)
    else:
        _print_tracker(summary, result.ok, stored=done is not None)
    if not result.ok:
        return 2
    return 1 if result.rejected else 0


def _print_tracker(summary: dict[str, Any], ok: bool, *, stored: bool) -> None:
    where = f" sheet {summary['sheet']!r}," if summary["sheet"] else ""
    print(f"{summary['file']}:{where} header on row {summary['header_row']}")
    if summary["remembered_mapping"]:
        print("columns and status words mapped as last time for trackers of this shape")
    for column in summary["columns"]:
        target = column["field"] or {"patient": "(patient data: not read)", "duplicate": "(field already filled)"}.get(
            column["use"], "(not read)"
        )
        print(f"  {column['column']!r} -> {target}")
    if not ok:
        print(f"no column for: {', '.join(summary['missing'])}; map one with --map 'COLUMN=ref'")
        return
    for word in summary["status_words"]:
        means = status_label(word["status"]) if word["status"] else "UNKNOWN: map it with --status-map 'WORD=STATUS'"
        rows = "1 row" if word["rows"] == 1 else f"{word['rows']} rows"
        print(f"  status {word['word']!r} ({rows}) -> {means}")
    verb = "imported" if stored else "would import"
    print(
        f"{summary['rows']} rows: {verb} {summary['imported']}, {summary['unchanged']} unchanged, "
        f"{len(summary['rejected'])} rejected, {summary['blank_rows']} blank"
    )
    if stored:
        print(f"evidence: {summary['evidence_added']} items added, {summary['links_added']} links made")
    for change in summary["changes"]:
        print(f"  row {change['row']}: {change['ref']}: {'; '.join(change['details'] or change['changes'])}")
    for issue in summary["rejected"]:
        print(f"  row {issue['row']}: rejected: {issue['reason']}")
    for issue in summary["warnings"]:
        print(f"  row {issue['row']}: warning: {issue['reason']}")


def cmd_tracker_export(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services import tracker_export

    with _open(args.path, app) as ws:
        count = tracker_export.export_xlsx(ws, app, Path(args.out))
    print(f"{count} statements written to {args.out}")
    return 0


def cmd_cycle_new(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services import cycle

    with _open(args.path, app) as ws:
        start = cycle.new_cycle(ws, app, reset_statuses=args.reset_statuses, actor=_actor(args))
    if args.json:
        _print_json(cycle.cycle_start_dict(start))
        return 0
    print(f"cycle {start.number} started on {start.started_on:%d/%m/%Y}: {start.statements} statements carried over")
    print(f"cycle {start.number - 1} is kept as a snapshot ('qsi compare {args.path}' shows what changed since)")
    if start.reset:
        print(f"{len(start.reset)} statuses set back to in progress for review: {', '.join(start.reset)}")
    if start.past_review:
        print(f"{_count(len(start.past_review), 'statement')} past their review date:")
        print(_table([[ref, f"{day:%d/%m/%Y}"] for ref, day in start.past_review], ["ref", "review was due"]))
    if start.evidence_past_review:
        print(f"{_count(len(start.evidence_past_review), 'evidence item')} past their review date:")
        rows = [[f"E-{i:03d}", title[:60], f"{day:%d/%m/%Y}"] for i, title, day in start.evidence_past_review]
        print(_table(rows, ["id", "title", "review was due"]))
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def cmd_compare(args: argparse.Namespace, app: App) -> int:
    from qsi_desktop.services import cycle

    with _open(args.path, app) as ws:
        if args.bundle:
            snapshot = cycle.read_bundle_snapshot(Path(args.bundle))
            source = Path(args.bundle).name
        else:
            snapshot = cycle.cycle_snapshot(ws)
            source = f"the end of cycle {snapshot.get('cycle', '?')}"
        result = cycle.compare(ws, app, snapshot, source=source)
    if args.json:
        _print_json(cycle.comparison_dict(result))
        return 0
    when = f" ({uk_date(result.as_of)})" if result.as_of else ""
    print(f"since {result.source}{when}: {len(result.changes)} of {result.compared} statements changed")
    rows = []
    for c in result.changes:
        status = f"{status_label(c.status_then or '')} -> {status_label(c.status_now)}" if c.status_changed else ""
        evidence = " ".join(
            [f"+E-{i:03d}" for i in c.evidence_added]
            + [f"-E-{i:03d}" for i in c.evidence_removed]
            + [f"~E-{i:03d}" for i in c.evidence_changed]
        )
        rows.append([c.ref, status, "changed" if c.narrative_changed else "", evidence])
    if rows:
        print(_table(rows, ["ref", "status", "narrative", "evidence (+ added, - removed, ~ changed)"]))
    if result.not_in_snapshot:
        print(f"{len(result.not_in_snapshot)} statements are not in the snapshot (not submitted then)")
    return 0
