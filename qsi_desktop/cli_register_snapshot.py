"""``qsi register snapshot``: a register's rows today stored as dated evidence for its statements."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from qsi_desktop.cli import _actor, _date, _open, _print_json
from qsi_desktop.export.names import evidence_label
from qsi_desktop.services import evidence, registers
from qsi_desktop.services.app import App
from qsi_desktop.services.register_snapshot import check, snapshot, unchanged


def cmd_register_snapshot(args: argparse.Namespace, app: App) -> int:
    chosen = args.register or []
    as_of = _date(args.as_of, "--as-of") or date.today()
    with _open(args.path, app) as ws:
        targets = (
            [registers.find_register(app, r) for r in chosen]
            if chosen
            else [r for r in registers.applicable_registers(ws, app) if r.statement_refs]
        )
        empty = [] if chosen else [r for r in targets if not registers.list_rows(ws, r)]
        targets = [r for r in targets if r not in empty]
        for register in targets:  # every refusal before anything is stored
            check(ws, app, register, as_of)
        same = {register.id for register in targets if unchanged(ws, register, as_of) is not None}
        made = [snapshot(ws, app, register, as_of=as_of, actor=_actor(args)) for register in targets]
    if args.json:
        _print_json([evidence.evidence_dict(item) for item in made])
        return 0
    for register, item in zip(targets, made, strict=True):
        refs = ", ".join(sorted({t.ref for t in item.targets}))
        if register.id in same:
            print(f"{evidence_label(item.id)} {item.file_name}: {register.title} unchanged since that snapshot")
            continue
        print(f"{evidence_label(item.id)} {item.file_name}: {register.title} as of {item.version}, evidence for {refs}")
    for register in empty:
        print(f"{register.title}: no rows in use, no snapshot stored")
    if not made and not empty:
        print("no register applies to this service")
    return 0


def register(register_cmd: Any, command: Any) -> None:
    p = command(
        "snapshot",
        cmd_register_snapshot,
        "store registers' rows as dated evidence (.xlsx) for their statements; each replaces the previous one",
        register_cmd,
    )
    p.add_argument("path")
    p.add_argument("register", nargs="*", help="register ids (default: every register that applies)")
    p.add_argument("--as-of", help="the date the snapshot is for (default: today)")
    p.add_argument("--json", action="store_true")
