"""A modality's summaries as the pack will print them: its plugins' report sections, rendered now.

The Modalities area shows these beside the checklists and registers, so a modality lead sees the
decontamination compliance, the activity outliers or the DRL audit the moment a log is imported,
not only in the Word pack or on the command line. The same sections, the same guard: a section
that fails shows its one-line reason and the others still show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from qsi_desktop.plugins import guard
from qsi_desktop.plugins.types import ReportBlock, ReportSection
from qsi_desktop.services.app import App
from qsi_desktop.services.report_context import WorkspaceReportContext, applicable_sections, render_section
from qsi_desktop.store.workspace import Workspace


@dataclass(frozen=True)
class SectionSummary:
    id: str
    title: str
    blocks: tuple[ReportBlock, ...] = ()
    error: str = ""  # why the section could not be drawn (a plugin fault), instead of its blocks


def summarised_modalities(ws: Workspace, app: App) -> set[str]:
    """The modalities with at least one report section that applies to the service (one read of the profile)."""
    return {s.modality for s in applicable_sections(app, WorkspaceReportContext(ws, app)) if s.modality}


def sections_for(ws: Workspace, app: App, modality: str) -> list[ReportSection]:
    """The report sections of ``modality`` that apply to the service, in the pack's order."""
    context = WorkspaceReportContext(ws, app)
    found = [s for s in applicable_sections(app, context) if s.modality == modality]
    return sorted(found, key=lambda s: (s.order, s.title))


def modality_summaries(ws: Workspace, app: App, modality: str, *, as_of: date | None = None) -> list[SectionSummary]:
    """Each applicable report section of ``modality`` with its blocks (or the reason it failed)."""
    context = WorkspaceReportContext(ws, app, as_of=as_of or date.today())
    summaries = []
    for section in sections_for(ws, app, modality):
        try:
            blocks = tuple(render_section(app, section, context))
        except guard.PluginError as exc:
            summaries.append(SectionSummary(section.id, section.title, error=str(exc)))
        else:
            summaries.append(SectionSummary(section.id, section.title, blocks))
    return summaries
