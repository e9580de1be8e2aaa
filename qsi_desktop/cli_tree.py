"""``qsi evidence import-tree`` (an existing evidence folder) and ``qsi evidence suggest`` (offline mapping)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from qsi_desktop.cli import _actor, _open, _print_json, _table
from qsi_desktop.services import evidence_tree, suggest
from qsi_desktop.services.app import App
from qsi_desktop.services.errors import UserError


def register(evidence_cmd: Any, command: Any) -> None:
    """Add the subcommands to ``qsi evidence``."""
    p = command(
        "import-tree",
        cmd_import_tree,
        "import an evidence folder: statements from folder and file names, each file stored once",
        evidence_cmd,
    )
    p.add_argument("path")
    p.add_argument("folder")
    p.add_argument("--dry-run", action="store_true", help="say what would be imported; change nothing")
    p.add_argument("--json", action="store_true")
    p = command("suggest", cmd_suggest, "the statements a document most likely supports (offline)", evidence_cmd)
    p.add_argument("path")
    p.add_argument("file", metavar="FILE_OR_ID", help="a document (docx, xlsx, pdf, txt, csv) or an evidence item id")
    p.add_argument("--top", type=int, default=5, help="how many suggestions (default 5)")
    p.add_argument("--json", action="store_true")


def _progress(args: argparse.Namespace) -> Any:
    def show(done: int, total: int, message: str) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r{done}/{total} {message}"[:100].ljust(100), end="", file=sys.stderr, flush=True)

    return show


def cmd_import_tree(args: argparse.Namespace, app: App) -> int:
    with _open(args.path, app) as ws:
        try:
            summary = evidence_tree.import_tree(
                ws, app, Path(args.folder), actor=_actor(args), dry_run=args.dry_run, progress=_progress(args)
            )
        finally:
            if not args.json and sys.stderr.isatty():
                print(file=sys.stderr)
    failed = 1 if summary.problems else 0  # exit 1: files to look at (unreadable, an NHS number)
    if args.json:
        _print_json(summary.to_dict())
        return failed
    verb = "would store" if summary.dry_run else "stored"
    print(
        f"{summary.files} file(s): {verb} {summary.stored}, {summary.duplicates} duplicate(s) of stored content, "
        f"{summary.linked} link(s) to statements, {summary.unmapped} unmapped (in the unsorted inbox), "
        f"{len(summary.skipped)} skipped"
    )
    for skipped in summary.skipped:
        print(f"  skipped {skipped.path}: {skipped.reason}")
    for note in summary.notes:
        print(f"  note {note.path}: {note.reason}")
    if summary.dry_run:
        print("dry run: nothing was stored")
    return failed


def cmd_suggest(args: argparse.Namespace, app: App) -> int:
    if args.top < 1:
        raise UserError("--top must be 1 or more")
    with _open(args.path, app) as ws:
        if args.file.isdigit() and not Path(args.file).exists():
            found = suggest.suggest_item(ws, app, int(args.file), top=args.top)
        else:
            found = suggest.suggest_file(app, Path(args.file), top=args.top)
    if args.json:
        _print_json([s.to_dict() for s in found])
        return 0
    if not found:
        print("no suggestion: the document shares no words with the standard's statements")
        return 0
    rows = [[s.ref, s.suggestion or "-", f"{s.score:.2f}", s.name] for s in found]
    print(_table(rows, ["Statement", "Suggestion", "Score", "Name"]))
    return 0
