"""The zone-map editor: a floor plan or room grid per register row, with areas and markers drawn on it.

Generic: any register that declares ``zone_map`` (MR units today; radiation controlled areas could
follow) gets this editor through a plugin panel. The map is the model: every change edits a copy of
it (kept for Undo) and the scene is drawn again from it, so what is saved is exactly what is shown.

Mouse: pick a kind under Draw, click to add an area's corners, double-click (or Enter, or Close
area) to close it; markers are placed with one click; under "Select and move" drag a corner or a
marker, Delete removes the selection. Keyboard: the arrow keys move a cross-hair (Shift for fine
steps), Space clicks at it, Ctrl+arrows move the selected corner or marker, Enter closes an area,
Escape drops an unfinished one, Ctrl+Z and Ctrl+Y undo and redo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QIcon,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsi_desktop.colours import TEXT_OVERDUE
from qsi_desktop.errors import QsiError
from qsi_desktop.gui import workers
from qsi_desktop.gui.context import GuiContext
from qsi_desktop.services import registers, zone_maps
from qsi_desktop.zone_maps import alt_text
from qsi_desktop.zone_maps.images import read_floor_plan
from qsi_desktop.zone_maps.model import Marker, Zone, ZoneMap, ZoneMapError, check_text, parse_checked_on
from qsi_desktop.zone_maps.render import marker_checks, marker_refs

SELECT = "select"
TOLERANCE_PX = 9  # how near (in screen pixels) a click must be to a corner or marker to pick it
MARKER_PX = 28
HANDLE_PX = 9
MAX_UNDO = 100
_COLUMNS = ("Ref", "Item", "Name or place", "Details", "Checked or tested", "Check")


@dataclass(frozen=True)
class Tool:
    kind: str  # SELECT, "zone" or "marker"
    key: str = ""


class MapView(QGraphicsView):
    """The drawing surface: hands clicks and keys (in map coordinates) to the editor."""

    def __init__(self, editor: ZoneMapEditor) -> None:
        super().__init__(editor)
        self.editor = editor
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(False)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setObjectName("zone-map-view")
        self.setMinimumWidth(360)

    def fit(self) -> None:
        rect = self.sceneRect()
        if rect.width() > 0:
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def tolerance(self) -> float:
        """TOLERANCE_PX in map units at the current zoom."""
        scale = self.transform().m11() or 1.0
        return TOLERANCE_PX / scale

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.setFocus()
            self.editor.press(self.mapToScene(event.position().toPoint()))
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.editor.drag(self.mapToScene(event.position().toPoint()))
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.editor.release()
        else:
            super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.editor.double_click(self.mapToScene(event.position().toPoint()))
        else:
            super().mouseDoubleClickEvent(event)

    _OWN_SHORTCUTS = (Qt.Key.Key_Z, Qt.Key.Key_Y, Qt.Key.Key_Delete, Qt.Key.Key_Backspace)

    def event(self, event: QEvent) -> bool:
        # Undo, redo and Delete mean the drawing while it has the focus, not the window's menus.
        own = isinstance(event, QKeyEvent) and event.key() in self._OWN_SHORTCUTS
        if event.type() == QEvent.Type.ShortcutOverride and own:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.editor.key(event):
            super().keyPressEvent(event)

    def focusInEvent(self, event: Any) -> None:
        super().focusInEvent(event)
        self.editor.redraw()  # shows the keyboard cross-hair

    def focusOutEvent(self, event: Any) -> None:
        super().focusOutEvent(event)
        self.editor.redraw()


class _DetailDelegate(QStyledItemDelegate):
    """The Details column offers the marker kind's usual values (other text is accepted)."""

    def __init__(self, editor: ZoneMapEditor) -> None:
        super().__init__(editor)
        self.editor = editor

    def createEditor(self, parent: QWidget, option: Any, index: Any) -> QWidget:
        choices = self.editor.detail_choices(index.row())
        if not choices:
            return super().createEditor(parent, option, index)
        box = QComboBox(parent)
        box.setEditable(True)
        box.addItems(choices)
        box.setAccessibleName("Details")
        return box

    def setEditorData(self, editor: QWidget, index: Any) -> None:
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(index.data() or ""))
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: Any, index: Any) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText())
        else:
            super().setModelData(editor, model, index)


