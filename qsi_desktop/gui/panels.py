"""The Modalities area: per modality the service provides, its checklist tab, its registers' tabs, its
plugins' own panels (MR zone maps beside the MR registers) and its summaries; then anything for every
service.

The core builds each modality's checklist panel from the templates its plugin registers, keeping
only those that apply to the service profile; a plugin needs no Qt code for that. A plugin's
custom panel (``qsi_register_panels``) is built through the plugin guard: one that fails shows the
one-line reason in its tab instead of taking the window down.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtWidgets import QLabel, QTabWidget, QWidget

from qsi_desktop.gui.context import GuiContext
from qsi_desktop.plugins import guard
from qsi_desktop.plugins.types import ChecklistTemplate, Panel, Register
from qsi_desktop.services.applies import applicable_templates, provided_modalities
from qsi_desktop.services.registers import applicable_registers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TabSpec:
    title: str
    modality: str | None
    templates: tuple[ChecklistTemplate, ...] = ()


def checklist_tabs(ctx: GuiContext) -> list[TabSpec]:
    """A tab per provided modality (section order) with the templates that apply to the service."""
    templates = applicable_templates(ctx.workspace, ctx.app)
    tabs = []
    for modality in provided_modalities(ctx.workspace, ctx.app):
        own = tuple(t for t in templates if t.modality == modality.code)
        if own:
            tabs.append(TabSpec(f"{modality.code} checklists", modality.code, own))
    common = tuple(t for t in templates if t.modality is None)
    if common:
        tabs.append(TabSpec("Checklists for every service", None, common))
    return tabs


def _panels(ctx: GuiContext) -> list[Panel]:
    """Plugins' own panels for the modalities the service provides (and those for every service)."""
    provided = {m.code for m in provided_modalities(ctx.workspace, ctx.app)}
    return [p for p in ctx.app.plugins.panels() if p.modality is None or p.modality in provided]


def _registers(ctx: GuiContext) -> dict[str | None, list[Register]]:
    """The registers that apply to the service, by modality code (None: every service)."""
    found: dict[str | None, list[Register]] = {}
    for register in applicable_registers(ctx.workspace, ctx.app):
        found.setdefault(register.modality, []).append(register)
    return found


def _summarised(ctx: GuiContext) -> set[str | None]:
    """The provided modalities with report sections that apply to the service."""
    from qsi_desktop.services.summaries import summarised_modalities

    return set(summarised_modalities(ctx.workspace, ctx.app))


def has_tabs(ctx: GuiContext) -> bool:
    """Whether the Modalities area has anything to show (without building it)."""
    return bool(checklist_tabs(ctx) or _panels(ctx) or _registers(ctx))


def fill_tabs(tabs: QTabWidget, ctx: GuiContext) -> None:
    """Replace the tabs' pages with what applies to the open workspace now: a tab per modality (then one
    for every service), each holding that modality's checklists, registers, own panels and summaries."""
    from qsi_desktop.gui.checklist_panel import checklist_tree  # built on demand: not for the first paint
    from qsi_desktop.gui.register_editor import RegisterEditor
    from qsi_desktop.gui.summary_view import SummaryView

    while tabs.count():
        widget = tabs.widget(0)
        tabs.removeTab(0)
        widget.deleteLater()
    names = {code: m.name for code, m in ctx.app.modalities().items()}
    checklists = {spec.modality: spec for spec in checklist_tabs(ctx)}
    registers = _registers(ctx)
    panels: dict[str | None, list[Panel]] = {}
    for panel in _panels(ctx):
        panels.setdefault(panel.modality, []).append(panel)
    summarised = _summarised(ctx)
    order = [m.code for m in provided_modalities(ctx.workspace, ctx.app)] + [None]
    for modality in order:
        if not (modality in checklists or registers.get(modality) or panels.get(modality) or modality in summarised):
            continue
        label = names.get(modality, modality) if modality else "Every service"
        area = QTabWidget(tabs)
        area.setObjectName(f"{(modality or 'common').lower()}-area")
        area.setDocumentMode(True)
        area.setAccessibleName(f"{label}: checklists, registers and summaries")
        index = tabs.addTab(area, modality or "Every service")
        tabs.setTabToolTip(index, f"{label}: checklists, registers and summaries")
        if modality in checklists:
            widget = checklist_tree(
                area,
                checklists[modality].templates,
                name=f"{(modality or 'common').lower()}-checklists",
                accessible_name=f"{label} checklists and registers",
                context=ctx,
            )
            area.setTabToolTip(area.addTab(widget, "Checklists"), f"{label} checklists")
        for register in registers.get(modality, []):
            area.setTabToolTip(area.addTab(RegisterEditor(register, ctx, area), register.title), register.description)
        for panel in panels.get(modality, []):
            _add_panel(area, ctx, panel)
        if modality in summarised:
            view = SummaryView(ctx, modality, label, area)
            area.setTabToolTip(area.addTab(view, "Summaries"), f"{label}: what the pack will print")


def pages(tabs: QTabWidget) -> dict[str, QWidget]:
    """Every page of the Modalities area by its place, "MR / MR units" (for tests and navigation)."""
    found: dict[str, QWidget] = {}
    for index in range(tabs.count()):
        area = tabs.widget(index)
        if isinstance(area, QTabWidget):
            for inner in range(area.count()):
                found[f"{tabs.tabText(index)} / {area.tabText(inner)}"] = area.widget(inner)
    return found


def show_page(tabs: QTabWidget, place: str) -> QWidget:
    """Bring the page at ``place`` ("MR / MR units") to the front and return it."""
    outer, inner = place.split(" / ", 1)
    for index in range(tabs.count()):
        area = tabs.widget(index)
        if tabs.tabText(index) == outer and isinstance(area, QTabWidget):
            for position in range(area.count()):
                if area.tabText(position) == inner:
                    tabs.setCurrentIndex(index)
                    area.setCurrentIndex(position)
                    return area.widget(position)
    raise KeyError(place)


def _add_panel(tabs: QTabWidget, ctx: GuiContext, panel: Panel) -> None:
    """A plugin's panel, built through the guard: one that fails shows why in its tab."""
    plugin = ctx.app.plugins.plugin_of(panel)
    try:
        widget = guard.call(plugin, f"panel {panel.id}", panel.factory, tabs, ctx)
    except guard.PluginError as exc:
        widget = QLabel(f"The {panel.title} panel could not be shown: {exc}")
        widget.setWordWrap(True)
    if not isinstance(widget, QWidget):
        log.error("panel %s (plugin %s) returned %s, not a widget", panel.id, plugin, type(widget).__name__)
        widget = QLabel(f"The {panel.title} panel could not be shown: it did not return a widget.")
    if not widget.accessibleName():
        widget.setAccessibleName(panel.title)
    tabs.addTab(widget, panel.title)
