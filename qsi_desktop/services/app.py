"""What a command or window needs besides the workspace: plugins and the catalogue they make up.

The catalogue is per framework: QSI 2026 draft and a later version can be loaded side by side,
each keyed by its framework id. An ``App`` serves one framework at a time, the one the open
workspace records (:meth:`App.use_framework`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from qsi_desktop.catalogue.loader import DEFAULT_FRAMEWORK_ID, core_framework_ids
from qsi_desktop.catalogue.model import Catalogue, Statement, normalise_ref
from qsi_desktop.errors import QsiError
from qsi_desktop.plugins.manager import PluginManager
from qsi_desktop.plugins.types import Modality, Scope
from qsi_desktop.services.errors import UserError
from qsi_desktop.store.access import ModalityMap
from qsi_desktop.store.workspace import Workspace


@dataclass
class App:
    plugins: PluginManager
    catalogue: Catalogue
    framework_id: str = DEFAULT_FRAMEWORK_ID

    @classmethod
    def load(cls, plugins: Sequence[str | ModuleType] | None = None, framework_id: str = DEFAULT_FRAMEWORK_ID) -> App:
        manager = PluginManager(plugins)
        manager.load_all(framework_id)
        return cls(plugins=manager, catalogue=manager.catalogue(framework_id), framework_id=framework_id)

    def use_framework(self, framework_id: str) -> None:
        """Serve ``framework_id`` (a workspace's); refused when no plugin provides a section of it."""
        if framework_id == self.framework_id:
            return
        catalogue = self.plugins.catalogue(framework_id)
        if not catalogue.sections:
            have = ", ".join(core_framework_ids()) or "none"
            raise UserError(
                f"this workspace is assessed against framework {framework_id!r}, which this QSI Desktop does "
                f"not have (it has: {have}); install the version of QSI Desktop that provides it"
            )
        self.catalogue = catalogue
        self.framework_id = framework_id

    def open_workspace(self, path: Path | str) -> Workspace:
        """Open the workspace at ``path`` and serve its framework; refused (and closed) if the app
        does not have that framework, instead of showing every statement as not started."""
        ws = Workspace.open(path)
        try:
            self.use_framework(ws.framework_id)
        except QsiError:
            ws.close()
            raise
        ws.use_modality_map(self.modality_map())
        return ws

    def modality_map(self) -> ModalityMap:
        """Which modality each checklist, register and importer belongs to: what a modality lead may change."""
        return ModalityMap(
            modalities=frozenset(self.modalities()),
            templates={t.id: t.modality for t in self.plugins.checklists()},
            registers={r.id: r.modality for r in self.plugins.registers()},
            importers={i.name: i.modality for i in self.plugins.importers()},
        )

    def modalities(self) -> dict[str, Modality]:
        """The modalities plugins provide for this framework, in section order, by code."""
        return {m.code: m for m in self.plugins.modalities(self.framework_id)}

    def scopes(self) -> dict[str, Scope]:
        return {s.id: s for s in self.plugins.scopes()}

    def statement(self, ref: str) -> Statement:
        statement = self.catalogue.get(ref)
        if statement is None:
            hint = ""
            prefix = normalise_ref(ref)[:2]
            if (
                prefix.isalpha()
                and prefix != "XR"
                and not any(s.ref.startswith(prefix) for s in self.catalogue.sections)
            ):
                hint = f" (no plugin for {prefix} is loaded)"
            raise UserError(f"unknown quality statement {ref!r}{hint}; 'qsi standards' lists them")
        return statement