class ZoneMapEditor(QWidget):
    def __init__(self, ctx: GuiContext, register_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.register, self.spec = zone_maps.find_zone_map_register(ctx.app, register_id)
        self.setObjectName("zone-map-editor")
        self.setAccessibleName(f"{self.spec.title}s")
        self.row_id: int | None = None
        self.map: ZoneMap | None = None
        self.undo_stack: list[ZoneMap] = []
        self.redo_stack: list[ZoneMap] = []
        self.dirty = False
        self.drawing: list[tuple[float, float]] = []
        self.selection: tuple[Any, ...] | None = None  # ("zone", i) | ("vertex", i, j) | ("marker", i)
        self.cursor = QPointF(0, 0)
        self._dragging = False
        self._drag_saved = False
        self._pixmap: QPixmap | None = None
        self._filling = False
        self._watched: QWidget | None = None
        self._build()

    # -- layout ---------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.units = QComboBox()
        self.units.setAccessibleName(f"{self.register.title}: the unit whose map is shown")
        self.units.currentIndexChanged.connect(self._unit_chosen)
        units_label = QLabel("&Unit:")
        units_label.setBuddy(self.units)
        self.plan_button = QPushButton("Floor &plan…")
        self.plan_button.setToolTip("Import the unit's floor plan (PNG or JPEG); what is drawn is kept")
        self.plan_button.clicked.connect(self.import_floor_plan)
        self.grid_button = QPushButton("Room &grid")
        self.grid_button.setToolTip("Draw on a plain grid (one square a metre) when there is no floor plan")
        self.grid_button.clicked.connect(self.use_grid)
        self.save_button = QPushButton("Save &zone map")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Rever&t")
        self.revert_button.setToolTip("Drop the changes made since the map was last saved")
        self.revert_button.clicked.connect(self.revert)
        top = QHBoxLayout()
        for widget in (units_label, self.units):
            top.addWidget(widget)
        top.addStretch(1)
        for widget in (self.plan_button, self.grid_button, self.revert_button, self.save_button):
            top.addWidget(widget)

        self.tool = QComboBox()
        self.tool.setAccessibleName("What a click draws")
        self.tool.addItem("Select and move", Tool(SELECT))
        for kind in self.spec.zones:
            self.tool.addItem(f"Area: {kind.label}", Tool("zone", kind.key))
        for marker in self.spec.markers:
            self.tool.addItem(f"Marker: {marker.label}", Tool("marker", marker.key))
        self.tool.currentIndexChanged.connect(self._tool_chosen)
        tool_label = QLabel("&Draw:")
        tool_label.setBuddy(self.tool)
        self.area_label = QComboBox()
        self.area_label.setAccessibleName("Label of the selected area")
        self.area_label.addItem("(no label)", "")
        for text in self.spec.area_labels:
            self.area_label.addItem(text, text)
        self.area_label.currentIndexChanged.connect(self._label_chosen)
        area_label_label = QLabel("Area &label:")
        area_label_label.setBuddy(self.area_label)
        self.close_button = QPushButton("&Close area")
        self.close_button.setToolTip("Close the area being drawn (or double-click its last corner, or press Enter)")
        self.close_button.clicked.connect(self.close_area)
        self.delete_button = QPushButton("Delete selected")
        self.delete_button.setToolTip("Remove the selected corner, area or marker (Delete)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.undo_button = QPushButton("U&ndo")
        self.undo_button.clicked.connect(self.undo)
        self.redo_button = QPushButton("&Redo")
        self.redo_button.clicked.connect(self.redo)
        tools = QHBoxLayout()
        for widget in (tool_label, self.tool, area_label_label, self.area_label, self.close_button):
            tools.addWidget(widget)
        tools.addStretch(1)
        for widget in (self.delete_button, self.undo_button, self.redo_button):
            tools.addWidget(widget)

        self.scene = QGraphicsScene(self)
        self.view = MapView(self)
        self.view.setScene(self.scene)
        self.view.setAccessibleName(f"{self.spec.title} drawing")

        self.zone_list = QListWidget()
        self.zone_list.setAccessibleName("Areas drawn")
        self.zone_list.currentRowChanged.connect(self._zone_picked)
        zones_label = QLabel("&Areas")
        zones_label.setBuddy(self.zone_list)
        self.markers = QTableWidget(0, len(_COLUMNS))
        self.markers.setHorizontalHeaderLabels(_COLUMNS)
        self.markers.setAccessibleName("Entrances, signs and emergency equipment")
        self.markers.verticalHeader().setVisible(False)
        # Every column as wide as its text, the table scrolling sideways: a stretched column beside them was
        # squeezed to a few pixels ("C… d…") when the side panel is narrower than the rows, as at 1366x768.
        self.markers.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.markers.horizontalHeader().setStretchLastSection(True)
        self.markers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.markers.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.markers.setItemDelegateForColumn(3, _DetailDelegate(self))
        self.markers.itemChanged.connect(self._marker_edited)
        self.markers.itemSelectionChanged.connect(self._marker_picked)
        markers_label = QLabel("Mar&kers (double-click a cell to edit)")
        markers_label.setBuddy(self.markers)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        for widget in (zones_label, self.zone_list, markers_label, self.markers):
            side_layout.addWidget(widget)
        side_layout.setStretch(1, 1)
        side_layout.setStretch(3, 3)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([640, 460])  # the drawing gets the room; the lists scroll

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Zone map status")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(tools)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.status)
        self.fill_units()

    # -- units ----------------------------------------------------------------------------------------

    def fill_units(self) -> None:
        """The register's rows in use; the one shown stays chosen."""
        current = self.row_id
        self._filling = True
        self.units.clear()
        for row, has_map in zone_maps.rows_with_maps(self.ctx.workspace, self.ctx.app, self.register):
            name = registers.key_text(self.register, row.values)
            self.units.addItem(name if has_map else f"{name} (no map yet)", row.id)
        self._filling = False
        if not self.units.count():
            self._set_enabled(False)
            self.row_id, self.map = None, None
            self.status.setText(f"Add a unit to the {self.register.title} register first: each unit has its own map.")
            self.scene.clear()
            return
        self._set_enabled(True)
        index = self.units.findData(current) if current is not None else 0
        self.units.setCurrentIndex(max(index, 0))
        if self.units.currentData() != self.row_id:
            self._unit_chosen(self.units.currentIndex())

    def _set_enabled(self, on: bool) -> None:
        for widget in (self.plan_button, self.grid_button, self.save_button, self.revert_button, self.tool, self.view):
            widget.setEnabled(on)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.dirty:  # units added in the register's tab meanwhile
            self.fill_units()
        window = self.window()
        if window is not self and window is not self._watched:  # asked before the window closes
            window.installEventFilter(self)
            self._watched = window

    def eventFilter(self, watched: Any, event: QEvent) -> bool:
        """The window closing with an unsaved map: save, discard, or stay (the window stays open)."""
        # getattr: Qt can still call the filter while Python is tearing the editor down (its attributes
        # cleared by the garbage collector before the C++ object is deleted); then there is nothing to ask.
        closing = (
            event.type() == QEvent.Type.Close
            and watched is getattr(self, "_watched", None)
            and getattr(self, "dirty", False)
        )
        if closing and not self._may_discard():
            event.ignore()
            return True
        return False

    def _unit_chosen(self, index: int) -> None:
        if self._filling or index < 0:
            return
        row_id = self.units.itemData(index)
        if row_id == self.row_id:
            return
        if self.dirty and not self._may_discard():
            self._filling = True
            self.units.setCurrentIndex(self.units.findData(self.row_id))
            self._filling = False
            return
        self.open_unit(int(row_id))

    def _may_discard(self) -> bool:
        answer = QMessageBox.question(
            self,
            "Unsaved zone map",
            "The map shown has changes that are not saved. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def open_unit(self, row_id: int) -> None:
        """Show the unit's saved map (a blank room grid when it has none)."""
        try:
            loaded = zone_maps.load(self.ctx.workspace, self.register, row_id)
        except QsiError as exc:
            QMessageBox.warning(self, "Zone map", workers.error_message(exc))
            loaded = None
        self.row_id = row_id
        self._set_map(loaded or zone_maps.blank())
        self.undo_stack.clear()
        self.redo_stack.clear()
        self.dirty = False
        self.status.setText(
            "" if loaded else "No map saved for this unit yet: import its floor plan or draw on the room grid."
        )
        self._changed(fit=True)

    def _set_map(self, zone_map: ZoneMap) -> None:
        new_background = self.map is None or zone_map.background != self.map.background
        self.map = zone_map
        if new_background:
            self._pixmap = None
            if zone_map.image:
                pixmap = QPixmap()
                pixmap.loadFromData(zone_map.image)
                self._pixmap = pixmap
            bg = zone_map.background
            self.scene.setSceneRect(QRectF(0, 0, bg.width, bg.height))
            self.cursor = QPointF(bg.width / 2, bg.height / 2)
        self.drawing = []
        self.selection = None

    # -- editing --------------------------------------------------------------------------------------

    def choose_tool(self, kind: str, key: str = "") -> None:
        """Pick what a click draws (for tests and callers: the same as choosing it under Draw)."""
        wanted = Tool(kind, key)
        self.tool.setCurrentIndex(next(i for i in range(self.tool.count()) if self.tool.itemData(i) == wanted))

    def current_tool(self) -> Tool:
        return self.tool.currentData() or Tool(SELECT)

    def _tool_chosen(self, _index: int) -> None:
        self.drawing = []
        tool = self.current_tool()
        hints = {
            SELECT: "Click an area, corner or marker to select it; drag to move it; Delete removes it.",
            "zone": "Click each corner of the area; double-click the last one (or press Enter) to close it.",
            "marker": "Click where it is on the map; then fill in its row in the table.",
        }
        self.status.setText(hints[tool.kind] + " Keyboard: arrows move the cross-hair, Space clicks.")
        self.redraw()

    def _edit(self) -> ZoneMap:
        """Keep the map as it is for Undo and return it to be changed."""
        assert self.map is not None
        self.undo_stack.append(self.map.copy())
        del self.undo_stack[:-MAX_UNDO]
        self.redo_stack.clear()
        self.dirty = True
        return self.map

    def _clamp(self, point: QPointF) -> tuple[float, float]:
        assert self.map is not None
        bg = self.map.background
        return min(max(point.x(), 0.0), float(bg.width)), min(max(point.y(), 0.0), float(bg.height))

    def press(self, point: QPointF) -> None:
        if self.map is None:
            return
        self.cursor = QPointF(*self._clamp(point))
        tool = self.current_tool()
        x, y = self._clamp(point)
        if tool.kind == "zone":
            self.drawing.append((x, y))
            self.redraw()
        elif tool.kind == "marker":
            kind = self.spec.marker(tool.key)
            number = sum(1 for m in self.map.markers if m.kind == tool.key) + 1
            self._edit().markers.append(Marker(tool.key, x, y, name=f"{kind.label if kind else tool.key} {number}"))
            self.selection = ("marker", len(self.map.markers) - 1)
            self._changed()
        else:
            self.selection = self._hit(x, y)
            self._dragging = self.selection is not None and self.selection[0] in ("vertex", "marker")
            self._drag_saved = False
            self._changed(lists_only=False)

    def drag(self, point: QPointF) -> None:
        if not self._dragging or self.map is None or self.selection is None:
            return
        if not self._drag_saved:  # one Undo step per drag
            self._edit()
            self._drag_saved = True
        self._move_selection_to(*self._clamp(point))

    def release(self) -> None:
        if self._dragging and self._drag_saved:
            self._changed()
        self._dragging = False

    def _move_selection_to(self, x: float, y: float) -> None:
        assert self.map is not None and self.selection is not None
        if self.selection[0] == "vertex":
            _, i, j = self.selection
            self.map.zones[i].points[j] = (x, y)
        elif self.selection[0] == "marker":
            marker = self.map.markers[self.selection[1]]
            marker.x, marker.y = x, y
        self.redraw()

    def double_click(self, point: QPointF) -> None:
        if self.current_tool().kind != "zone" or self.map is None:
            return
        x, y = self._clamp(point)
        tol = self.view.tolerance()
        if not self.drawing or math.dist(self.drawing[-1], (x, y)) > tol:
            self.drawing.append((x, y))
        self.close_area()

    def close_area(self) -> None:
        tool = self.current_tool()
        if tool.kind != "zone" or self.map is None:
            return
        if len(self.drawing) < 3:
            self.status.setText("An area needs at least three corners: click them on the map first.")
            return
        points = list(self.drawing)
        self.drawing = []
        self._edit().zones.append(Zone(tool.key, points))
        self.selection = ("zone", len(self.map.zones) - 1)
        kind = self.spec.zone(tool.key)
        self.status.setText(f"{kind.label if kind else tool.key} drawn with {len(points)} corners.")
        self._changed()

    def delete_selected(self) -> None:
        if self.map is None:
            return
        if self.drawing:  # the corner just added, while drawing
            self.drawing.pop()
            self.redraw()
            return
        if self.selection is None:
            return
        what = self.selection
        zone_map = self._edit()
        if what[0] == "vertex" and len(zone_map.zones[what[1]].points) > 3:
            del zone_map.zones[what[1]].points[what[2]]
            self.selection = ("zone", what[1])
        elif what[0] in ("vertex", "zone"):
            del zone_map.zones[what[1]]
            self.selection = None
        else:
            del zone_map.markers[what[1]]
            self.selection = None
        self._changed()

    def undo(self) -> None:
        if not self.undo_stack or self.map is None:
            return
        self.redo_stack.append(self.map.copy())
        self._set_map(self.undo_stack.pop())
        self.dirty = True
        self._changed()

    def redo(self) -> None:
        if not self.redo_stack or self.map is None:
            return
        self.undo_stack.append(self.map.copy())
        self._set_map(self.redo_stack.pop())
        self.dirty = True
        self._changed()

    def _hit(self, x: float, y: float) -> tuple[Any, ...] | None:
        """The corner or marker nearest (within the tolerance), else the smallest area containing the point."""
        assert self.map is not None
        tol = self.view.tolerance()
        best: tuple[float, tuple[Any, ...]] | None = None
        for i, marker in enumerate(self.map.markers):
            d = math.dist((marker.x, marker.y), (x, y))
            if d <= tol * 1.5 and (best is None or d < best[0]):
                best = (d, ("marker", i))
        for i, zone in enumerate(self.map.zones):
            for j, p in enumerate(zone.points):
                d = math.dist(p, (x, y))
                if d <= tol and (best is None or d < best[0]):
                    best = (d, ("vertex", i, j))
        if best is not None:
            return best[1]
        inside = [
            (_area(zone.points), i)
            for i, zone in enumerate(self.map.zones)
            if QPolygonF([QPointF(*p) for p in zone.points]).containsPoint(QPointF(x, y), Qt.FillRule.OddEvenFill)
        ]
        return ("zone", min(inside)[1]) if inside else None

    def key(self, event: QKeyEvent) -> bool:
        """Keys of the drawing; False for keys it leaves to the view."""
        if self.map is None:
            return False
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        arrows = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1),
            Qt.Key.Key_Down: (0, 1),
        }
        if key in arrows:
            bg = self.map.background
            step = max(bg.width, bg.height) / (500 if mods & Qt.KeyboardModifier.ShiftModifier else 50)
            dx, dy = arrows[key]
            target = QPointF(self.cursor.x() + dx * step, self.cursor.y() + dy * step)
            if ctrl and self.selection is not None and self.selection[0] in ("vertex", "marker"):
                x0, y0 = self._selected_point()
                self._edit()
                self._move_selection_to(*self._clamp(QPointF(x0 + dx * step, y0 + dy * step)))
                self.cursor = QPointF(*self._selected_point())
                self._changed()
            else:
                self.cursor = QPointF(*self._clamp(target))
                self.redraw()
            return True
        if key == Qt.Key.Key_Space:
            self.press(self.cursor)
            self.release()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.close_area()
            return True
        if key == Qt.Key.Key_Escape and self.drawing:
            self.drawing = []
            self.redraw()
            return True
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selected()
            return True
        if ctrl and key == Qt.Key.Key_Z:
            self.redo() if mods & Qt.KeyboardModifier.ShiftModifier else self.undo()
            return True
        if ctrl and key == Qt.Key.Key_Y:
            self.redo()
            return True
        return False

    def _selected_point(self) -> tuple[float, float]:
        assert self.map is not None and self.selection is not None
        if self.selection[0] == "vertex":
            return self.map.zones[self.selection[1]].points[self.selection[2]]
        marker = self.map.markers[self.selection[1]]
        return marker.x, marker.y

    # -- background and saving ----------------------------------------------------------------------

    def import_floor_plan(self) -> None:
        if self.map is None:
            return
        name, _ = QFileDialog.getOpenFileName(
            self, "Import floor plan", "", "Floor plans (*.png *.jpg *.jpeg);;PDF (*.pdf);;All files (*)"
        )
        if name:
            self.load_floor_plan(Path(name))

    def load_floor_plan(self, path: Path) -> bool:
        """Check the image on a worker (a large scan takes a moment) and put the map on it."""
        try:
            plan = workers.run_blocking(
                self, "Floor plan", f"Reading {path.name}…", lambda _progress, _cancel: read_floor_plan(path)
            )
        except workers.WorkFailed as failed:
            QMessageBox.warning(self, "Floor plan", workers.error_message(failed.args[0]))
            return False
        except workers.Cancelled:
            return False
        assert self.map is not None
        self._edit()
        self._set_map(zone_maps.with_floor_plan(self.map, plan))
        self.status.setText(f"Floor plan {path.name} imported: save the map to keep it.")
        self._changed(fit=True)
        return True

    def use_grid(self) -> None:
        if self.map is None or self.map.background.kind == "grid":
            return
        self._edit()
        self._set_map(zone_maps.with_grid(self.map))
        self._changed(fit=True)

    def save(self) -> bool:
        if self.map is None or self.row_id is None:
            return False
        if self.drawing:
            self.status.setText("Close or drop (Escape) the area being drawn before saving.")
            return False
        try:
            saved = zone_maps.save(
                self.ctx.workspace,
                self.register,
                self.row_id,
                self.map,
                expected_revision=self.map.revision,
                actor=self.ctx.actor,
            )
        except (QsiError, ZoneMapError) as exc:
            QMessageBox.warning(self, "Zone map not saved", workers.error_message(exc))
            return False
        self.map.revision = saved.revision
        self.dirty = False
        self.status.setText(f"Saved (revision {saved.revision}).")
        self.ctx.changed()
        self._filling = True
        index = self.units.findData(self.row_id)
        self.units.setItemText(index, self.units.itemText(index).removesuffix(" (no map yet)"))
        self._filling = False
        self._changed()
        return True

    def revert(self) -> None:
        if self.row_id is not None:
            self.map = None
            self.open_unit(self.row_id)

    # -- the side lists ---------------------------------------------------------------------------------

    def detail_choices(self, row: int) -> tuple[str, ...]:
        marker = self._marker_at_row(row)
        kind = self.spec.marker(marker.kind) if marker else None
        return kind.detail_choices if kind else ()

    def _marker_at_row(self, row: int) -> Marker | None:
        item = self.markers.item(row, 0)
        if item is None or self.map is None:
            return None
        index = item.data(Qt.ItemDataRole.UserRole)
        return self.map.markers[index] if index is not None and index < len(self.map.markers) else None

    def _fill_lists(self) -> None:
        assert self.map is not None
        self._filling = True
        self.zone_list.clear()
        for zone in self.map.zones:
            kind = self.spec.zone(zone.kind)
            text = kind.label if kind else zone.kind
            item = QListWidgetItem(f"{text}{f' ({zone.label})' if zone.label else ''}: {len(zone.points)} corners")
            item.setIcon(_swatch(kind.colour if kind else "#212b32", dashed=kind is not None and kind.shape == "line"))
            self.zone_list.addItem(item)
        self.markers.setRowCount(len(self.map.markers))
        refs = marker_refs(self.map, self.spec)
        checks = {c.ref: c.check for c in marker_checks(self.map, self.spec, date.today())}
        for row, (index, marker) in enumerate(enumerate(self.map.markers)):
            kind = self.spec.marker(marker.kind)
            cells = (
                refs[index],
                kind.label if kind else marker.kind,
                marker.name,
                marker.detail,
                date.fromisoformat(marker.checked_on).strftime("%d/%m/%Y") if marker.checked_on else "",
                checks.get(refs[index], ""),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, index)
                editable = column in (2, 3) or (column == 4 and kind is not None and bool(kind.date_label))
                if not editable:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if column == 4 and kind is not None and kind.date_label:
                    item.setToolTip(f"{kind.date_label}: a date such as 31/03/2026")
                if column == 5 and text in ("overdue", "no date"):
                    item.setForeground(QBrush(QColor(TEXT_OVERDUE)))
                self.markers.setItem(row, column, item)
        selected_zone = self.selection[1] if self.selection and self.selection[0] in ("zone", "vertex") else -1
        self.zone_list.setCurrentRow(selected_zone)
        self.markers.clearSelection()
        if self.selection and self.selection[0] == "marker":
            self.markers.selectRow(self.selection[1])
        zone = self.map.zones[selected_zone] if selected_zone >= 0 else None
        self.area_label.setEnabled(zone is not None and bool(self.spec.area_labels))
        self.area_label.setCurrentIndex(max(self.area_label.findData(zone.label if zone else ""), 0))
        self._filling = False

    def _marker_edited(self, item: QTableWidgetItem) -> None:
        if self._filling or self.map is None:
            return
        index = item.data(Qt.ItemDataRole.UserRole)
        marker = self.map.markers[index]
        text = " ".join(item.text().split())
        column = item.column()
        try:
            if column == 4:
                value = parse_checked_on(text, "date")
                if value == marker.checked_on:
                    return
                self._edit().markers[index].checked_on = value
            elif column in (2, 3):
                field = "name" if column == 2 else "detail"
                if text == getattr(marker, field):
                    return
                from_text = check_text(text, _COLUMNS[column])
                setattr(self._edit().markers[index], field, from_text)
        except QsiError as exc:
            self.status.setText(workers.error_message(exc))
        self.selection = ("marker", index)
        self._changed()

    def _marker_picked(self) -> None:
        if self._filling:
            return
        rows = self.markers.selectionModel().selectedRows()
        if rows:
            marker_index = self.markers.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
            self.selection = ("marker", marker_index)
            self.redraw()

    def _zone_picked(self, row: int) -> None:
        if self._filling or row < 0:
            return
        self.selection = ("zone", row)
        self._changed(lists_only=False)

    def _label_chosen(self, _index: int) -> None:
        if self._filling or self.map is None or not self.selection or self.selection[0] not in ("zone", "vertex"):
            return
        i = self.selection[1]
        label = self.area_label.currentData() or ""
        if self.map.zones[i].label != label:
            self._edit().zones[i].label = label
            self._changed()

    # -- drawing ----------------------------------------------------------------------------------------

    def _changed(self, *, fit: bool = False, lists_only: bool = False) -> None:
        if self.map is None:
            return
        self._fill_lists()
        self.redraw()
        if fit:
            self.view.fit()
        self.undo_button.setEnabled(bool(self.undo_stack))
        self.redo_button.setEnabled(bool(self.redo_stack))
        self.revert_button.setEnabled(self.dirty)
        self.save_button.setEnabled(self.dirty)
        title = self.units.currentText().removesuffix(" (no map yet)")
        self.view.setAccessibleDescription(alt_text(self.map, self.spec, title, date.today()))

    def redraw(self) -> None:
        self.scene.clear()
        if self.map is None:
            return
        bg = self.map.background
        if self._pixmap is not None and not self._pixmap.isNull():
            item = self.scene.addPixmap(self._pixmap)
            item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
            item.setScale(bg.width / max(self._pixmap.width(), 1))
        else:
            self._draw_grid()
        for i, zone in enumerate(self.map.zones):
            self._draw_zone(i, zone)
        if self.drawing:
            self._draw_unfinished()
        for i, (marker, ref) in enumerate(zip(self.map.markers, marker_refs(self.map, self.spec), strict=True)):
            self._draw_marker(i, marker, ref)
        if self.view.hasFocus():
            self._draw_cursor()

    def _draw_grid(self) -> None:
        assert self.map is not None
        bg = self.map.background
        self.scene.addRect(QRectF(0, 0, bg.width, bg.height), _pen("#aeb7bd"), QBrush(QColor("white")))
        pen = _pen("#e8edee")
        for x in range(bg.step, bg.width, bg.step):
            self.scene.addLine(x, 0, x, bg.height, pen)
        for y in range(bg.step, bg.height, bg.step):
            self.scene.addLine(0, y, bg.width, y, pen)

    def _draw_zone(self, index: int, zone: Zone) -> None:
        kind = self.spec.zone(zone.kind)
        colour = QColor(kind.colour if kind else "#212b32")
        selected = self.selection is not None and self.selection[0] in ("zone", "vertex") and self.selection[1] == index
        pen = _pen(colour, 4 if selected else 2.5)
        fill = QColor(colour)
        fill.setAlphaF(0.18)
        line = kind is not None and kind.shape == "line"
        if line:
            pen.setStyle(Qt.PenStyle.DashLine)
        self.scene.addPolygon(
            QPolygonF([QPointF(*p) for p in zone.points]), pen, QBrush(Qt.BrushStyle.NoBrush) if line else QBrush(fill)
        )
        if line:  # a contour is named on it; areas by colour (the Areas list), as in the pack
            x, y = min(zone.points, key=lambda p: p[0] + p[1])
            name = (kind.short or kind.label) if kind else zone.kind
            label = self.scene.addSimpleText(f"{name}{f' ({zone.label})' if zone.label else ''}")
            label.setBrush(QBrush(colour))
            label.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            label.setPos(x, y)
        if selected:
            for j, point in enumerate(zone.points):
                on = self.selection == ("vertex", index, j)
                self._handle(point, colour, on)

    def _handle(self, point: tuple[float, float], colour: QColor, on: bool) -> None:
        size = HANDLE_PX + (4 if on else 0)
        item = QGraphicsRectItem(-size / 2, -size / 2, size, size)
        item.setPen(_pen(colour, 1.5))
        item.setBrush(QBrush(colour if on else QColor("white")))
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        item.setPos(*point)
        self.scene.addItem(item)

    def _draw_unfinished(self) -> None:
        tool = self.current_tool()
        kind = self.spec.zone(tool.key)
        colour = QColor(kind.colour if kind else "#212b32")
        path = QPainterPath(QPointF(*self.drawing[0]))
        for point in self.drawing[1:]:
            path.lineTo(QPointF(*point))
        pen = _pen(colour, 2)
        pen.setStyle(Qt.PenStyle.DotLine)
        self.scene.addPath(path, pen)
        for point in self.drawing:
            self._handle(point, colour, False)

    def _draw_marker(self, index: int, marker: Marker, ref: str) -> None:
        selected = self.selection == ("marker", index)
        circle = QGraphicsEllipseItem(-MARKER_PX / 2, -MARKER_PX / 2, MARKER_PX, MARKER_PX)
        circle.setPen(_pen("#005eb8" if selected else "#212b32", 3 if selected else 1.5))
        circle.setBrush(QBrush(QColor("#ffeb3b" if selected else "white")))
        circle.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        circle.setPos(marker.x, marker.y)
        self.scene.addItem(circle)
        text = QGraphicsSimpleTextItem(ref, circle)  # E1, S2: the reference in the table and the pack
        box = text.boundingRect()
        text.setPos(-box.width() / 2, -box.height() / 2)

    def _draw_cursor(self) -> None:
        pen = _pen("#d5281b", 1.5)
        for dx, dy in ((-12, 0), (0, -12)):
            item = self.scene.addLine(dx, dy, -dx, -dy, pen)
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            item.setPos(self.cursor)


def _pen(colour: QColor | str, width: float = 1.0) -> QPen:
    pen = QPen(QColor(colour))
    pen.setWidthF(width)
    pen.setCosmetic(True)  # the same on screen at any zoom
    return pen


def _area(points: list[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True))) / 2


def _swatch(colour: str, *, dashed: bool) -> QIcon:
    """The area's colour beside its name in the Areas list: the map's key."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    pen = QPen(QColor(colour), 2, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
    painter.setPen(pen)
    fill = QColor(colour)
    fill.setAlphaF(0 if dashed else 0.35)
    painter.setBrush(QBrush(fill))
    painter.drawRect(2, 2, 12, 12)
    painter.end()
    return QIcon(pixmap)
