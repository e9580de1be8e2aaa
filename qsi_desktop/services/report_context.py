"""The :class:`~qsi_desktop.plugins.types.ReportContext` a workspace gives plugin report sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from qsi_desktop.services import checklists, importing
from qsi_desktop.services.app import App
from qsi_desktop.services.profile import profile_dict
from qsi_desktop.store.workspace import Workspace


@dataclass
class WorkspaceReportContext:
    """Read-only: records (current, upgraded, by date range), modalities provided, checklist answers."""

    ws: Workspace
    app: App
    as_of: date = field(default_factory=date.today)

    def records(self, importer: str, *, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        return importing.records_for(self.ws, self.app, importer, since=since, until=until)

    def modalities(self) -> frozenset[str]:
        return frozenset(profile_dict(self.ws)["modalities"])

    def checklist_answers(self, template_id: str) -> dict[str, dict[str, Any]]:
        answers = checklists.responses(self.ws, template_id)
        return {key: {"answer": r.answer, "note": r.note} for (_template, key), r in answers.items()}
