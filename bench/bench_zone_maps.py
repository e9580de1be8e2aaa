"""Zone maps at size: a 7,000 x 5,000 pixel floor plan (a 35-megapixel scan) imported into the editor,
a corner dragged, the map saved, then read back and drawn for the pack. Prints each step's time.

    QT_QPA_PLATFORM=offscreen python bench/bench_zone_maps.py [--width 7000] [--height 5000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from qsi_desktop.gui.context import GuiContext
from qsi_desktop.gui.zone_map_editor import ZoneMapEditor
from qsi_desktop.services import registers, zone_maps
from qsi_desktop.services.app import App
from qsi_desktop.store.workspace import NewProfile, Workspace
from qsi_desktop.zone_maps import render_png

DRAG_STEPS = 50


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=7000)
    parser.add_argument("--height", type=int, default=5000)
    args = parser.parse_args()
    qt = QApplication.instance() or QApplication([])
    app = App.load(plugins=["qsi_plugin_mr.plugin"])
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        ws = Workspace.create(
            folder / "ws", NewProfile("Bench", "", ("Main",), ("MR",), {}), framework_id=app.framework_id, actor="b"
        )
        units = app.plugins.register("mr.units")
        assert units is not None
        row = registers.add_row(
            ws, units, {"site": "Main", "room": "MR 1", "scanner": "X", "field_strength": 3}, actor="b"
        )
        plan = Image.new("RGB", (args.width, args.height), "white")
        draw = ImageDraw.Draw(plan)
        for x in range(0, args.width, 100):
            draw.line((x, 0, x, args.height), fill="black", width=3)
        path = folder / "plan.jpg"
        plan.save(path, quality=85)
        print(f"floor plan: {args.width} x {args.height} px, {path.stat().st_size / 1e6:.1f} MB JPEG")

        editor = ZoneMapEditor(GuiContext(app, ws, actor="b"), units.id)
        editor.resize(1200, 800)
        editor.show()
        qt.processEvents()
        started = time.perf_counter()
        assert editor.load_floor_plan(path)
        print(f"import (decode, check, show): {time.perf_counter() - started:.2f} s")
        editor.choose_tool("zone", "mr-environment")
        w, h = args.width, args.height
        for point in ((w * 0.15, h * 0.2), (w * 0.7, h * 0.2), (w * 0.7, h * 0.8)):
            editor.press(QPointF(*point))
        editor.close_area()
        editor.choose_tool("select")
        editor.press(QPointF(w * 0.7, h * 0.8))
        started = time.perf_counter()
        for step in range(DRAG_STEPS):
            editor.drag(QPointF(w * 0.7 + step * 10, h * 0.8))
            qt.processEvents()
        print(f"dragging a corner: {(time.perf_counter() - started) / DRAG_STEPS * 1000:.1f} ms a step")
        editor.release()
        started = time.perf_counter()
        assert editor.save()
        print(f"save (image to the file store, map audited): {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        stored = zone_maps.load(ws, units, row.id)
        assert stored is not None
        png = render_png(stored, units.zone_map)  # type: ignore[arg-type]
        print(f"read back and drawn for the pack: {time.perf_counter() - started:.2f} s, PNG {len(png) / 1000:.0f} kB")
        editor.close()
        ws.close()


if __name__ == "__main__":
    main()
