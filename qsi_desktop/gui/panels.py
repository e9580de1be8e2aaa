"""Modality panels from plugins' GUI modules.

A plugin names its Qt module in ``GUI_MODULE`` (kept apart so the command line never imports Qt).
The GUI loads those modules into a GUI plugin manager and asks for their panels; a plugin without
one is skipped quietly, and one whose panel fails is reported in the tab instead of the panel.
"""

from __future__ import annotations

import importlib
import logging
import sys
from dataclasses import dataclass, field

from qsi_desktop.plugins.manager import PluginManager
from qsi_desktop.plugins.types import Panel
from qsi_desktop.services.app import App

log = logging.getLogger(__name__)


@dataclass
class LoadedPanels:
    panels: list[Panel] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def gui_modules(app: App) -> list[str]:
    """``GUI_MODULE`` of every loaded plugin that has one, in loading order."""
    names: list[str] = []
    for info in app.plugins.plugins():
        module = sys.modules.get(info.module)
        if module is None:
            try:
                module = importlib.import_module(info.module)
            except Exception:  # the plugin manager has already reported it
                continue
        name = getattr(module, "GUI_MODULE", None)
        if isinstance(name, str) and name and name not in names:
            names.append(name)
    return names


def load_panels(app: App) -> LoadedPanels:
    modules = gui_modules(app)
    if not modules:
        return LoadedPanels()
    manager = PluginManager(modules, gui=True)
    panels = manager.panels()
    failures = [f"{failure.name}: {failure.error}" for failure in manager.failures]
    for failure in failures:
        log.warning("plugin panel not loaded: %s", failure)
    return LoadedPanels(panels=list(panels), failures=failures)
