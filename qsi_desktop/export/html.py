"""Report blocks as simple HTML, for the window (Qt's rich text shows it; a screen reader reads it).

The pack writes the same blocks to Word; this is their on-screen form: headings, paragraphs, bullet
lists, tables with a header row, and figures as images with their alt text and caption, followed by
the figure's data table so nothing is shown only as a picture. Images are referred to by name
(``figure-1.png``...) and returned beside the HTML for the caller to hand to its viewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from qsi_desktop.export.pack import cell_text
from qsi_desktop.plugins.types import BulletList, Figure, Heading, Paragraph, ReportBlock, Table

PARAGRAPH_STYLES = {"note": "color:#4c6272;", "warning": "color:#d5281b; font-weight:bold;"}


def table_html(table: Table) -> str:
    head = "".join(f"<th align='left'>{escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell_text(cell))}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    caption = f"<p><i>{escape(table.caption)}</i></p>" if table.caption else ""
    return (
        f"{caption}<table border='1' cellspacing='0' cellpadding='4' style='border-collapse:collapse;'>"
        f"<thead><tr style='background:#e8edee;'>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def blocks_html(blocks: Sequence[ReportBlock], *, image_width: int, first_image: int = 1) -> tuple[str, list[bytes]]:
    """The blocks as HTML and the PNG images it names (``figure-N.png`` from ``first_image``)."""
    parts: list[str] = []
    images: list[bytes] = []
    for block in blocks:
        if isinstance(block, Heading):
            level = min(max(block.level + 1, 3), 4)  # the section's own title is an <h2>
            parts.append(f"<h{level}>{escape(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            style = PARAGRAPH_STYLES.get(block.style, "")
            parts.append(f"<p style='{style}'>{escape(block.text)}</p>")
        elif isinstance(block, BulletList):
            parts.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in block.items) + "</ul>")
        elif isinstance(block, Table):
            parts.append(table_html(block))
        elif isinstance(block, Figure):
            name = f"figure-{first_image + len(images)}.png"
            images.append(block.png)
            parts.append(
                f"<p><img src='{name}' width='{image_width}' alt='{escape(block.alt_text, quote=True)}'></p>"
                f"<p><i>{escape(block.caption)}</i></p>"
            )
            if block.table is not None:
                parts.append(table_html(block.table))
    return "".join(parts), images
