"""The Word submission pack: what assessors read. Qt-free; python-docx, no Word needed.

Layout: a cover with document control; a contents field; 1 an executive summary (readiness with a
chart, counts, what is not met and the plan, overdue reviews); then one part per section of the
standard, one entry per applicable statement (its text, status, owner, narrative, review dates,
suggestions covered and by which evidence, checklist answers, actions), the not-applicable
statements with their justification, and the plugins' own sections placed with their part;
appendices: the evidence index (every ``E-014`` in the text links to its row), the action plan and
plugin sections that belong to no part.

Accessibility (public-sector guidance): built-in heading styles in order, alt text on every
picture with its data also as a table, data tables with a marked header row and no merged cells,
a sans-serif font of at least 12 pt, left-aligned text, a meaningful document title.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from docx.document import Document as DocumentObject
from docx.text.paragraph import Paragraph as DocxParagraph

from qsi_desktop.catalogue.model import Statement
from qsi_desktop.export import docx_tools as dx
from qsi_desktop.export.bundle import ExportCancelled
from qsi_desktop.export.names import evidence_label
from qsi_desktop.export.pack_data import PackData, PackOptions, PluginPart, SectionPart, StatementEntry, gather
from qsi_desktop.plugins.types import BulletList, Cell, Figure, Heading, Paragraph, ReportBlock, StatusCell, Table
from qsi_desktop.services.app import App
from qsi_desktop.services.values import STATUS_LABELS
from qsi_desktop.store.models import STATUSES
from qsi_desktop.store.workspace import Workspace

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]
ACTION_LABELS = {"open": "Open", "in_progress": "In progress", "done": "Done", "cancelled": "Cancelled"}
ANSWER_LABELS = {"yes": "Yes", "partial": "Partial", "no": "No", "n/a": "N/A", "": "-"}


@dataclass
class PackSummary:
    path: Path
    statements: int = 0  # entries written (applicable statements)
    evidence: int = 0
    pictures: int = 0
    tables: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # time per stage


def long_date(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else "-"


def cell_text(value: Cell) -> str:
    """One formatting for every table: dates written out, numbers with separators, statuses labelled."""
    if value is None:
        return ""
    if isinstance(value, StatusCell):
        return STATUS_LABELS.get(value.status, value.status)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, date):
        return long_date(value)
    return str(value)


def write_pack(
    ws: Workspace,
    app: App,
    out: Path,
    options: PackOptions,
    *,
    template: Path | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> PackSummary:
    """Write the pack to ``out`` (through a temporary file: a failed or cancelled export leaves
    nothing, and an existing pack is replaced only by a complete one)."""
    progress = progress or (lambda done, total, message: None)
    started = time.perf_counter()
    data = gather(ws, app, options, progress)
    summary = render_pack(data, out, template=template, progress=progress, cancel=cancel)
    summary.seconds = {
        "read workspace": time.perf_counter() - started - sum(summary.seconds.values()),
        **summary.seconds,
    }
    return summary


def render_pack(
    data: PackData,
    out: Path,
    *,
    template: Path | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> PackSummary:
    """Lay out what :func:`gather` read and save it to ``out``."""
    progress = progress or (lambda done, total, message: None)
    gathered = time.perf_counter()
    writer = _PackWriter(data, template, progress, cancel or (lambda: False))
    writer.write()
    laid_out = time.perf_counter()
    _save(writer.document, out)
    summary = writer.summary
    summary.path = out
    summary.seconds = {"lay out": laid_out - gathered, "save": time.perf_counter() - laid_out}
    return summary


def _save(document: DocumentObject, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".qsi-pack-", suffix=".docx", dir=out.parent)
    os.close(handle)
    try:
        document.save(temporary)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class _PackWriter:
    def __init__(self, data: PackData, template: Path | None, progress: Progress, cancel: Cancel) -> None:
        self.data = data
        self.document = dx.new_document(template)
        self.progress = progress
        self.cancel = cancel
        self.summary = PackSummary(path=Path())
        self.numbers = [0, 0]  # the part and the entry within it: "3.2"
        self.evidence = data.evidence_by_id()
        self.contents: list[tuple[int, str, str]] = []  # (level, text, bookmark) of each heading
        self.contents_at: DocxParagraph | None = None

    # -- structure ------------------------------------------------------------------------------------

    def write(self) -> None:
        data = self.data
        control = data.options.control
        title = f"{data.service}: QSI self-assessment"
        dx.set_properties(
            self.document,
            title=title,
            author=control.author or data.service,
            subject=f"{data.framework_title} {data.framework_version}".strip(),
            keywords="QSI, Quality Standard for Imaging, self-assessment, evidence",
        )
        dx.set_update_fields_on_open(self.document)
        self._cover(title)
        self._contents()
        self._executive_summary()
        total = len(data.parts)
        for number, part in enumerate(data.parts, start=1):
            if self.cancel():
                raise ExportCancelled("the export was cancelled: nothing was written")
            self.progress(number - 1, total, f"writing {part.section.label}")
            self._part(part)
        self._evidence_index()
        self._action_plan()
        for part in data.appendix_parts:
            self._appendix_plugin(part)
        self._fill_contents()
        dx.page_footer(
            self.document,
            f"{data.service}: QSI self-assessment v{control.version} {control.status.lower()}   |   "
            "Uncontrolled when printed",
        )

    def heading(self, text: str, level: int) -> None:
        """Numbered headings from the built-in styles: the navigation pane and contents use them."""
        if level == 1:
            self.numbers = [self.numbers[0] + 1, 0]
            text = f"{self.numbers[0]} {text}"
        elif level == 2:
            self.numbers[1] += 1
            text = f"{self.numbers[0]}.{self.numbers[1]} {text}"
        self._add_heading(text, level)

    def appendix_heading(self, text: str) -> None:
        self.numbers = [self.numbers[0], 0]
        self._add_heading(text, 1)

    def _add_heading(self, text: str, level: int) -> None:
        paragraph = self.document.add_heading(text, level=level)
        if level <= 2:  # the static contents list: parts and entries
            anchor = f"h{len(self.contents) + 1}"
            dx.add_bookmark(paragraph, anchor)
            self.contents.append((level, text, anchor))

    def _fill_contents(self) -> None:
        """Write the contents field at the end, then move it under the Contents heading."""
        assert self.contents_at is not None
        body = self.document.element.body
        before = len(body)
        dx.add_contents(self.document, self.contents)
        added = list(body)[before - 1 : len(body) - 1]  # the new paragraphs sit before the final sectPr
        for element in reversed(added):
            self.contents_at._p.addnext(element)

    def para(self, text: str, *, bold_label: str = "", style: str | None = None) -> None:
        paragraph = self.document.add_paragraph(style=style)
        if bold_label:
            paragraph.add_run(bold_label).bold = True
        paragraph.add_run(text)

    def label(self, text: str) -> None:
        """A bold run-in label for the parts of an entry: not a heading, so the contents stay short."""
        paragraph = self.document.add_paragraph()
        paragraph.add_run(text).bold = True
        paragraph.paragraph_format.keep_with_next = True
        paragraph.paragraph_format.space_before = dx.Pt(6)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        caption: str = "",
        *,
        links: Sequence[int] = (),
        bookmarks: int | None = None,
        weights: Sequence[float] | None = None,
    ) -> None:
        if caption:
            caption_paragraph = self.document.add_paragraph(caption, style="Caption")
            caption_paragraph.paragraph_format.keep_with_next = True
        dx.add_table(self.document, header, rows, links=links, bookmarks=bookmarks, weights=weights)
        self.document.add_paragraph()
        self.summary.tables += 1

    # -- cover, contents, summary -----------------------------------------------------------------------

    def _cover(self, title: str) -> None:
        data, control = self.data, self.data.options.control
        self.document.add_paragraph(title, style="Title")
        framework = f"{data.framework_title}, {data.framework_version}".strip(", ")
        rows = [
            ("Service", data.service),
            ("Organisation", data.organisation or "-"),
            ("Sites", "; ".join(data.sites) or "-"),
            ("Modalities provided", ", ".join(data.modalities) or "none (sections XR-1 to XR-8 only)"),
            ("Framework", framework),
            ("Framework owners", data.framework_owners or "-"),
            ("Position at", long_date(data.options.as_of)),
            ("Prepared by", control.author or "-"),
        ]
        self.table(("Item", "Detail"), rows, caption="About this self-assessment", weights=(1, 2.4))
        self.table(
            ("Version", "Author", "Approver", "Date", "Status"),
            [
                (
                    control.version,
                    control.author or "-",
                    control.approver or "-",
                    long_date(data.options.as_of),
                    control.status,
                )
            ],
            caption="Document control",
        )
        self.para(
            "Evidence is referred to by its identifier (for example E-001); each links to its entry in the "
            "evidence index (appendix), which gives its version, owner, review date and SHA-256 fingerprint."
        )
        dx.page_break(self.document)

    def _contents(self) -> None:
        self.contents_at = self.document.add_heading("Contents", level=1)  # unnumbered, not in the list
        dx.page_break(self.document)

    def _executive_summary(self) -> None:
        data, state = self.data, self.data.readiness
        self.heading("Executive summary", 1)
        applicable = sum(1 for s in state.statements if s.applicable)
        met = state.counts.get("met", 0)
        self.para(
            f"Readiness is {state.readiness_percent:.1f}%: {met} of the {applicable} statements that apply to "
            f"{data.service} are met and {state.counts.get('partially_met', 0)} partially met (a partially met "
            f"statement counts half). {state.counts.get('not_applicable', 0)} statements do not apply, each "
            "with its reason in its part."
        )
        self.heading("Readiness by section", 2)
        self._figure(_readiness_figure(data))
        self.heading("Statements by status", 2)
        self.table(("Status", "Statements"), [(STATUS_LABELS[s], cell_text(state.counts.get(s, 0))) for s in STATUSES])
        self.heading("What is not met, and the plan", 2)
        gaps = [e for part in data.parts for e in part.applicable if e.status in ("not_met", "partially_met")]
        if gaps:
            rows = []
            for entry in gaps:
                plan = "; ".join(
                    f"{a.description} ({a.owner or 'no owner'}, due {long_date(a.due_on)})"
                    for a in entry.actions
                    if a.is_open
                )
                rows.append((entry.statement.ref, STATUS_LABELS[entry.status], plan or "No open action yet"))
            self.table(("Statement", "Status", "Actions (owner, due)"), rows, weights=(1.3, 1.3, 4))
        else:
            self.para("Every statement that applies is met, in progress or not yet started: none is not met.")
        self.heading("Reviews overdue", 2)
        if state.overdue_reviews:
            self.document.add_paragraph(
                f"{len(state.overdue_reviews)} statements are past their next review date: "
                + ", ".join(state.overdue_reviews)
                + "."
            )
        else:
            self.para(f"No statement is past its next review date on {long_date(data.options.as_of)}.")
        overdue_evidence = [e for e in data.evidence if e.review_overdue(data.options.as_of)]
        if overdue_evidence:
            self.para(
                f"{len(overdue_evidence)} evidence documents are past their review date (flagged in the evidence "
                "index)."
            )

    # -- parts ------------------------------------------------------------------------------------------

    def _part(self, part: SectionPart) -> None:
        dx.page_break(self.document)
        self.heading(part.section.label, 1)
        if part.section.introduction and self.data.options.standard_text:
            self.para(part.section.introduction)
        applicable = part.applicable
        if not applicable:
            self.para("No statement of this section applies to the service.")
        for entry in applicable:
            self._entry(entry)
        if part.not_applicable:
            self.heading("Statements that do not apply", 2)
            self.table(
                ("Statement", "Name", "Why it does not apply"),
                [
                    (e.statement.ref, e.statement.name, e.reason or "no justification recorded")
                    for e in part.not_applicable
                ],
                caption=f"{part.section.ref} statements that do not apply",
                weights=(1, 3, 3),
            )
        for plugin_part in part.plugin_parts:
            self.heading(plugin_part.section.title, 2)
            self._blocks(plugin_part)

    def _entry(self, entry: StatementEntry) -> None:
        st, record = entry.statement, entry.assessment
        self.heading(f"{st.ref} {st.name}", 2)
        self.summary.statements += 1
        if self.data.options.standard_text:
            self.label("Quality statement")
            self.para(st.statement)
        rows = [
            ("Status", STATUS_LABELS[entry.status]),
            ("Owner", record.owner or "-"),
            ("Last reviewed", long_date(record.last_reviewed_on)),
            ("Next review", long_date(record.next_review_on)),
            (
                "Signed off",
                f"{record.signed_off_by}, {long_date(record.signed_off_on)}" if record.signed_off_by else "-",
            ),
        ]
        self.table(("Item", "Detail"), rows, weights=(1, 2.4))
        self.label("Self-assessment")
        for text in (record.narrative or "No narrative recorded yet.").split("\n"):
            if text.strip():
                self.para(text.strip())
        self._suggestions(st, entry)
        if entry.checklist:
            self.label("Checklist answers")
            self.table(
                ("Checklist", "Item", "Answer", "Note", "Evidence"),
                [
                    (
                        line.template,
                        line.item,
                        ANSWER_LABELS.get(line.answer, line.answer),
                        line.note or "-",
                        evidence_label(line.evidence_id) if line.evidence_id in self.evidence else "",
                    )
                    for line in entry.checklist
                ],
                links=(4,),
                weights=(2, 3, 1, 2.4, 1.1),
            )
        if entry.actions:
            self.label("Actions")
            self.table(
                ("Action", "Owner", "Due", "Status"),
                [
                    (a.description, a.owner or "-", long_date(a.due_on), ACTION_LABELS.get(a.status, a.status))
                    for a in entry.actions
                ],
                weights=(4, 2, 1.6, 1.3),
            )

    def _suggestions(self, st: Statement, entry: StatementEntry) -> None:
        """Which suggestions are covered, and by which evidence (ids link to the index)."""
        self.label("Evidence")
        if not entry.evidence:
            self.para("No evidence linked yet.")
            return
        by_key: dict[str, list[str]] = {}
        for item in entry.evidence:
            for target in item.targets:
                if target.ref == st.ref:
                    by_key.setdefault(target.suggestion, []).append(evidence_label(item.id))
        rows = []
        if "" in by_key:
            rows.append(("The statement as a whole", ", ".join(sorted(set(by_key[""])))))
        texts = _suggestion_texts(st)
        for key, ids in sorted((k, v) for k, v in by_key.items() if k):
            rows.append((f"Suggestion {key}: {_short(texts.get(key, ''))}", ", ".join(sorted(set(ids)))))
        self.table(("Covers", "Evidence"), rows, links=(1,), weights=(3, 1))

    # -- plugin blocks ------------------------------------------------------------------------------------

    def _blocks(self, part: PluginPart) -> None:
        for block in part.blocks:
            self._block(block)

    def _block(self, block: ReportBlock) -> None:
        if isinstance(block, Paragraph):
            label = {"note": "Note: ", "warning": "Warning: "}.get(block.style, "")
            self.para(block.text, bold_label=label)
        elif isinstance(block, Heading):
            self.document.add_heading(block.text, level=3)  # within a plugin section: never out of order
        elif isinstance(block, BulletList):
            for item in block.items:
                self.document.add_paragraph(item, style="List Bullet")
        elif isinstance(block, Table):
            self._data_table(block)
        elif isinstance(block, Figure):
            self._figure(block)

    def _data_table(self, block: Table) -> None:
        rows = [[cell_text(value) for value in row] for row in block.rows]
        if block.landscape:
            dx.start_section(self.document, landscape=True)
        weights = block.weights if len(block.weights) == len(block.columns) else _weights(block.columns, rows)
        self.table(block.columns, rows, caption=block.caption, weights=weights)
        if block.landscape:
            dx.start_section(self.document, landscape=False)

    def _figure(self, figure: Figure) -> None:
        caption = self.document.add_paragraph(figure.caption, style="Caption")
        caption.paragraph_format.keep_with_next = True
        width = min(figure.width_cm, dx.usable_width_cm(self.document))
        dx.add_picture(self.document, figure.png, width_cm=width, alt_text=figure.alt_text, title=figure.caption)
        self.summary.pictures += 1
        if figure.table is not None:
            self._data_table(figure.table)

    # -- appendices ---------------------------------------------------------------------------------------

    def _evidence_index(self) -> None:
        data = self.data
        dx.start_section(self.document, landscape=True)
        self.appendix_heading("Appendix A: Evidence index")
        self.para(
            "Every current evidence item. Files are identified by their SHA-256 fingerprint, which the evidence "
            "bundle's manifest repeats; 'Past review' marks a document whose review date has passed."
        )
        rows = []
        for item in data.evidence:
            rows.append(
                (
                    evidence_label(item.id),
                    item.title,
                    item.document_ref or "-",
                    item.version or "-",
                    item.owner or "-",
                    long_date(item.approved_on),
                    long_date(item.review_due_on),
                    ", ".join(str(t) for t in item.targets),
                    item.file_sha256 or item.link_url or "",
                    "Past review" if item.review_overdue(data.options.as_of) else "",
                )
            )
        self.table(
            (
                "Id",
                "Title",
                "Doc ref",
                "Version",
                "Owner",
                "Approved",
                "Review due",
                "Statements",
                "SHA-256 or link",
                "Flag",
            ),
            rows,
            caption="Evidence index",
            bookmarks=0,
            weights=(1.6, 4, 2.2, 2, 2.5, 2.3, 2.3, 2.6, 5, 1.8),
        )
        self.summary.evidence = len(rows)

    def _action_plan(self) -> None:
        data = self.data
        self.appendix_heading("Appendix B: Action plan")
        rows = [
            (
                a.statement_ref,
                a.description,
                a.owner or "-",
                long_date(a.due_on),
                ACTION_LABELS.get(a.status, a.status) + (" (overdue)" if a.overdue(data.options.as_of) else ""),
                long_date(a.completed_on) if a.completed_on else "-",
            )
            for a in sorted(data.actions, key=lambda a: (a.statement_ref, a.due_on or date.max))
        ]
        if rows:
            self.table(
                ("Statement", "Action", "Owner", "Due", "Status", "Completed"),
                rows,
                caption="Action plan",
                weights=(1.3, 5, 2.5, 1.8, 1.8, 1.8),
            )
        else:
            self.para("No actions recorded.")

    def _appendix_plugin(self, part: PluginPart) -> None:
        self.appendix_heading(f"Appendix: {part.section.title}")
        self._blocks(part)


def _weights(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[float]:
    """Column widths from what the columns hold, in characters, filled in three rounds while the page
    has room: first each column's longest word in its cells (a word broken in the middle of a cell,
    "recorde-d", reads worst), then its longest header word (bold), then its average text, so long text
    wraps and short numbers stay narrow. Relative widths: the table spans the text width."""
    sample = rows[:200]
    cell_words: list[float] = []
    head_words: list[float] = []
    typical: list[float] = []
    for column, title in enumerate(header):
        cells = [row[column] for row in sample if column < len(row)]
        cell_word = min(max((len(word) for cell in cells for word in cell.split()), default=0), MAX_WORD)
        head_word = max((len(word) for word in title.split()), default=0) * HEADER_WORD_WIDTH
        average = sum(map(len, cells)) / len(cells) if cells else 0.0
        cell_words.append(cell_word + CELL_PADDING)
        head_words.append(max(cell_word, head_word) + CELL_PADDING)
        typical.append(min(max(average + CELL_PADDING, head_words[-1]), MAX_TYPICAL))
    widths = cell_words
    room = PAGE_CHARACTERS - sum(widths)
    for wanted in (head_words, typical):
        more = sum(w - now for w, now in zip(wanted, widths, strict=True))
        if room <= 0 or more <= 0:
            continue
        share = min(1.0, room / more)
        widths = [now + (w - now) * share for w, now in zip(wanted, widths, strict=True)]
        room -= more * share
    return [max(width, 1.0) for width in widths]


PAGE_CHARACTERS = 72.0  # what a row of the portrait text width holds, in average body characters
HEADER_WORD_WIDTH = 1.2  # a bold character, in average body characters (DejaVu Sans, measured on the pack)
CELL_PADDING = 2.5  # the cell's margins, in characters
MAX_WORD = 24  # a longer "word" (a path, a URL) may break: it must not take the whole table
MAX_TYPICAL = 42.0


def _suggestion_texts(statement: Statement) -> dict[str, str]:
    texts: dict[str, str] = {}
    for number, item in enumerate(statement.suggestions, start=1):
        texts[str(number)] = item.text
        for index, sub in enumerate(item.items, start=1):
            texts[f"{number}.{sub.label or index}"] = sub.text
    return texts


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _readiness_figure(data: PackData) -> Figure:
    from qsi_desktop.export import charts

    state = data.readiness
    wanted = {part.section.label for part in data.parts}
    sections = [(label, counts) for label, counts in state.sections.items() if label in wanted]
    return charts.readiness_by_section(sections, overall_percent=state.readiness_percent)
