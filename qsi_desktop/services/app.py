"""What a command or window needs besides the workspace: plugins and the catalogue they make up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from qsi_desktop.catalogue.loader import DEFAULT_FRAMEWORK_ID
from qsi_desktop.catalogue.model import Catalogue, Statement, normalise_ref
from qsi_desktop.plugins.manager import PluginManager
from qsi_desktop.plugins.types import Modality
from qsi_desktop.services.errors import UserError


@dataclass
class App:
    plugins: PluginManager
    catalogue: Catalogue
    framework_id: str = DEFAULT_FRAMEWORK_ID

    @classmethod
    def load(cls, plugins: Sequence[str | ModuleType] | None = None) -> App:
        manager = PluginManager(plugins)
        manager.load_all()
        return cls(plugins=manager, catalogue=manager.catalogue())

    def modalities(self) -> dict[str, Modality]:
        return {m.code: m for m in self.plugins.modalities()}

    def statement(self, ref: str) -> Statement:
        statement = self.catalogue.get(ref)
        if statement is None:
            hint = ""
            prefix = normalise_ref(ref)[:2]
            if prefix in {"CT", "IR", "MR", "NM", "US"} and self.catalogue.section(f"{prefix}-9") is None:
                hint = f" (the {prefix} plugin is not loaded)"
            raise UserError(f"unknown quality statement {ref!r}{hint}; 'qsi standards' lists them")
        return statement
