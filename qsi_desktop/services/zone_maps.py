"""Zone maps kept in the workspace: one per row of a register that declares ``zone_map`` (MR units).

The map itself (areas, markers, background size) is a small JSON document in ``stored_tables``
(audited; its ``revision`` makes a save made on a stale copy fail instead of overwriting). The
floor-plan image goes to the workspace's content-addressed, write-once file store (the one evidence
files use, so ``qsi verify`` checks its hash), stored before the document that names it is
committed: a failed save leaves at most an unused file, never a map pointing at nothing.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from qsi_desktop.plugins.types import Register, ZoneMapSpec
from qsi_desktop.services import registers, stored_tables
from qsi_desktop.services.app import App
from qsi_desktop.services.errors import UserError
from qsi_desktop.store.evidence_files import EvidenceFileError
from qsi_desktop.store.models import StoredTable
from qsi_desktop.store.workspace import Workspace
from qsi_desktop.zone_maps.images import FloorPlan
from qsi_desktop.zone_maps.model import Background, ZoneMap, ZoneMapError, from_json, new_map

NAMESPACE = "zone-map"


def zone_map_registers(app: App) -> list[Register]:
    return [r for r in app.plugins.registers() if r.zone_map is not None]


def find_zone_map_register(app: App, register_id: str | None) -> tuple[Register, ZoneMapSpec]:
    """The register named (or the only one with zone maps when ``register_id`` is None)."""
    if register_id is None:
        found = zone_map_registers(app)
        if len(found) != 1:
            names = ", ".join(r.id for r in found) or "none: no plugin loaded keeps zone maps"
            raise UserError(f"name the register with --register ({names})")
        register = found[0]
    else:
        register = registers.find_register(app, register_id)
    if register.zone_map is None:
        raise UserError(f"register {register.id} keeps no zone maps")
    return register, register.zone_map


def _key(register: Register, row_id: int) -> str:
    return f"{register.id}/{row_id}"


def load(ws: Workspace, register: Register, row_id: int, *, with_image: bool = True) -> ZoneMap | None:
    """The row's map (its image read from the file store) or None when none was saved."""
    assert register.zone_map is not None
    data = stored_tables.get(ws, NAMESPACE, _key(register, row_id))
    if data is None:
        return None
    zone_map = from_json(data, register.zone_map)
    if with_image and zone_map.background.kind == "image":
        sha = zone_map.background.sha256 or ""
        problem = ws.files.verify(sha)
        if problem:
            raise UserError(f"the floor plan of {register.title} row {row_id} is {problem}: run qsi verify")
        zone_map.image = ws.files.path_for(sha).read_bytes()
    return zone_map


def blank(background: Background | None = None) -> ZoneMap:
    return new_map(background)


def with_floor_plan(zone_map: ZoneMap, plan: FloorPlan) -> ZoneMap:
    """The map on a new floor plan; what was drawn is scaled to the new image's size (the same room
    exported at another resolution keeps its areas in place)."""
    background = replace(plan.background, sha256=hashlib.sha256(plan.data).hexdigest())
    return _rescaled(zone_map, background, plan.data)


def with_grid(zone_map: ZoneMap, background: Background | None = None) -> ZoneMap:
    return _rescaled(zone_map, background or Background.grid(), None)


def _rescaled(zone_map: ZoneMap, background: Background, image: bytes | None) -> ZoneMap:
    old = zone_map.background
    sx, sy = background.width / old.width, background.height / old.height
    result = zone_map.copy()
    result.background, result.image = background, image
    for zone in result.zones:
        zone.points = [(x * sx, y * sy) for x, y in zone.points]
    for marker in result.markers:
        marker.x, marker.y = marker.x * sx, marker.y * sy
    return result


def save(
    ws: Workspace,
    register: Register,
    row_id: int,
    zone_map: ZoneMap,
    *,
    expected_revision: int | None,
    actor: str,
) -> ZoneMap:
    """Keep the map (and its floor plan) for the row; returns it with its new revision.

    ``expected_revision``: the revision the user started from (0 for a new map); when someone saved
    since, nothing is changed. None saves whatever is there (the command line's import)."""
    spec = register.zone_map
    assert spec is not None
    row = registers.get_row(ws, register, row_id)
    if row.retired:
        raise UserError(f"{register.title}: row {row_id} is retired; restore it before drawing its map")
    checked = from_json(zone_map.to_json(), spec)  # the editor's map passes the same checks as a file
    if checked.background.kind == "image":
        _store_image(ws, checked.background, zone_map.image)
    key = _key(register, row_id)
    with ws.transaction(actor) as session:
        current = session.scalars(
            select(StoredTable.value).where(StoredTable.namespace == NAMESPACE, StoredTable.key == key)
        ).first()
        revision = int(current.get("revision", 0)) if isinstance(current, dict) else 0
        if expected_revision is not None and revision != expected_revision:
            raise UserError(
                f"the {spec.title} of {registers.key_text(register, row.values)} was saved by someone "
                "else meanwhile; reopen it and draw your change again"
            )
        checked.revision = revision + 1
        stored_tables.put_in(session, NAMESPACE, key, checked.to_json(), actor=actor)
    checked.image = zone_map.image
    return checked


def _store_image(ws: Workspace, background: Background, image: bytes | None) -> None:
    sha = background.sha256 or ""
    if image is None:
        if not ws.files.contains(sha):
            raise ZoneMapError("the map's floor plan is not in the workspace: import the image again")
        return
    if hashlib.sha256(image).hexdigest() != sha:
        raise ZoneMapError("the floor plan does not match the map's record of it: import the image again")
    if ws.files.contains(sha) and not ws.files.verify(sha):
        return
    fd, name = tempfile.mkstemp(prefix="floor-plan-", suffix=".img")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(image)
        stored = ws.files.put(Path(name))
    except EvidenceFileError as exc:
        raise UserError(f"the floor plan could not be stored: {exc}") from None
    finally:
        Path(name).unlink(missing_ok=True)
    if stored.sha256 != sha:  # the file store hashed something else: never link a map to it
        raise ZoneMapError("the floor plan changed while it was stored; try again")


def image_hashes(ws: Workspace) -> set[str]:
    """The floor plans zone maps use (so ``qsi verify`` checks them and does not call them unused)."""
    found = set()
    for key in stored_tables.keys(ws, NAMESPACE):
        value = stored_tables.get(ws, NAMESPACE, key)
        background = value.get("background") if isinstance(value, dict) else None
        if isinstance(background, dict) and background.get("kind") == "image" and background.get("sha256"):
            found.add(str(background["sha256"]))
    return found


def rows_with_maps(ws: Workspace, app: App, register: Register) -> list[tuple[registers.RegisterRowRecord, bool]]:
    """The register's rows in use, each with whether it has a map."""
    keys = set(stored_tables.keys(ws, NAMESPACE))
    return [(row, _key(register, row.id) in keys) for row in registers.list_rows(ws, register)]
