"""Report section: the IR registers and checklists the service keeps, and the statements they evidence.

Until the IR dose importer arrives (a later issue) this is what the IR plugin adds to the pack: an
assessor sees at a glance which registers stand behind IR-901..905.
"""

from __future__ import annotations

from qsi_desktop.plugins.types import Paragraph, ReportBlock, ReportContext, ReportSection, Table
from qsi_plugin_ir.checklists import CHECKLISTS


# the drawing code only when the pack is written, not at start-up
def render_ir_dose_audit(context: ReportContext) -> list[ReportBlock]:
    from qsi_desktop.dose import report

    return report.render_ir_dose_audit(context)


def render_ir_high_dose(context: ReportContext) -> list[ReportBlock]:
    from qsi_desktop.dose import report

    return report.render_ir_high_dose(context)


def render(context: ReportContext) -> list[ReportBlock]:
    if "IR" not in context.modalities():
        return [
            Paragraph(
                "The service does not provide interventional radiology: the IR-9 statements are not applicable.",
                style="note",
            )
        ]
    return [
        Paragraph(f"The IR service keeps {len(CHECKLISTS)} registers and checklists for the IR-9 statements."),
        Table(
            ("Register or checklist", "Items", "Quality statements"),
            tuple((t.title, str(len(t.items)), ", ".join(t.statement_refs)) for t in CHECKLISTS),
            caption="IR registers and checklists",
        ),
    ]


REGISTERS_SECTION = ReportSection(
    id="ir.registers",
    title="IR registers and checklists",
    render=render,
    modality="IR",
    order=210,
    section_ref="IR-9",
    statement_refs=("IR-901", "IR-902", "IR-903", "IR-904", "IR-905"),
)

# The fluoroscopy dose audit and the skin-dose follow-up list (qsi_desktop.dose.report).
DOSE_AUDIT_SECTION = ReportSection(
    id="ir.dose-audit",
    title="Fluoroscopy dose audit by procedure",
    render=render_ir_dose_audit,
    modality="IR",
    order=220,
    section_ref="IR-9",
    statement_refs=("IR-901", "IR-903", "XR-501", "XR-604"),
)
HIGH_DOSE_SECTION = ReportSection(
    id="ir.high-dose",
    title="IR high-dose studies for skin-dose follow-up",
    render=render_ir_high_dose,
    modality="IR",
    order=230,
    section_ref="IR-9",
    statement_refs=("IR-901", "XR-501"),
)

REPORT_SECTIONS: tuple[ReportSection, ...] = (REGISTERS_SECTION, DOSE_AUDIT_SECTION, HIGH_DOSE_SECTION)
