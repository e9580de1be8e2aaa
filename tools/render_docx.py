"""Render a .docx to PDF and PNG pages, to look at the submission pack as a reader will see it.

    python tools/render_docx.py IN.docx OUTDIR [--pages 1,2,5] [--dpi 80]

LibreOffice (headless) turns the document into OUTDIR/IN.pdf, then pdftoppm writes OUTDIR/IN-page-N.png
for the pages asked for (all by default). A developer tool: CI does not install LibreOffice (it is large).
Debian: ``apt-get install --no-install-recommends libreoffice-writer-nogui poppler-utils fonts-dejavu-core``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Command -> the Debian package that provides it, for the message when it is missing.
TOOLS = {"soffice": "libreoffice-writer-nogui (or libreoffice-writer)", "pdftoppm": "poppler-utils"}
SOFFICE_TIMEOUT = 300  # seconds; the first start builds a profile


def missing_tools() -> list[str]:
    """One line per required command that is not on PATH, naming the Debian package to install."""
    return [
        f"{command} not found: install the Debian package {package}"
        for command, package in TOOLS.items()
        if shutil.which(command) is None
    ]


def to_pdf(docx: Path, outdir: Path) -> Path:
    """The document as OUTDIR/<stem>.pdf, converted by LibreOffice headless."""
    # A throwaway profile: a LibreOffice window the developer has open would otherwise take the job (or lock).
    with tempfile.TemporaryDirectory(prefix="render-docx-") as profile:
        done = subprocess.run(
            ["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(outdir), str(docx)],
            capture_output=True, text=True, timeout=SOFFICE_TIMEOUT, check=False,
        )  # fmt: skip
    pdf = outdir / f"{docx.stem}.pdf"
    if done.returncode != 0 or not pdf.is_file():
        raise RuntimeError(f"LibreOffice could not convert {docx}: {(done.stderr or done.stdout).strip()}")
    return pdf


def to_pngs(pdf: Path, outdir: Path, *, pages: list[int] | None, dpi: int) -> list[Path]:
    """PNG files of the PDF's pages (all when ``pages`` is None), named <stem>-page-N.png."""
    if pages is None:
        prefix = outdir / f"{pdf.stem}-page"
        _pdftoppm(pdf, prefix, dpi, [])
        # pdftoppm pads the page number to the width of the page count: sort by number, not by name.
        return sorted(outdir.glob(f"{prefix.name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    written = []
    for page in pages:
        target = outdir / f"{pdf.stem}-page-{page}"
        _pdftoppm(pdf, target, dpi, ["-f", str(page), "-l", str(page), "-singlefile"])
        if not target.with_suffix(".png").is_file():
            raise RuntimeError(f"{pdf} has no page {page}")
        written.append(target.with_suffix(".png"))
    return written


def _pdftoppm(pdf: Path, prefix: Path, dpi: int, extra: list[str]) -> None:
    done = subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), *extra, str(pdf), str(prefix)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"pdftoppm failed on {pdf}: {done.stderr.strip()}")


def _pages(text: str) -> list[int]:
    try:
        pages = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"pages must be numbers separated by commas, not {text!r}") from None
    if not pages or min(pages) < 1:
        raise argparse.ArgumentTypeError("pages are numbered from 1")
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render a .docx to PDF and PNG pages (LibreOffice, pdftoppm).")
    parser.add_argument("docx", type=Path)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--pages", type=_pages, help="pages to render, e.g. 1,2,5 (default: all)")
    parser.add_argument("--dpi", type=int, default=80, help="resolution of the PNG pages (default: 80)")
    args = parser.parse_args(argv)
    problems = missing_tools()
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    if not args.docx.is_file():
        print(f"no such file: {args.docx}", file=sys.stderr)
        return 2
    args.outdir.mkdir(parents=True, exist_ok=True)
    try:
        pdf = to_pdf(args.docx.resolve(), args.outdir.resolve())
        pngs = to_pngs(pdf, args.outdir.resolve(), pages=args.pages, dpi=args.dpi)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        print(error, file=sys.stderr)
        return 1
    for path in [pdf, *pngs]:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
