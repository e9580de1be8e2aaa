"""``qsi user`` and ``qsi migrate-to``: the users and roles of a workspace, and moving it to a server."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from qsi_desktop.cli import _actor, _open, _print_json, _table
from qsi_desktop.services import users
from qsi_desktop.services.app import App
from qsi_desktop.services.migrate_to import migrate_to


def cmd_user_add(args: argparse.Namespace, app: App) -> int:
    modalities = [m for m in (args.modality or "").split(",") if m.strip()]
    with _open(args.path, app) as ws:
        user = users.add_user(ws, args.name, args.role, modalities, known=app.modalities(), actor=_actor(args))
    scope = f" for {', '.join(user.modalities)}" if user.modalities else ""
    print(f"{user.name}: {user.role.replace('-', ' ')}{scope}")
    if user.new_login:
        print(f"the server login {user.name} was created without a password: IT sets one, see docs/FOR-IT.md")
    return 0


def cmd_user_remove(args: argparse.Namespace, app: App) -> int:
    with _open(args.path, app) as ws:
        user = users.remove_user(ws, args.name, actor=_actor(args))
    print(f"removed {user.name} ({user.role.replace('-', ' ')}); their past changes stay in the audit trail")
    return 0


def cmd_user_list(args: argparse.Namespace, app: App) -> int:
    with _open(args.path, app) as ws:
        found = users.list_users(ws)
        you = ws.access.describe()
    if args.json:
        _print_json({"you": you, "users": [u.to_dict() for u in found]})
        return 0
    if found:
        print(_table([[u.name, u.role, ",".join(u.modalities)] for u in found], ["user", "role", "modalities"]))
    else:
        print("no users: everyone who can open the folder may change everything ('qsi user add' starts the roles)")
    print(f"you: {you}")
    return 0


def cmd_migrate_to(args: argparse.Namespace, app: App) -> int:
    def progress(done: int, total: int, message: str) -> None:
        if not args.quiet:
            print(f"\r{done}/{total} {message:<40}", end="", file=sys.stderr, flush=True)

    ws = _open(args.path, app)
    report = migrate_to(ws, args.target, on_progress=progress)
    if not args.quiet:
        print(file=sys.stderr)
    print(
        f"moved {report.total_rows} rows in {len(report.rows)} tables from {report.source} to {report.target}; "
        f"every row compared, {report.evidence_checked} evidence files checked against their hashes"
    )
    print(f"the old database is kept: {report.backup}")
    return 0


def register(sub: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    user_cmd = sub.add_parser("user", help="users and roles of a workspace").add_subparsers(metavar="ACTION")
    p = command("add", cmd_user_add, "add a user or change their role (quality leads only, once users exist)", user_cmd)
    p.add_argument("path")
    p.add_argument("name", help="their login: the database login on a server, the OS login on SQLite")
    p.add_argument("--role", required=True, help="quality-lead, modality-lead or reader")
    p.add_argument("--modality", help="what a modality lead leads, e.g. CT (or CT,MR)")
    p = command("remove", cmd_user_remove, "take a user's role away (their changes stay in the audit trail)", user_cmd)
    p.add_argument("path")
    p.add_argument("name")
    p = command("list", cmd_user_list, "the users, their roles, and who you are", user_cmd)
    p.add_argument("path")
    p.add_argument("--json", action="store_true")

    p = command(
        "migrate-to",
        cmd_migrate_to,
        "move the workspace's database to a PostgreSQL server, or back to SQLite, losing nothing",
    )
    p.add_argument("path")
    p.add_argument("target", help="postgresql://USER@HOST[:PORT]/DB (an empty database) or 'sqlite'")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
