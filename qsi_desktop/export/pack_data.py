"""Everything the submission pack shows, read once from the workspace through the services.

The pack writer lays out a :class:`PackData`; it never queries the workspace itself, so the content
can be checked (and benchmarked) apart from the layout, and a pack is one consistent reading.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from qsi_desktop.catalogue.loader import core_framework_path, load_framework_file
from qsi_desktop.catalogue.model import Section, Statement
from qsi_desktop.plugins.types import ChecklistTemplate, Paragraph, ReportBlock, ReportSection, Table
from qsi_desktop.services import actions, applicability, checklists, evidence, readiness
from qsi_desktop.services.app import App
from qsi_desktop.services.assessments import get_profile
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.profile import profile_dict
from qsi_desktop.services.readiness import Readiness
from qsi_desktop.services.records import (
    ActionRecord,
    AssessmentRecord,
    ChecklistAnswer,
    EvidenceRecord,
    assessment_record,
)
from qsi_desktop.services.report_context import WorkspaceReportContext, applicable_sections, render_section
from qsi_desktop.store.workspace import Workspace

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class DocumentControl:
    """The pack's own document control: what the cover's table shows."""

    version: str = "1.0"
    status: str = "Draft"  # "Draft" or "Final"
    author: str = ""
    approver: str = ""


@dataclass(frozen=True)
class PackOptions:
    sections: tuple[str, ...] = ()  # section refs to include ("XR-5", "CT-9"); empty: every section
    standard_text: bool = True  # the quality statement's own words under each entry
    as_of: date = field(default_factory=date.today)
    control: DocumentControl = field(default_factory=DocumentControl)


@dataclass(frozen=True)
class ChecklistLine:
    template: str
    item: str
    answer: str
    note: str
    evidence_id: int | None


@dataclass(frozen=True)
class StatementEntry:
    statement: Statement
    status: str  # effective
    applicable: bool
    reason: str  # why not applicable (profile or justification)
    assessment: AssessmentRecord
    evidence: tuple[EvidenceRecord, ...]
    actions: tuple[ActionRecord, ...]
    checklist: tuple[ChecklistLine, ...]


@dataclass(frozen=True)
class PluginPart:
    section: ReportSection
    plugin: str
    blocks: tuple[ReportBlock, ...]


@dataclass(frozen=True)
class SectionPart:
    section: Section
    entries: tuple[StatementEntry, ...]
    plugin_parts: tuple[PluginPart, ...]

    @property
    def applicable(self) -> tuple[StatementEntry, ...]:
        return tuple(e for e in self.entries if e.applicable)

    @property
    def not_applicable(self) -> tuple[StatementEntry, ...]:
        return tuple(e for e in self.entries if not e.applicable)


@dataclass(frozen=True)
class PackData:
    service: str
    organisation: str
    sites: tuple[str, ...]
    modalities: tuple[str, ...]  # names, in section order
    framework_id: str
    framework_title: str
    framework_version: str
    framework_owners: str
    options: PackOptions
    readiness: Readiness
    parts: tuple[SectionPart, ...]
    evidence: tuple[EvidenceRecord, ...]  # every current item, by id
    actions: tuple[ActionRecord, ...]
    appendix_parts: tuple[PluginPart, ...]  # plugin sections placed with no section of the standard

    def evidence_by_id(self) -> dict[int, EvidenceRecord]:
        return {item.id: item for item in self.evidence}

    def snapshot(self) -> dict[str, Any]:
        """The workspace as submitted, as plain JSON: the next cycle compares itself with this."""

        def day(value: date | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "format": 1,
            "service": self.service,
            "organisation": self.organisation,
            "sites": list(self.sites),
            "modalities": list(self.modalities),
            "framework": {"id": self.framework_id, "title": self.framework_title, "version": self.framework_version},
            "as_of": self.options.as_of.isoformat(),
            "document": {
                "version": self.options.control.version,
                "status": self.options.control.status,
                "author": self.options.control.author,
                "approver": self.options.control.approver,
            },
            "readiness_percent": self.readiness.readiness_percent,
            "counts": dict(self.readiness.counts),
            "statements": [
                {
                    "ref": e.statement.ref,
                    "status": e.status,
                    "applicable": e.applicable,
                    "reason": e.reason,
                    "owner": e.assessment.owner,
                    "narrative": e.assessment.narrative,
                    "last_reviewed_on": day(e.assessment.last_reviewed_on),
                    "next_review_on": day(e.assessment.next_review_on),
                    "evidence": sorted(item.id for item in e.evidence),
                    "actions": sorted(action.id for action in e.actions),
                }
                for part in self.parts
                for e in part.entries
            ],
            "evidence": [
                {
                    "id": item.id,
                    "title": item.title,
                    "kind": item.kind,
                    "version": item.version,
                    "document_ref": item.document_ref,
                    "owner": item.owner,
                    "approved_on": day(item.approved_on),
                    "review_due_on": day(item.review_due_on),
                    "sha256": item.file_sha256,
                    "url": item.link_url,
                    "targets": [str(t) for t in item.targets],
                }
                for item in self.evidence
            ],
            "actions": [
                {
                    "id": a.id,
                    "statement": a.statement_ref,
                    "description": a.description,
                    "owner": a.owner,
                    "due_on": day(a.due_on),
                    "status": a.status,
                }
                for a in self.actions
            ],
        }


def gather(ws: Workspace, app: App, options: PackOptions, progress: Progress | None = None) -> PackData:
    """Read what the pack shows. Plugin sections are rendered here, through the plugin guard."""
    progress = progress or (lambda done, total, message: None)
    profile = profile_dict(ws)
    wanted = _wanted_sections(app, options.sections, set(profile["modalities"]))
    state = readiness.readiness(ws, app, today=options.as_of)
    items = [item for item in evidence.list_evidence(ws) if not item.is_unsorted]  # retired ones are left out too
    plan = actions.list_actions(ws)
    answers = checklists.responses(ws)
    templates = app.plugins.checklists()
    assessments, scopes = _assessments(ws, app), app.scopes()
    with ws.reading() as session:
        stored_profile = get_profile(session)
        applicabilities = {  # an AssessmentRecord carries the override and justification the rule reads
            st.ref: applicability.effective(st, section, stored_profile, assessments.get(st.ref), scopes)
            for section in wanted
            for st in section.statements
        }
    by_ref_evidence: dict[str, list[EvidenceRecord]] = defaultdict(list)
    for item in items:
        for ref in sorted(item.refs):
            by_ref_evidence[ref].append(item)
    by_ref_actions: dict[str, list[ActionRecord]] = defaultdict(list)
    for action in plan:
        by_ref_actions[action.statement_ref].append(action)
    by_ref_checklist = _checklist_lines(templates, answers)

    context = WorkspaceReportContext(ws, app, as_of=options.as_of)
    placed: dict[str | None, list[PluginPart]] = defaultdict(list)
    for part in register_parts(ws, app, options.as_of):
        placed[part.section.section_ref].append(part)
    plugin_sections = applicable_sections(app, context)
    for number, section in enumerate(plugin_sections, start=1):
        progress(number - 1, len(plugin_sections), f"report section {section.title}")
        blocks = tuple(render_section(app, section, context))
        placed[section.section_ref].append(PluginPart(section, app.plugins.plugin_of(section), blocks))

    wanted_refs = {s.ref for s in wanted}
    parts = []
    for section in wanted:
        entries = []
        for st in section.statements:
            appl = applicabilities[st.ref]
            record = assessments.get(st.ref, AssessmentRecord(st.ref))
            entries.append(
                StatementEntry(
                    statement=st,
                    status=applicability.effective_status(record.status, appl),
                    applicable=appl.applicable,
                    reason=appl.reason,
                    assessment=record,
                    evidence=tuple(by_ref_evidence.get(st.ref, ())),
                    actions=tuple(by_ref_actions.get(st.ref, ())),
                    checklist=tuple(by_ref_checklist.get(st.ref, ())),
                )
            )
        own = sorted(placed.get(section.ref, ()), key=lambda p: p.section.order)
        parts.append(SectionPart(section, tuple(entries), tuple(own)))
    elsewhere = [p for ref, found in placed.items() if ref not in wanted_refs for p in found]
    # A section placed in a part left out by --sections is left out with it.
    appendix = sorted((p for p in elsewhere if p.section.section_ref is None), key=lambda p: p.section.order)
    framework = _framework_meta(app)
    names = app.modalities()
    return PackData(
        service=profile["name"],
        organisation=profile["organisation"],
        sites=tuple(profile["sites"]),
        modalities=tuple(names[c].name if c in names else c for c in profile["modalities"]),
        framework_id=ws.framework_id,
        framework_title=framework[0],
        framework_version=framework[1],
        framework_owners=framework[2],
        options=options,
        readiness=state,
        parts=tuple(parts),
        evidence=tuple(sorted(items, key=lambda e: e.id)),
        actions=tuple(plan),
        appendix_parts=tuple(appendix),
    )


def pack_sections(app: App, provided: Collection[str]) -> list[Section]:
    """The sections a service's pack can hold: every XR section and those of the modalities provided."""
    return [s for s in app.catalogue.sections if s.modality is None or s.modality in provided]


