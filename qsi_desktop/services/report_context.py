"""The :class:`~qsi_desktop.plugins.types.ReportContext` a workspace gives plugin report sections,
which sections apply to the service, and rendering them through the plugin guard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from qsi_desktop.export.names import evidence_label
from qsi_desktop.plugins import guard
from qsi_desktop.plugins.types import REPORT_BLOCK_TYPES, ReportBlock, ReportContext, ReportSection
from qsi_desktop.services import checklists, evidence, importing, readiness, registers, zone_maps
from qsi_desktop.services.app import App
from qsi_desktop.services.applies import applicable_refs
from qsi_desktop.services.profile import profile_dict
from qsi_desktop.store.workspace import Workspace
from qsi_desktop.zone_maps import ZoneMap


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

    def profile(self) -> dict[str, Any]:
        data = profile_dict(self.ws)
        return {key: data[key] for key in ("name", "organisation", "sites", "modalities", "scopes")}

    def statements(self) -> list[dict[str, Any]]:
        return readiness.readiness(self.ws, self.app, today=self.as_of).to_dict()["statements"]

    def evidence(self) -> list[dict[str, Any]]:
        return [
            {
                "id": item.id,
                "label": evidence_label(item.id),
                "title": item.title,
                "version": item.version,
                "owner": item.owner,
                "review_due_on": item.review_due_on.isoformat() if item.review_due_on else None,
                "statements": sorted(item.refs),
                "review_overdue": item.review_overdue(self.as_of),
            }
            for item in evidence.list_evidence(self.ws)
        ]

    def register_rows(self, register_id: str) -> list[dict[str, Any]]:
        return registers.rows_for_report(self.ws, self.app, register_id)

    def zone_map(self, register_id: str, row_id: int) -> ZoneMap | None:
        register, _spec = zone_maps.find_zone_map_register(self.app, register_id)
        return zone_maps.load(self.ws, register, row_id)


def applicable_sections(app: App, context: WorkspaceReportContext) -> list[ReportSection]:
    """Plugin report sections for this service: its modality provided (if it has one) and, when it
    names statements, at least one of them applicable."""
    provided = context.modalities()
    applicable = applicable_refs(context.ws, app)
    return [
        s
        for s in app.plugins.report_sections()
        if (s.modality is None or s.modality in provided)
        and (not s.statement_refs or bool(set(s.statement_refs) & applicable))
    ]


def render_section(app: App, section: ReportSection, context: ReportContext) -> list[ReportBlock]:
    """A plugin section's blocks, through the plugin guard; anything but report blocks is refused."""
    plugin = app.plugins.plugin_of(section)
    what = f"report section {section.id}"
    blocks = guard.call(plugin, what, section.render, context)
    if not isinstance(blocks, list) or not all(isinstance(b, REPORT_BLOCK_TYPES) for b in blocks):
        raise guard.PluginError(
            plugin,
            what,
            TypeError("render must return a list of report blocks (Paragraph, Heading, Table, BulletList, Figure)"),
        )
    return blocks
