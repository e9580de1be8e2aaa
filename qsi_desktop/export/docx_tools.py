"""python-docx techniques the pack needs and python-docx has no API for, kept in one place.

Fields (contents, page numbers) are complex fields; a repeating header row is ``w:tblHeader``;
picture alt text is ``wp:docPr/@descr``; internal links are bookmarks and ``w:hyperlink/@w:anchor``.
Big tables are built as XML rows directly: python-docx's cell API walks the whole grid for every
cell, which is quadratic for a thousand-row evidence index.
"""

from __future__ import annotations

import copy
import io
import itertools
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm, Length, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from qsi_desktop.errors import QsiError

FONT = "Arial"  # sans-serif, on every Windows desktop; LibreOffice substitutes Liberation Sans
BODY_PT = 12  # public-sector accessibility guidance: at least 12 pt
REQUIRED_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet", "Caption", "Table Grid")
_bookmark_ids = itertools.count(1)


# -- the document --------------------------------------------------------------------------------------


def new_document(template: Path | None = None) -> DocumentObject:
    """A blank document, or the user's template emptied of its body (its styles, headers, footers
    and logo kept). Styles the pack uses and the template lacks are added from Word's defaults."""
    if template is None:
        document = Document()
        _house_style(document)
        _a4(document.sections[0])
        return document
    document = _open_template(template)
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    _add_missing_styles(document)
    return document


class TemplateError(QsiError):
    """The user's template cannot be used; the message names the file."""


_TEMPLATE_TYPE = b"wordprocessingml.template.main+xml"
_DOCUMENT_TYPE = b"wordprocessingml.document.main+xml"


def _open_template(path: Path) -> DocumentObject:
    """A .docx or a Word template (.dotx: the same parts, another content type)."""
    try:
        with zipfile.ZipFile(path) as package:
            parts = {info.filename: package.read(info) for info in package.infolist()}
        types = parts.get("[Content_Types].xml", b"")
        if _TEMPLATE_TYPE in types:
            parts["[Content_Types].xml"] = types.replace(_TEMPLATE_TYPE, _DOCUMENT_TYPE)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as copy_:
            for name, content in parts.items():
                copy_.writestr(name, content)
        buffer.seek(0)
        return Document(buffer)
    except FileNotFoundError:
        raise TemplateError(f"{path}: no such template file") from None
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError) as exc:
        raise TemplateError(f"{path}: not a Word document or template (.docx, .dotx): {exc}") from None


def _house_style(document: DocumentObject) -> None:
    """Arial 12 pt, left aligned, dark headings: the default look when the user has no template."""
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    normal.paragraph_format.space_after = Pt(6)
    for name, size in (("Title", 26), ("Heading 1", 18), ("Heading 2", 14), ("Heading 3", 12), ("Caption", 12)):
        style = document.styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0x00, 0x30, 0x87)  # NHS dark blue: contrast 10:1 on white
        rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(attribute), None)  # a theme font would win over Arial
    document.styles["Caption"].font.italic = False
    document.styles["Caption"].font.bold = True


def _a4(section: Section) -> None:
    """A4 with 2 cm margins (python-docx's default page is US Letter)."""
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))


def _add_missing_styles(document: DocumentObject) -> None:
    defaults = Document()
    names = {style.name for style in document.styles}
    for name in REQUIRED_STYLES:
        if name not in names:
            document.styles.element.append(copy.deepcopy(defaults.styles[name].element))


def set_update_fields_on_open(document: DocumentObject) -> None:
    """Word offers to update the contents and page fields when the pack is opened."""
    settings = document.settings.element
    element = settings.find(qn("w:updateFields"))
    if element is None:
        element = OxmlElement("w:updateFields")
        settings.append(element)
    element.set(qn("w:val"), "true")


def set_properties(document: DocumentObject, *, title: str, author: str, subject: str, keywords: str) -> None:
    """A meaningful document title (screen readers announce it) and author."""
    properties = document.core_properties
    properties.title = title
    properties.author = author
    properties.subject = subject
    properties.keywords = keywords
    properties.comments = "Made with QSI Desktop"


# -- fields --------------------------------------------------------------------------------------------


def _field_char(paragraph: DocxParagraph, kind: str) -> None:
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    paragraph.add_run()._r.append(element)


def _field_instruction(paragraph: DocxParagraph, instruction: str) -> None:
    element = OxmlElement("w:instrText")
    element.set(qn("xml:space"), "preserve")
    element.text = f" {instruction} "
    paragraph.add_run()._r.append(element)


def add_field(paragraph: DocxParagraph, instruction: str, placeholder: str) -> None:
    """A complex field (``PAGE``, ``NUMPAGES``) with readable text until Word updates it."""
    _field_char(paragraph, "begin")
    _field_instruction(paragraph, instruction)
    _field_char(paragraph, "separate")
    paragraph.add_run(placeholder)
    _field_char(paragraph, "end")


def add_contents(document: DocumentObject, entries: Sequence[tuple[int, str, str]]) -> None:
    """A contents field (``TOC \\o "1-3" \\h \\z \\u``) whose result, until Word updates it, is
    ``entries`` (level, text, bookmark) as links: a reader whose program does not update fields
    (LibreOffice, a PDF made from it) still gets a working contents list, without page numbers."""
    first = document.add_paragraph()
    _field_char(first, "begin")
    _field_instruction(first, 'TOC \\o "1-3" \\h \\z \\u')
    _field_char(first, "separate")
    if not entries:
        first.add_run("Open the pack in Word and choose Update field to list the sections.")
    last = first
    for index, (level, text, anchor) in enumerate(entries):
        paragraph = first if index == 0 else document.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(0.8 * (level - 1))
        paragraph.paragraph_format.space_after = Pt(2)
        add_internal_link(paragraph, text, anchor)
        last = paragraph
    _field_char(last, "end")