def register_parts(ws: Workspace, app: App, as_of: date) -> list[PluginPart]:
    """Each register that applies as a dated table in its modality's part (or an appendix), its flags
    beside each row: the register is evidence for its statements as it stands on ``as_of``."""
    from qsi_desktop.services import registers

    sections = {code: m.section_ref for code, m in app.modalities().items()}
    parts = []
    for register in registers.applicable_registers(ws, app):
        if not register.in_pack:
            continue
        rows = registers.list_rows(ws, register)
        blocks: list[ReportBlock] = []
        if register.description:
            blocks.append(Paragraph(register.description))
        if rows:
            flagged = [(row, registers.row_flags(app, register, row.values, as_of)) for row in rows]
            blocks.append(
                Paragraph(
                    f"{len(rows)} entries on {as_of.day} {as_of:%B %Y}; "
                    f"{sum(1 for _, flags in flagged if flags)} with something to look at."
                )
            )
            header = (*(f.label + (f" ({f.unit})" if f.unit else "") for f in register.fields), "Flags")
            table_rows = tuple(
                (*(registers.display(f, row.values.get(f.key)) for f in register.fields), "; ".join(flags))
                for row, flags in flagged
            )
            blocks.append(Table(header, table_rows, caption=register.title, landscape=len(header) > 7))
        else:
            blocks.append(Paragraph("No entries recorded yet.", style="note"))
        section = ReportSection(
            id=f"register:{register.id}",
            title=register.title,
            render=lambda context: [],
            modality=register.modality,
            statement_refs=register.statement_refs,
            section_ref=sections.get(register.modality or ""),
            order=50,
        )
        parts.append(PluginPart(section, app.plugins.plugin_of(register), tuple(blocks)))
    return parts


