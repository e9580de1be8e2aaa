"""Zone maps without Qt: the JSON checks, floor plans (bad ones refused with the file named), storage
round trip with revisions, verify, privacy, the pack (the picture with its alt text, read back with
python-docx, and the checks table) and ``qsi zone-map``."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from docx import Document
from PIL import Image

from qsi_desktop.plugins.types import Register
from qsi_desktop.services import registers, zone_maps
from qsi_desktop.services.app import App
from qsi_desktop.services.demo_zone_map import floor_plan_png, zone_map_json
from qsi_desktop.services.verify import verify
from qsi_desktop.store.workspace import Workspace
from qsi_desktop.zone_maps import ZoneMapError, alt_text, from_json, marker_checks, report_blocks
from qsi_desktop.zone_maps.images import check_floor_plan, read_floor_plan
from qsi_desktop.zone_maps.model import Background

NHS_NUMBER = "943 476 5919"  # a valid check digit: what the privacy scan looks for
TODAY = date(2026, 12, 2)


@pytest.fixture
def units(full_app: App) -> Register:
    register = full_app.plugins.register("mr.units")
    assert register is not None and register.zone_map is not None
    return register


@pytest.fixture
def ws(make_workspace, units: Register) -> Workspace:
    ws = make_workspace(modalities=("MR",))
    for room in ("MR 1", "MR 2"):
        registers.add_row(
            ws, units, {"site": "Main", "room": room, "scanner": "Sola", "field_strength": 1.5}, actor="t"
        )
    return ws


def _png(size: tuple[int, int] = (800, 500), fmt: str = "PNG", mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "white").save(out, format=fmt)
    return out.getvalue()


def _demo_map(units: Register, today: date = TODAY):
    plan = check_floor_plan(floor_plan_png(), "plan.png")
    zone_map = zone_maps.with_floor_plan(zone_maps.blank(), plan)
    drawn = from_json(zone_map_json(today), units.zone_map, background=zone_map.background)
    drawn.image = zone_map.image
    return drawn


# -- the JSON -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "JSON object"),
        ({"zones": [{"kind": "car-park", "points": [[1, 1], [2, 2], [3, 1]]}]}, "not one of"),
        ({"zones": [{"kind": "mr-environment", "points": [[1, 1], [2, 2]]}]}, "3 to"),
        ({"zones": [{"kind": "mr-environment", "points": [[1, 1], [2, 2], [9000, 1]]}]}, "outside"),
        ({"zones": [{"kind": "mr-environment", "points": [[1, 1], [2, "x"], [3, 1]]}]}, "not a number"),
        ({"zones": [{"kind": "mr-environment", "label": "Zone 9", "points": [[1, 1], [2, 2], [3, 1]]}]}, "Zone 9"),
        ({"markers": [{"kind": "sign", "x": 5, "y": 5, "checked_on": "31/02/2026"}]}, "checked_on"),
        ({"markers": [{"kind": "sign", "x": 5, "y": 5, "name": f"Patient {NHS_NUMBER}"}]}, "NHS number"),
        ({"markers": "none"}, "must be a list"),
        ({"format": 7}, "format"),
    ],
)
def test_bad_map_json_is_refused_with_the_place(units: Register, data: object, message: str) -> None:
    with pytest.raises(ZoneMapError, match=message):
        from_json(data, units.zone_map, background=Background.grid())


def test_uk_dates_and_the_overdue_checks(units: Register) -> None:
    data = {
        "markers": [
            {"kind": "entrance", "x": 10, "y": 10, "name": "Main door", "detail": "Keypad"},
            {"kind": "sign", "x": 20, "y": 10, "checked_on": "01/12/2025"},  # 366 days before TODAY
            {"kind": "sign", "x": 30, "y": 10, "checked_on": "2 Dec 2025"},  # 365 days: still in date
            {"kind": "oxygen-monitor", "x": 40, "y": 10},
        ]
    }
    zone_map = from_json(data, units.zone_map, background=Background.grid())
    checks = marker_checks(zone_map, units.zone_map, TODAY)
    assert [(c.ref, c.kind, c.flag, c.check) for c in checks] == [
        ("E1", "Entrance", "", ""),
        ("S1", "Safety sign", "overdue", "overdue"),
        ("S2", "Safety sign", "", "in date"),
        ("O1", "Oxygen monitor", "no date", "no date"),
    ]
    assert zone_map.markers[2].checked_on == "2025-12-02"


def test_alt_text_says_what_is_drawn_and_what_is_missing(units: Register) -> None:
    zone_map = _demo_map(units)
    text = alt_text(zone_map, units.zone_map, "MR 1, Main", TODAY)
    assert text.startswith("MR zone map of MR 1, Main, drawn on the floor plan plan.png.")
    assert "MR Controlled Access Area as Zone III" in text and "3 mT line" in text
    assert "Safety sign (3, 1 needing a check)" in text and "E1 Corridor door to the control room (Keypad)" in text
    zone_map.zones = [z for z in zone_map.zones if z.kind != "line-3mt"]
    assert "Not drawn: the 3 mT line." in alt_text(zone_map, units.zone_map, "MR 1", TODAY)


# -- floor plans ----------------------------------------------------------------------------------------


def test_good_floor_plans(tmp_path: Path) -> None:
    png = tmp_path / "plan.png"
    png.write_bytes(_png())
    plan = read_floor_plan(png)
    assert (plan.background.width, plan.background.height, plan.background.media_type) == (800, 500, "image/png")
    assert plan.data == png.read_bytes()  # kept as given
    jpeg = check_floor_plan(_png(fmt="JPEG"), "plan.jpg")
    assert jpeg.background.media_type == "image/jpeg"


def test_a_photo_taken_sideways_is_turned_upright() -> None:
    image = Image.new("RGB", (600, 300), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90 degrees clockwise to view
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    plan = check_floor_plan(out.getvalue(), "photo.jpg")
    assert (plan.background.width, plan.background.height) == (300, 600)
    assert Image.open(io.BytesIO(plan.data)).size == (300, 600)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.png", b"", "empty"),
        ("notes.png", "Floor plan to follow".encode("cp1252"), "not an image"),
        ("corrupt.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not an image|damaged"),
        ("truncated.png", _png()[:300], "damaged or truncated"),
        ("plan.gif", _png(fmt="GIF", mode="P"), "give a PNG or JPEG"),
        ("plan.pdf", b"%PDF-1.7\n1 0 obj\n", "export the page as PNG or JPEG"),
        ("tiny.png", _png((40, 40)), "too small"),
        ("long.png", _png((12_500, 120), mode="1"), "too large"),
    ],
)
def test_bad_floor_plans_are_refused_naming_the_file(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ZoneMapError, match=message) as caught:
        read_floor_plan(path)
    assert str(caught.value).startswith(name) and "\n" not in str(caught.value)


def test_a_decompression_bomb_is_refused() -> None:
    bomb = _png((11_000, 11_000), mode="1")  # 121 million pixels in a small file
    with pytest.raises(ZoneMapError, match="too large"):
        check_floor_plan(bomb, "bomb.png")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ZoneMapError, match=r"missing\.png: cannot be read"):
        read_floor_plan(tmp_path / "missing.png")


# -- storage ----------------------------------------------------------------------------------------------


def test_storage_round_trip_revisions_and_verify(ws: Workspace, units: Register, full_app: App) -> None:
    row = registers.list_rows(ws, units)[0]
    assert zone_maps.load(ws, units, row.id) is None
    drawn = _demo_map(units)
    saved = zone_maps.save(ws, units, row.id, drawn, expected_revision=0, actor="lead")
    assert saved.revision == 1
    loaded = zone_maps.load(ws, units, row.id)
    assert loaded.to_json() == saved.to_json() and loaded.image == drawn.image
    assert [z.points for z in loaded.zones] == [z.points for z in drawn.zones]

    with pytest.raises(Exception, match="someone else"):  # a save on revision 0 after revision 1
        zone_maps.save(ws, units, row.id, drawn, expected_revision=0, actor="colleague")
    assert zone_maps.save(ws, units, row.id, loaded, expected_revision=1, actor="lead").revision == 2

    report = verify(ws)
    assert report.ok and not any("not used" in note for note in report.notes)  # the plan counts as used
    path = ws.files.path_for(loaded.background.sha256)
    path.chmod(0o644)
    path.write_bytes(b"damaged")
    assert any("zone map floor plan" in p for p in verify(ws).problems)
    with pytest.raises(Exception, match="run qsi verify"):
        zone_maps.load(ws, units, row.id)
    # The pack still comes out, saying which map could not be drawn.
    from qsi_plugin_mr.zone_map import ZONE_MAP_SECTION

    from qsi_desktop.services.report_context import WorkspaceReportContext

    blocks = ZONE_MAP_SECTION.render(WorkspaceReportContext(ws, full_app))
    assert any("could not be drawn" in getattr(b, "text", "") and "qsi verify" in b.text for b in blocks)


def test_the_map_is_audited_and_a_retired_unit_is_refused(ws: Workspace, units: Register) -> None:
    from qsi_desktop.services.audit import list_audit

    row = registers.list_rows(ws, units)[1]
    zone_maps.save(ws, units, row.id, zone_maps.blank(), expected_revision=0, actor="mr-lead")
    assert any(entry.actor == "mr-lead" for entry in list_audit(ws, limit=5))
    registers.retire_row(ws, units, row.id, actor="t")
    with pytest.raises(Exception, match="retired"):
        zone_maps.save(ws, units, row.id, zone_maps.blank(), expected_revision=None, actor="t")


def test_an_nhs_number_never_reaches_the_workspace(ws: Workspace, units: Register) -> None:
    row = registers.list_rows(ws, units)[0]
    drawn = zone_maps.blank()
    drawn.markers.append(_marker(f"Patient {NHS_NUMBER}"))
    with pytest.raises(ZoneMapError, match="NHS number"):
        zone_maps.save(ws, units, row.id, drawn, expected_revision=0, actor="t")
    ws.close()
    digits = NHS_NUMBER.replace(" ", "").encode()
    for path in ws.path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert digits not in data and NHS_NUMBER.encode() not in data, path


def _marker(name: str):
    from qsi_desktop.zone_maps import Marker

    return Marker("sign", 10, 10, name=name)


# -- the pack ---------------------------------------------------------------------------------------------


def test_report_blocks_without_a_map_and_with_one(units: Register) -> None:
    from qsi_desktop.plugins.types import Figure, Paragraph, Table

    assert report_blocks(None, units.zone_map, "MR 2", TODAY) == [
        Paragraph("No MR zone map has been drawn for MR 2.", style="warning")
    ]
    figure, table, warning = report_blocks(_demo_map(units, TODAY), units.zone_map, "MR 1", TODAY)
    assert isinstance(figure, Figure) and figure.png.startswith(b"\x89PNG") and len(figure.png) < 400_000
    assert isinstance(table, Table) and len(table.rows) == 9 and len(table.weights) == len(table.columns)
    assert [row[0] for row in table.rows] == ["E1", "E2", "S1", "S2", "S3", "Q1", "Q2", "O1", "P1"]
    assert table.rows[3] == (
        "S2",
        "Safety sign",
        "Corridor door to recovery: MR Controlled Access Area warning",
        TODAY - timedelta(days=420),
        "overdue",
    )
    assert isinstance(warning, Paragraph)
    assert warning.text == "2 of 9 items need a check (a check or test over 365 days old is overdue): S2, P1."


def _pixel(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def test_the_picture_has_the_areas_markers_and_legend_where_drawn(units: Register) -> None:
    from qsi_desktop.zone_maps.render import render_png

    spec = units.zone_map
    assert spec is not None
    drawn = {
        "zones": [
            {"kind": "mr-environment", "label": "Zone IV", "points": [[100, 100], [500, 100], [500, 400], [100, 400]]},
            {"kind": "line-3mt", "label": "", "points": [[200, 150], [400, 150], [400, 350], [200, 350]]},
        ],
        "markers": [{"kind": "sign", "x": 700, "y": 250, "name": "door", "detail": "", "checked_on": None}],
    }
    zone_map = from_json(drawn, spec, background=Background.grid(1000, 800, 50))
    png = render_png(zone_map, spec)
    assert png == render_png(zone_map, spec)  # repeatable
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.width == 1259 and 1259 * 0.8 < image.height < 1259 * 0.8 + 300  # the map, then its legend
    k = (image.width - 2 * 200 / 72 * 3) / 1000  # map pixels to picture pixels (3 pt margins)
    left = top = 200 / 72 * 3

    def at(x: float, y: float) -> tuple[int, int]:
        return (round(left + x * k), round(top + y * k))

    red, purple = _pixel(spec.zone("mr-environment").colour), _pixel(spec.zone("line-3mt").colour)
    assert image.getpixel(at(100, 250)) == red  # the area's edge, in its colour
    inside = image.getpixel(at(150, 120))
    assert inside != (255, 255, 255) and inside[0] > inside[2]  # tinted red inside
    assert image.getpixel(at(800, 600)) != inside  # and not outside
    assert purple in [
        image.getpixel((at(200, 250)[0] + dx, at(200, 250)[1] + dy)) for dx in (-1, 0, 1) for dy in range(-12, 13)
    ]
    ring = [image.getpixel((x, at(700, 250)[1])) for x in range(at(660, 0)[0], at(740, 0)[0])]
    assert (255, 255, 255) in ring and _pixel("#212b32") in ring  # the marker's ring and reference
    legend = image.crop((0, at(0, 800)[1] + 4, image.width, image.height))
    colours = {c for _, c in legend.getcolors(65536) or []}
    assert any(r > 180 and g < 120 and b < 120 for r, g, b in colours)  # the area's swatch, edged in red
    assert purple in colours and _pixel("#212b32") in colours  # the contour's dashes, the labels


def test_the_pack_holds_the_map_with_its_alt_text(ws: Workspace, units: Register, cli, tmp_path: Path) -> None:
    rows = registers.list_rows(ws, units)
    zone_maps.save(ws, units, rows[0].id, _demo_map(units, date.today()), expected_revision=0, actor="t")
    ws.close()
    out = tmp_path / "pack.docx"
    result = cli("export", ws.path, out, "--no-scan")
    assert result.code in (0, 1), result.err
    document = Document(str(out))
    described = [shape._inline.docPr.get("descr", "") for shape in document.inline_shapes]
    maps = [d for d in described if d.startswith("MR zone map of MR 1, Main")]
    assert len(maps) == 1 and "MR Environment (Faraday cage and 0.5 mT contour)" in maps[0]
    texts = [p.text for p in document.paragraphs]
    assert any(t.endswith(" MR zone maps") for t in texts)  # a numbered heading in the MR part
    assert any(t.endswith("No MR zone map has been drawn for MR 2, Main.") for t in texts)
    tables = [t for t in document.tables if t.rows[0].cells[0].text == "Ref" and len(t.columns) == 5]
    assert len(tables) == 1
    assert [row.cells[4].text for row in tables[0].rows].count("overdue") == 1


# -- qsi zone-map -----------------------------------------------------------------------------------------


def test_the_command_imports_shows_and_exports(ws: Workspace, cli, tmp_path: Path) -> None:
    ws.close()
    plan = tmp_path / "plan.png"
    plan.write_bytes(floor_plan_png())
    drawn = tmp_path / "map.json"
    drawn.write_text(json.dumps(zone_map_json(date.today())), encoding="utf-8-sig")  # BOM, as Notepad writes
    result = cli("zone-map", ws.path, "--unit", "Main | MR 1", "--image", plan, "--import-json", drawn)
    assert result.code == 0, result.err
    assert "saved the MR zone map of Main | MR 1 (revision 1)" in result.out

    shown = cli("zone-map", ws.path, "--unit", "1", "--json")
    data = json.loads(shown.out)
    assert data["background"]["file_name"] == "plan.png" and len(data["zones"]) == 3
    assert data["alt_text"].startswith("MR zone map of Main | MR 1")
    assert [c["flag"] for c in data["checks"]].count("overdue") == 1

    png, exported = tmp_path / "map.png", tmp_path / "again.json"
    assert cli("zone-map", ws.path, "--unit", "1", "--export", png, "--export-json", exported).code == 0
    assert Image.open(png).format == "PNG"
    # What was exported imports again (same floor plan), as a new revision.
    again = cli("zone-map", ws.path, "--unit", "1", "--import-json", exported)
    assert again.code == 0 and "revision 2" in again.out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"{not json", r"not valid JSON \(line 1"),
        ('{"zones": []}'.encode("utf-16"), "not UTF-8"),
        (b"[1, 2]", "JSON object"),
        (b'{"zones": [{"kind": "mr-environment", "points": [[1, 1]]}]}', "zones\\[0\\]: an area needs 3"),
    ],
)
def test_the_command_refuses_bad_json_and_changes_nothing(
    ws: Workspace, units: Register, cli, tmp_path: Path, content: bytes, message: str
) -> None:
    ws.close()
    path = tmp_path / "map.json"
    path.write_bytes(content)
    result = cli("zone-map", ws.path, "--unit", "Main | MR 2", "--grid", "--import-json", path)
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1
    assert result.err.startswith("qsi: error:") and __import__("re").search(message, result.err)
    assert "has no MR zone map yet" in cli("zone-map", ws.path, "--unit", "Main | MR 2").err


def test_the_command_refuses_a_bad_image_and_an_unknown_unit(ws: Workspace, cli, tmp_path: Path) -> None:
    ws.close()
    bad = tmp_path / "plan.png"
    bad.write_bytes(b"GIF89a not really")
    result = cli("zone-map", ws.path, "--unit", "Main | MR 1", "--image", bad)
    assert result.code == 2 and "plan.png: not an image" in result.err
    assert "no row" in cli("zone-map", ws.path, "--unit", "Main | MR 9", "--grid").err


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no areas", "declares no kind of area"),
        ("bad colour", "colour '#rrggbb'"),
        ("same key", "unique keys"),
        ("long symbol", "one or two characters"),
    ],
)
def test_a_bad_zone_map_declaration_fails_the_plugin(spec: str, message: str) -> None:
    import types

    from qsi_desktop.plugins.manager import PluginManager
    from qsi_desktop.plugins.markers import hookimpl
    from qsi_desktop.plugins.types import MarkerKind, RegisterField, ZoneKind, ZoneMapSpec

    area = ZoneKind("room", "Room", "#005eb8")
    specs = {
        "no areas": ZoneMapSpec(zones=()),
        "bad colour": ZoneMapSpec(zones=(ZoneKind("room", "Room", "blue"),)),
        "same key": ZoneMapSpec(zones=(area,), markers=(MarkerKind("room", "Door", "D"),)),
        "long symbol": ZoneMapSpec(zones=(area,), markers=(MarkerKind("door", "Door", "DOOR"),)),
    }
    register = Register("zz.rooms", "Rooms", (RegisterField("room", "Room"),), ("room",), zone_map=specs[spec])
    module = types.ModuleType("zz_plugin")
    module.PLUGIN_NAME, module.QSI_PLUGIN_API_VERSION = "zz", 2
    module.qsi_register_registers = hookimpl(lambda: [register])
    manager = PluginManager(plugins=[module])
    manager.registers()
    assert any(message in f.error for f in manager.failures if f.name == "zz"), manager.failures
