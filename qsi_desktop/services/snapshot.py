"""A small snapshot of what the window shows first, so its first paint needs no database layer.

Importing SQLAlchemy, the models, the plugins and the catalogue costs several times a bare window.
The window therefore saves, when it closes, what its first paint shows (service name, readiness
figures, the statement tree with statuses, evidence counts and next reviews) as JSON in the user's
data folder, one file per workspace. The next start paints that at once, read-only, while the real
workspace opens; the real data then replaces it.

A snapshot is used only when it is exactly the workspace's last saved state: it is keyed to the
database file and its write-ahead log (size and modification time, taken after the workspace was
closed), the app version and the format. Anything else (missing, stale, damaged, too big, another
version) means no snapshot and the ordinary start. No free text is kept (no narratives, owners or
justifications): only references, names from the standard, statuses, counts and dates.

Qt-free and SQLAlchemy-free: ``tests/test_first_paint.py`` checks that importing this does not
import the database layer.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from qsi_desktop import __version__
from qsi_desktop.services.readiness_state import Readiness, StatementState

log = logging.getLogger(__name__)

FORMAT = 1
DATABASE_NAME = "workspace.sqlite3"  # as qsi_desktop.store.workspace (a test checks they agree)
MAX_BYTES = 2_000_000  # a real snapshot is ~20 kB; anything far bigger is not ours
FOLDER = "first-paint"

# (section ref, section label, [(statement ref, name, search text)]): what the statement tree needs
TreeSections = Sequence[tuple[str, str, Sequence[tuple[str, str, str]]]]


@dataclass(frozen=True)
class Snapshot:
    workspace: Path
    state: Readiness
    sections: TreeSections


def snapshot_file(workspace: Path, folder: Path) -> Path:
    """Where the snapshot of ``workspace`` lives in ``folder`` (named by a hash of its resolved path)."""
    key = hashlib.sha256(str(workspace.expanduser().resolve()).encode("utf-8")).hexdigest()[:24]
    return folder / FOLDER / f"{key}.json"


def database_key(workspace: Path) -> list[list[int] | None]:
    """Size and modification time (ns) of the database and its write-ahead log (None: absent)."""
    key: list[list[int] | None] = []
    for name in (DATABASE_NAME, f"{DATABASE_NAME}-wal"):
        try:
            stat = (workspace / name).stat()
        except OSError:
            key.append(None)
        else:
            key.append([stat.st_size, stat.st_mtime_ns])
    return key


def write_snapshot(workspace: Path, folder: Path, state: Readiness, sections: TreeSections) -> Path | None:
    """Save the snapshot of ``workspace`` (closed: its files are final). Never raises: a snapshot
    that cannot be written only means a slower next start."""
    target = snapshot_file(workspace, folder)
    if database_key(workspace)[0] is None:
        return None
    document = {
        "format": FORMAT,
        "app_version": __version__,
        "workspace": str(workspace.expanduser().resolve()),
        "key": database_key(workspace),
        "service": state.service,
        "figures": {
            "counts": state.counts,
            "sections": state.sections,
            "readiness_percent": state.readiness_percent,
            "overdue_reviews": state.overdue_reviews,
            "evidence_total": state.evidence_total,
            "evidence_review_overdue": state.evidence_review_overdue,
            "actions_open": state.actions_open,
            "actions_overdue": state.actions_overdue,
        },
        "sections": [[ref, label, [[s_ref, name] for s_ref, name, _search in rows]] for ref, label, rows in sections],
        "statements": [
            [
                s.ref,
                s.section,
                s.name,
                s.status,
                s.applicable,
                s.next_review_on.isoformat() if s.next_review_on else None,
                s.evidence,
                s.open_actions,
            ]
            for s in state.statements
        ],
    }
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, target)  # readers see the old snapshot or the new one, never half of one
    except OSError as exc:
        log.info("first-paint snapshot not saved (%s): %s", target, exc)
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        return None
    return target


def forget_snapshot(workspace: Path, folder: Path) -> None:
    snapshot_file(workspace, folder).unlink(missing_ok=True)


def read_snapshot(workspace: Path, folder: Path) -> Snapshot | None:
    """The snapshot of ``workspace`` if it is exactly its current saved state, else None (and why, in
    the log file)."""
    source = snapshot_file(workspace, folder)
    try:
        if source.stat().st_size > MAX_BYTES:
            raise ValueError(f"larger than {MAX_BYTES} bytes")
        document = json.loads(source.read_bytes().decode("utf-8"))
        if not isinstance(document, dict):
            raise ValueError("not a JSON object")
        why = _stale(document, workspace)
        if why:
            log.info("first-paint snapshot %s not used: %s", source, why)
            return None
        return Snapshot(workspace, _state(document), _sections(document["sections"]))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, IndexError) as exc:
        log.info("first-paint snapshot %s not used: damaged (%s)", source, exc)
        return None


def _stale(document: dict[str, Any], workspace: Path) -> str:
    if document.get("format") != FORMAT:
        return f"format {document.get('format')!r}, not {FORMAT}"
    if document.get("app_version") != __version__:
        return f"written by version {document.get('app_version')!r}"
    if document.get("workspace") != str(workspace.expanduser().resolve()):
        return "written for another folder"
    if document.get("key") != database_key(workspace):
        return "the workspace changed since"
    return ""


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected a whole number, found {type(value).__name__}")
    return value


def _sections(rows: Iterable[Any]) -> TreeSections:
    return [
        (_text(ref), _text(label), [(_text(s_ref), _text(name), f"{s_ref} {name}".lower()) for s_ref, name in items])
        for ref, label, items in rows
    ]


def _state(document: dict[str, Any]) -> Readiness:
    figures = document["figures"]
    statements = [
        StatementState(
            ref=_text(ref),
            section=_text(section),
            name=_text(name),
            status=_text(status),
            applicable=bool(applicable),
            reason="",
            owner="",
            next_review_on=date.fromisoformat(review) if review else None,
            evidence=_int(evidence),
            open_actions=_int(actions),
        )
        for ref, section, name, status, applicable, review, evidence, actions in document["statements"]
    ]
    return Readiness(
        service=_text(document["service"]),
        statements=statements,
        counts={_text(k): _int(v) for k, v in figures["counts"].items()},
        sections={_text(k): {_text(s): _int(n) for s, n in v.items()} for k, v in figures["sections"].items()},
        readiness_percent=float(figures["readiness_percent"]),
        overdue_reviews=[_text(ref) for ref in figures["overdue_reviews"]],
        evidence_total=_int(figures["evidence_total"]),
        evidence_review_overdue=_int(figures["evidence_review_overdue"]),
        actions_open=_int(figures["actions_open"]),
        actions_overdue=_int(figures["actions_overdue"]),
    )