def _wanted_sections(app: App, refs: Sequence[str], provided: set[str]) -> list[Section]:
    """The sections asked for (all by default), leaving out modalities the service does not provide."""
    sections = pack_sections(app, provided)
    if not refs:
        return sections
    wanted = {ref.strip().upper() for ref in refs if ref.strip()}
    unknown = sorted(wanted - {s.ref for s in sections})
    if unknown:
        raise UserError(
            f"no section {', '.join(unknown)} in this service's pack; sections: {', '.join(s.ref for s in sections)}"
        )
    return [s for s in sections if s.ref in wanted]


def _assessments(ws: Workspace, app: App) -> dict[str, AssessmentRecord]:
    from sqlalchemy import select

    from qsi_desktop.store.models import Assessment

    with ws.reading() as session:
        rows = session.scalars(select(Assessment).where(Assessment.framework_id == ws.framework_id))
        return {row.statement_ref: assessment_record(row) for row in rows}


def _checklist_lines(
    templates: Sequence[ChecklistTemplate], answers: dict[tuple[str, str], ChecklistAnswer]
) -> dict[str, list[ChecklistLine]]:
    """Answered checklist items under each statement they give evidence for."""
    lines: dict[str, list[ChecklistLine]] = defaultdict(list)
    for template in templates:
        for item in template.items:
            answer = answers.get((template.id, item.key))
            if answer is None or not (answer.answer or answer.note or answer.evidence_id):
                continue
            line = ChecklistLine(template.title, item.text, answer.answer, answer.note, answer.evidence_id)
            for ref in item.statement_refs or template.statement_refs:
                lines[ref].append(line)
    return lines


def _framework_meta(app: App) -> tuple[str, str, str]:
    """Title, version and owners of the framework, from the core's data file when it has one."""
    try:
        framework = load_framework_file(core_framework_path(app.framework_id))
    except Exception:  # a framework only plugins provide: its id is all we know
        return (app.framework_id, "", "")
    return (framework.title, framework.version, framework.owners)
