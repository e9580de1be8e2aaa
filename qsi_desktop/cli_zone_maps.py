"""``qsi zone-map``: show, export and import a register row's zone map (an MR unit's) from the command line.

Drawing belongs to the window; here a map's areas and markers come from JSON (the same form
``--export-json`` writes), a floor plan from ``--image``, and the map goes out as the pack's PNG.
Everything given is checked before anything is saved, and all of it is saved in one step.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from qsi_desktop.cli import _actor, _open, _print_json, _table
from qsi_desktop.services import registers, zone_maps
from qsi_desktop.services.app import App
from qsi_desktop.services.errors import UserError
from qsi_desktop.zone_maps import ZoneMap, alt_text, from_json, marker_checks, render_png
from qsi_desktop.zone_maps.images import read_floor_plan
from qsi_desktop.zone_maps.model import Background

MAX_JSON_BYTES = 5_000_000


def cmd_zone_map(args: argparse.Namespace, app: App) -> int:
    register, spec = zone_maps.find_zone_map_register(app, args.register)
    with _open(args.path, app) as ws:
        row = registers.find_row(ws, register, args.unit)
        title = registers.key_text(register, row.values)
        stored = zone_maps.load(ws, register, row.id)
        zone_map = stored or zone_maps.blank()
        changed = False
        if args.image:
            zone_map = zone_maps.with_floor_plan(zone_map, read_floor_plan(Path(args.image)))
            changed = True
        elif args.grid:
            zone_map = zone_maps.with_grid(zone_map)
            changed = True
        if args.import_json:
            data, background = _read_json(Path(args.import_json), zone_map)
            imported = from_json(data, spec, background=background)
            imported.revision, imported.image = zone_map.revision, zone_map.image
            zone_map, changed = imported, True
        if changed:
            zone_map = zone_maps.save(
                ws, register, row.id, zone_map, expected_revision=stored.revision if stored else 0, actor=_actor(args)
            )
            print(f"saved the {spec.title} of {title} (revision {zone_map.revision})")
        elif stored is None:
            raise UserError(f"{title} has no {spec.title} yet: give --image FILE, --grid or --import-json FILE")
    if args.export:
        Path(args.export).write_bytes(render_png(zone_map, spec))
        print(f"wrote {args.export}")
    if args.export_json:
        Path(args.export_json).write_text(json.dumps(zone_map.to_json(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.export_json}")
    if not (changed or args.export or args.export_json):
        _show(zone_map, spec, title, args.json)
    return 0


def _read_json(path: Path, current: ZoneMap) -> tuple[dict[str, Any], Any]:
    """The file's map data and the background to read it on (the current map's unless it names a grid)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not raw.strip():
        raise UserError(f"{path}: the file is empty")
    if len(raw) > MAX_JSON_BYTES:
        raise UserError(f"{path}: too large for a zone map ({MAX_JSON_BYTES // 1_000_000} MB at most)")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text (save it as UTF-8 JSON)") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: a zone map is a JSON object with 'zones' and 'markers'")
    background = data.get("background")
    if isinstance(background, dict) and background.get("kind") == "grid":
        return data, Background.grid(
            int(background.get("width", 0)), int(background.get("height", 0)), int(background.get("step", 60))
        )
    if isinstance(background, dict) and background.get("sha256") not in (None, current.background.sha256):
        raise UserError(f"{path}: drawn on another floor plan; import that image with --image in the same command")
    return data, current.background


def _show(zone_map: ZoneMap, spec: Any, title: str, as_json: bool) -> None:
    checks = marker_checks(zone_map, spec, date.today())
    if as_json:
        data = zone_map.to_json()
        data["unit"] = title
        data["alt_text"] = alt_text(zone_map, spec, title, date.today())
        data["checks"] = [c.__dict__ for c in checks]
        _print_json(data)
        return
    bg = zone_map.background
    on = f"floor plan {bg.file_name} ({bg.width} x {bg.height})" if bg.kind == "image" else "room grid"
    print(f"{spec.title} of {title}: on the {on}, revision {zone_map.revision}")
    for zone in zone_map.zones:
        kind = spec.zone(zone.kind)
        label = f" ({zone.label})" if zone.label else ""
        print(f"  area: {kind.label if kind else zone.kind}{label}, {len(zone.points)} corners")
    if checks:
        rows = [[c.ref, c.kind, c.name, c.detail, c.checked_on or "", c.check] for c in checks]
        print(_table(rows, ["Ref", "Item", "Name or place", "Details", "Date", "Check"]))


def register(sub: Any, command: Any) -> None:
    p = command(
        "zone-map",
        cmd_zone_map,
        "show, export or import a zone map (an MR unit's): --image or --grid and --import-json change it",
    )
    p.add_argument("path")
    p.add_argument("--unit", required=True, help="the row: its number or key values, e.g. 'Main site | MR 1'")
    p.add_argument("--register", help="register id (default: the one register with zone maps, mr.units)")
    background = p.add_mutually_exclusive_group()
    background.add_argument("--image", metavar="FILE", help="a floor plan (PNG or JPEG); what is drawn is kept")
    background.add_argument("--grid", action="store_true", help="draw on a plain room grid instead")
    p.add_argument("--import-json", metavar="FILE", help="areas and markers as JSON (the --export-json form)")
    p.add_argument("--export", metavar="OUT.png", help="the map as drawn in the pack")
    p.add_argument("--export-json", metavar="OUT.json", help="the map's areas and markers as JSON")
    p.add_argument("--json", action="store_true", help="show the map as JSON with its checks and alt text")
