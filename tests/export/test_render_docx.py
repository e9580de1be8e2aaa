"""tools/render_docx.py: a .docx with a chart rendered to PDF and PNG pages (needs LibreOffice and poppler,
which CI does not install), and the message naming the Debian package when a tool is missing."""

from __future__ import annotations

import importlib.util
import io
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from docx import Document
from docx.shared import Cm

from qsi_desktop.export import charts

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "render_docx.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_docx", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_missing_tools_name_their_debian_package(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    render_docx = load_script()
    monkeypatch.setattr(render_docx.shutil, "which", lambda command: None)
    assert render_docx.main(["in.docx", "out"]) == 2
    err = capsys.readouterr().err
    assert "soffice not found: install the Debian package libreoffice-writer-nogui" in err
    assert "pdftoppm not found: install the Debian package poppler-utils" in err


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None, reason="no LibreOffice")
def test_a_docx_with_a_chart_renders_to_pdf_and_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    figure = charts.status_counts({"met": 5, "partially_met": 2, "not_started": 3})
    document = Document()
    document.add_paragraph("Statements by status")
    document.add_picture(io.BytesIO(figure.png), width=Cm(figure.width_cm))
    document.add_page_break()
    document.add_paragraph("Second page")
    source = tmp_path / "pack.docx"
    document.save(source)
    out = tmp_path / "out"

    render_docx = load_script()
    assert render_docx.main([str(source), str(out), "--dpi", "30"]) == 0
    assert (out / "pack.pdf").is_file()
    assert sorted(p.name for p in out.glob("*.png")) == ["pack-page-1.png", "pack-page-2.png"]
    assert (out / "pack-page-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert render_docx.main([str(source), str(tmp_path / "one"), "--pages", "2", "--dpi", "30"]) == 0
    assert str(tmp_path / "one" / "pack-page-2.png") in capsys.readouterr().out
    assert render_docx.main([str(source), str(tmp_path / "one"), "--pages", "9"]) == 1  # no such page
    assert "first page (9)" in capsys.readouterr().err  # pdftoppm says why
