"""``qsi redact``: take text that held personal data out of the audit trail and the backups."""

from __future__ import annotations

import argparse
from typing import Any

from qsi_desktop.cli import _actor, _open, _print_json
from qsi_desktop.services import redact
from qsi_desktop.services.app import App


def cmd_redact(args: argparse.Namespace, app: App) -> int:
    with _open(args.path, app) as ws:
        result = redact.redact(ws, args.audit_id, actor=_actor(args), field=args.field)
    if args.json:
        _print_json(
            {
                "audit_id": result.audit_id,
                "entity": result.entity,
                "entity_id": result.entity_id,
                "field": result.field,
                "entries": list(result.entries),
                "backups": list(result.backups),
                "note": result.note,
            }
        )
        return 0
    if not result.entries and not result.backups:
        print(f"the {result.field} text of {result.entity} {result.entity_id} was redacted already: nothing left to do")
        return 0
    entries = ", ".join(f"#{n}" for n in result.entries) or "(none left)"
    print(
        f"the {result.field} text of {result.entity} {result.entity_id} is redacted in audit entries {entries} "
        f"and in {len(result.backups)} backup(s); it now reads {result.note}"
    )
    print("the database was compacted: the old text is not left in free pages or in its log")
    return 0


def register(sub: Any, command: Any) -> None:
    p = command(
        "redact",
        cmd_redact,
        "replace text that held personal data in the audit trail and the backups (quality lead only)",
    )
    p.add_argument("path")
    p.add_argument("--audit-id", type=int, required=True, metavar="N", help="the entry ('qsi audit' shows #N)")
    p.add_argument("--field", help="the field whose text to redact, e.g. narrative (needed when it recorded several)")
    p.add_argument("--json", action="store_true")
