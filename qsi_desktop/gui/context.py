"""What the views share: the loaded plugins and catalogue, the open workspace and who is working.

The same object is the ``context`` handed to plugin panel factories (``Panel.factory(parent,
context)``): a panel reads ``context.app`` and ``context.workspace`` and writes through the
services with ``actor=context.actor``; after a change it calls ``context.changed()`` so the window
refreshes readiness.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from qsi_desktop.services.app import App
from qsi_desktop.store.workspace import Workspace


def current_actor() -> str:
    """The name recorded in the audit trail: ``QSI_ACTOR`` or the login name."""
    try:
        return os.environ.get("QSI_ACTOR") or getpass.getuser()
    except Exception:  # no user name on some locked-down desktops
        return "unknown"


@dataclass
class GuiContext:
    app: App
    workspace: Workspace
    actor: str = field(default_factory=current_actor)
    on_changed: Callable[[], None] | None = None

    def changed(self) -> None:
        """Tell the window the workspace changed (readiness, tree and counts are refreshed)."""
        if self.on_changed is not None:
            self.on_changed()
