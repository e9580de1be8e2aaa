"""Report section: the CT registers and checklists the service keeps, and the statements they evidence.

Until the CT dose importer arrives (a later issue) this is what the CT plugin adds to the pack: an
assessor sees at a glance which registers stand behind CT-901..904.
"""

from __future__ import annotations

from qsi_desktop.plugins.types import Paragraph, ReportBlock, ReportContext, ReportSection, Table
from qsi_plugin_ct.checklists import CHECKLISTS


def render_ct_drl_audit(context: ReportContext) -> list[ReportBlock]:
    from qsi_desktop.dose import report  # the drawing code only when the pack is written, not at start-up

    return report.render_ct_drl_audit(context)


def render(context: ReportContext) -> list[ReportBlock]:
    if "CT" not in context.modalities():
        return [Paragraph("The service does not provide CT: the CT-9 statements are not applicable.", style="note")]
    return [
        Paragraph(f"The CT service keeps {len(CHECKLISTS)} registers and checklists for the CT-9 statements."),
        Table(
            ("Register or checklist", "Items", "Quality statements"),
            tuple((t.title, str(len(t.items)), ", ".join(t.statement_refs)) for t in CHECKLISTS),
            caption="CT registers and checklists",
        ),
    ]


REGISTERS_SECTION = ReportSection(
    id="ct.registers",
    title="CT registers and checklists",
    render=render,
    modality="CT",
    order=110,
    section_ref="CT-9",
    statement_refs=("CT-901", "CT-902", "CT-903", "CT-904"),
)

# The DRL audit of the stored CT dose reports (qsi_desktop.dose.report explains which tables it uses).
DRL_AUDIT_SECTION = ReportSection(
    id="ct.drl-audit",
    title="CT dose audit against diagnostic reference levels",
    render=render_ct_drl_audit,
    modality="CT",
    order=120,
    section_ref="CT-9",
    statement_refs=("CT-904", "CT-901", "XR-501", "XR-604"),
)

REPORT_SECTIONS: tuple[ReportSection, ...] = (REGISTERS_SECTION, DRL_AUDIT_SECTION)
