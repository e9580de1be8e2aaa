"""The GUI hook, kept apart from the Qt-free hooks so the core and the command line never need Qt.

Only :mod:`qsi_desktop.gui` adds these specifications to the plugin manager and calls the factories.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qsi_desktop.plugins.markers import hookspec

if TYPE_CHECKING:
    from qsi_desktop.plugins.types import Panel


@hookspec
def qsi_register_panels() -> list[Panel]:
    """Return GUI panels. ``Panel.factory(parent, context)`` builds the QWidget when the GUI asks.

    ``context`` is a :class:`qsi_desktop.gui.context.GuiContext`: ``context.app`` (plugins and
    catalogue), ``context.workspace``, ``context.actor`` for writes through the services, and
    ``context.changed()`` to call after a change so the window refreshes. A checklist panel can be
    built with :func:`qsi_desktop.gui.checklist_panel.checklist_tree`.

    Implement it in a module that imports Qt lazily (inside the factory), so loading the plugin
    in the command line never imports PySide6.

    .. versionadded:: 1
    """