def page_footer(document: DocumentObject, text: str) -> None:
    """ "Page N of M" and ``text`` in every section's footer, unless a template brought a footer."""
    for section in document.sections:
        footer = section.footer
        if any(p.text.strip() for p in footer.paragraphs):
            continue  # the user's template has its own footer: keep it
        paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        paragraph.text = ""
        paragraph.add_run("Page ")
        add_field(paragraph, "PAGE", "1")
        paragraph.add_run(" of ")
        add_field(paragraph, "NUMPAGES", "1")
        paragraph.add_run(f"   |   {text}")


# -- links ---------------------------------------------------------------------------------------------


def anchor_for(label: str) -> str:
    """A bookmark name for a label such as ``E-014``: Word allows letters, digits and underscores."""
    return "".join(ch if ch.isalnum() else "_" for ch in label)


def add_bookmark(paragraph: DocxParagraph, name: str) -> None:
    """Mark ``paragraph`` as the target ``name`` of internal links."""
    number = str(next(_bookmark_ids))
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), number)
    start.set(qn("w:name"), name)
    end.set(qn("w:id"), number)
    paragraph._p.insert(0 if paragraph._p.pPr is None else 1, start)
    paragraph._p.append(end)


def add_internal_link(paragraph: DocxParagraph, text: str, anchor: str) -> None:
    """``text`` as a link to the bookmark ``anchor`` (underlined blue, as readers expect a link)."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), anchor)
    link.set(qn("w:history"), "1")
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    colour, underline = OxmlElement("w:color"), OxmlElement("w:u")
    colour.set(qn("w:val"), "005EB8")
    underline.set(qn("w:val"), "single")
    rpr.append(colour)
    rpr.append(underline)
    run.append(rpr)
    element = OxmlElement("w:t")
    element.text = text
    element.set(qn("xml:space"), "preserve")
    run.append(element)
    link.append(run)
    paragraph._p.append(link)


# -- tables --------------------------------------------------------------------------------------------


def add_table(
    document: DocumentObject,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    weights: Sequence[float] | None = None,
    links: Sequence[int] = (),
    bookmarks: int | None = None,
) -> DocxTable:
    """A data table: a marked header row (repeated on each page), no merged cells, plain text cells.

    ``links``: columns whose cells (comma-separated ids such as ``E-001, E-014``) become internal
    links, each to the bookmark of its id. ``bookmarks``: a column whose cell text becomes a
    bookmark (the evidence index's id column). ``weights``: relative column widths; the table
    spans the text width of the page it is on.
    """
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    table.autofit = False
    widths = _column_widths(document, weights or [1.0] * len(header))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    header_row = table.rows[0]
    for cell, text in zip(header_row.cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
    trpr = header_row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    trpr.append(marker)
    for cell, width in zip(header_row.cells, widths, strict=True):
        cell.width = width
    template_tr = _plain_row(widths)
    tbl = table._tbl
    for values in rows:
        tr = copy.deepcopy(template_tr)
        for column, (tc, value) in enumerate(zip(tr.iterchildren(qn("w:tc")), values, strict=True)):
            paragraph = DocxParagraph(tc.find(qn("w:p")), table)
            if column in links and value:
                for index, part in enumerate(str(value).split(", ")):
                    if index:
                        paragraph.add_run(", ")
                    add_internal_link(paragraph, part, anchor_for(part))
            else:
                paragraph.add_run(str(value))
            if bookmarks == column and value:
                add_bookmark(paragraph, anchor_for(str(value)))
        tbl.append(tr)
    return table


def _column_widths(document: DocumentObject, weights: Sequence[float]) -> list[Length]:
    total = sum(weights)
    usable = usable_width_cm(document)
    return [Cm(usable * weight / total) for weight in weights]


def _plain_row(widths: Sequence[Length]) -> object:
    """A row of empty cells with their widths, copied for every data row."""
    tr = OxmlElement("w:tr")
    for width in widths:
        tc = OxmlElement("w:tc")
        tcpr = OxmlElement("w:tcPr")
        tcw = OxmlElement("w:tcW")
        tcw.set(qn("w:w"), str(int(width.twips)))
        tcw.set(qn("w:type"), "dxa")
        tcpr.append(tcw)
        tc.append(tcpr)
        tc.append(OxmlElement("w:p"))
        tr.append(tc)
    return tr


# -- pictures and layout ------------------------------------------------------------------------------


def add_picture(document: DocumentObject, png: bytes, *, width_cm: float, alt_text: str, title: str) -> None:
    """A picture in its own paragraph, with alt text (``descr``) and a title for screen readers."""
    document.add_picture(io.BytesIO(png), width=Cm(width_cm))
    shape = document.inline_shapes[-1]
    shape._inline.docPr.set("descr", alt_text)
    shape._inline.docPr.set("title", title)


def page_break(document: DocumentObject) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def start_section(document: DocumentObject, *, landscape: bool) -> None:
    """A new page in portrait or landscape (wide tables), footers carried on from the last section."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    width, height = section.page_width, section.page_height
    wanted = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    if section.orientation != wanted:
        section.orientation = wanted
        section.page_width, section.page_height = height, width


def usable_width_cm(document: DocumentObject) -> float:
    section = document.sections[-1]
    return (section.page_width - section.left_margin - section.right_margin) / 360000
