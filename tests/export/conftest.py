"""Real evidence files for the export tests: Word, Excel, PDF (written by hand), CSV and text.

Tests run in importlib mode (no package to import helpers from), so they come as fixtures."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import docx
import openpyxl
import pytest

# NHS numbers of the test range that pass modulus 11, written the ways people write them.
PLANTED = ("943 476 5919", "943-476-5919", "943.476.5919", "9434765919", "401 023 2137")
# Ten digits that fail modulus 11: a phone number, an order number.
DECOYS = ("943 476 5918", "1234567890", "020-7946-0999")


def pdf_bytes(pages: list[str]) -> bytes:
    """A PDF with one line of Helvetica text per page (empty: a page without text, like a scan)."""
    count = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, text in enumerate(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1") if text else b""
        objects.append(b"<< /Length %d >>\nstream\n%b\nendstream" % (len(stream), stream))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def write_docx(path: Path) -> Path:
    """Numbers in paragraph 3, row 2 of table 1 (a nested table), the header and the footer; decoys elsewhere."""
    document = docx.Document()
    document.add_paragraph("Incident review, radiology")
    document.add_paragraph(f"Reference {DECOYS[0]} and order {DECOYS[1]}")
    document.add_paragraph(f"Patient {PLANTED[0]} was scanned twice.")
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "Item"
    table.cell(1, 1).add_table(rows=1, cols=1).cell(0, 0).text = f"NHS no. {PLANTED[1]}"
    table.cell(2, 0).text = DECOYS[2]
    document.add_paragraph("Closing remarks")
    section = document.sections[0]
    section.header.paragraphs[0].text = f"Re: {PLANTED[2]}"
    section.footer.paragraphs[0].text = f"{PLANTED[3]} page"
    document.save(str(path))
    return path


def write_xlsx(path: Path) -> Path:
    """Sheet Audit: C14 as text, D20 as a number; sheet Clean: decoys and dates only."""
    workbook = openpyxl.Workbook()
    audit = workbook.active
    audit.title = "Audit"
    audit["A1"] = "Exam"
    audit["C14"] = f"pt {PLANTED[1]}"
    audit["D20"] = int(PLANTED[3])  # typed into Excel: a number, not text
    audit["B2"] = int(DECOYS[1])
    clean = workbook.create_sheet("Clean")
    clean["A1"] = DECOYS[0]
    clean["A2"] = "=SUM(1,2)"
    workbook.save(path)
    return path


@pytest.fixture
def planted() -> tuple[str, ...]:
    return PLANTED


@pytest.fixture
def decoys() -> tuple[str, ...]:
    return DECOYS


@pytest.fixture
def make_pdf() -> Callable[[list[str]], bytes]:
    return pdf_bytes


@pytest.fixture
def evidence_files(tmp_path: Path) -> Callable[[str], Path]:
    """Builds an evidence file by kind: docx, xlsx, pdf, csv, txt (cp1252), utf16."""
    folder = tmp_path / "files"
    folder.mkdir(exist_ok=True)

    def build(kind: str) -> Path:
        if kind == "docx":
            return write_docx(folder / "review.docx")
        if kind == "xlsx":
            return write_xlsx(folder / "audit.xlsx")
        path = folder / {"pdf": "report.pdf", "csv": "log.csv", "txt": "notes.txt", "utf16": "export.txt"}[kind]
        if kind == "pdf":
            path.write_bytes(pdf_bytes(["Dose audit", f"Decoy {DECOYS[0]}", f"NHS {PLANTED[2]}", "End"]))
        else:
            lines = ["exam,date,dose"] + [f"CT head,2026-01-{day:02d},{DECOYS[1]}" for day in range(1, 11)]
            lines.append(f"CT chest,2026-01-12,{PLANTED[0]}")  # line 12
            text = "\n".join(lines) + "\n"
            if kind == "csv":
                path.write_text(text, encoding="utf-8")
            elif kind == "txt":
                path.write_bytes(("£ café\r\n" + text.replace("\n", "\r\n")).encode("cp1252"))  # line 13 now
            else:
                path.write_text(text, encoding="utf-16")
        return path

    return build
