"""The Modalities area: a checklist tab per modality the service provides, then plugins' own panels.

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
    from qsi_desktop.services.summaries import sections_for

    return {m.code for m in provided_modalities(ctx.workspace, ctx.app) if sections_for(ctx.workspace, ctx.app, m.code)}


def has_tabs(ctx: GuiContext) -> bool:
    """Whether the Modalities area has anything to show (without building it)."""
    return bool(checklist_tabs(ctx) or _panels(ctx) or _registers(ctx))


def fill_tabs(tabs: QTabWidget, ctx: GuiContext) -> None:
    """Replace the tabs' pages with what applies to the open workspace now."""
    from qsi_desktop.gui.checklist_panel import checklist_tree  # built on demand: not for the first paint
    from qsi_desktop.gui.register_editor import RegisterEditor
    from qsi_desktop.gui.summary_view import SummaryView

    while tabs.count():
        widget = tabs.widget(0)
        tabs.removeTab(0)
        widget.deleteLater()
    names = {code: m.name for code, m in ctx.app.modalities().items()}
    registers = _registers(ctx)  # a tab each, beside their modality's checklists
    summarised = _summarised(ctx)  # then the modality's summaries, as the pack prints them

    def add_summaries(modality: str | None) -> None:
        if modality in summarised:
            summarised.discard(modality)
            view = SummaryView(ctx, modality, names.get(modality, modality), tabs)
            tabs.setTabToolTip(tabs.addTab(view, f"{modality} summaries"), f"{view.name}: what the pack will print")

    for spec in checklist_tabs(ctx):
        label = names.get(spec.modality or "", "every service")
        widget = checklist_tree(
            tabs,
            spec.templates,
            name=f"{(spec.modality or 'common').lower()}-checklists",
            accessible_name=f"{label} checklists and registers",
            context=ctx,
        )
        tabs.setTabToolTip(tabs.addTab(widget, spec.title), f"{label} checklists and registers")
        for register in registers.pop(spec.modality, []):
            tabs.setTabToolTip(tabs.addTab(RegisterEditor(register, ctx, tabs), register.title), register.description)
        add_summaries(spec.modality)
    for register in (r for rest in registers.values() for r in rest):  # modalities without a checklist tab
        tabs.setTabToolTip(tabs.addTab(RegisterEditor(register, ctx, tabs), register.title), register.description)
    for modality in sorted(summarised):
        add_summaries(modality)
    for panel in _panels(ctx):
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
