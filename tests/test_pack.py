"""The Word submission pack, read back with python-docx as an assessor's Word would read it."""

from __future__ import annotations

import itertools
import json
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from qsi_desktop.export.bundle import verify_bundle
from qsi_desktop.export.docx_tools import TemplateError
from qsi_desktop.export.pack import write_pack
from qsi_desktop.export.pack_data import DocumentControl, PackOptions
from qsi_desktop.services import evidence, importing
from qsi_desktop.services.app import App
from qsi_desktop.services.demo import build_demo
from qsi_desktop.store.workspace import Workspace
from tests.conftest import CliResult

AS_OF = date(2026, 12, 2)
PATIENT = ("Zebedee Quartermain", "943 476 5919", "9434765919")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, full_app: App) -> Path:
    """The demo workspace, with a decontamination log whose rows carry a patient's name and NHS number."""
    path = build_demo(tmp_path_factory.mktemp("pack") / "demo", full_app, actor="test")
    log = path.parent / "decon.csv"
    log.write_text(
        "Probe ID,Date,Time,Examination category,Method,Cycle ID,Operator,Result,Patient name,NHS number\n"
        f"TV-01,05/11/2026,09:10,Transvaginal,Trophon 2,C1,J Smith,Pass,{PATIENT[0]},{PATIENT[1]}\n"
        f"TV-02,06/11/2026,10:10,Transvaginal,Detergent wipe,,J Smith,Pass,{PATIENT[0]},{PATIENT[2]}\n",
        encoding="utf-8",
    )
    with full_app.open_workspace(path) as ws:
        importing.run_import(ws, full_app, "us-decontamination", [log], actor="test")
    return path


@pytest.fixture(scope="module")
def pack(demo: Path, full_app: App, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("out") / "pack.docx"
    options = PackOptions(as_of=AS_OF, control=DocumentControl("2.1", "Final", "A Lead", "B Director"))
    with full_app.open_workspace(demo) as ws:
        summary = write_pack(ws, full_app, out, options)
    return out, summary


def _headings(document: docx.Document) -> list[tuple[int, str]]:
    return [
        (int(p.style.name.split()[-1]), p.text)
        for p in document.paragraphs
        if p.style.name.startswith("Heading ") and p.style.name[-1].isdigit()
    ]


def test_every_applicable_statement_has_its_entry_and_modalities_follow_the_profile(
    pack: tuple[Path, object], demo: Path, full_app: App
) -> None:
    path, summary = pack
    document = docx.Document(str(path))
    headings = _headings(document)
    entries = {text.split()[1] for level, text in headings if level == 2 and "-" in text.split()[1]}
    with full_app.open_workspace(demo) as ws:
        from qsi_desktop.services.readiness import readiness

        state = readiness(ws, full_app)
    applicable = {s.ref for s in state.statements if s.applicable}
    assert entries == applicable and summary.statements == len(applicable)
    parts = [text for level, text in headings if level == 1]
    assert parts[:3] == ["Contents", "1 Executive summary", "2 XR-1 Patient information, support and experience"]
    assert sum(text.split()[1].endswith("-9") for text in parts[2:-2]) == 5  # the five modalities the demo provides
    assert parts[-2:] == ["Appendix A: Evidence index", "Appendix B: Action plan"]
    # Built-in heading styles in order: never a jump of more than one level down.
    levels = [level for level, _ in headings]
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels))
    # The statements that do not apply (in the parts the pack has) are listed with their reason.
    listed = [
        (row.cells[0].text, row.cells[2].text)
        for table in document.tables
        if [c.text for c in table.rows[0].cells] == ["Statement", "Name", "Why it does not apply"]
        for row in table.rows[1:]
    ]
    shown = {s.ref for s in state.statements if not s.applicable}
    assert {ref for ref, _ in listed} == shown and all(reason.strip() for _, reason in listed)


def test_cover_document_control_footer_and_properties(pack: tuple[Path, object]) -> None:
    document = docx.Document(str(pack[0]))
    assert document.paragraphs[0].style.name == "Title"
    assert document.paragraphs[0].text == "Riverside Imaging Service: QSI self-assessment"
    cover = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert cover["Framework"].startswith("Quality Standard for Imaging") and cover["Position at"] == "2 December 2026"
    control = [cell.text for cell in document.tables[1].rows[1].cells]
    assert control == ["2.1", "A Lead", "B Director", "2 December 2026", "Final"]
    footer = document.sections[0].footer
    footer_xml = footer._element.xml
    assert "Uncontrolled when printed" in footer.paragraphs[0].text and " PAGE " in footer_xml
    assert document.core_properties.title == "Riverside Imaging Service: QSI self-assessment"


def test_contents_field_updates_on_open_and_lists_the_parts(pack: tuple[Path, object]) -> None:
    document = docx.Document(str(pack[0]))
    body = document.element.body.xml
    assert 'TOC \\o "1-3" \\h \\z \\u' in body
    update = document.settings.element.find(qn("w:updateFields"))
    assert update is not None and update.get(qn("w:val")) == "true"
    # Until Word updates it, the field's result already lists the parts and entries as links.
    contents = document.paragraphs[[p.text for p in document.paragraphs].index("Contents") + 1]
    assert "1 Executive summary" in contents.text


def test_every_cross_reference_resolves_and_every_evidence_id_is_in_the_index(pack: tuple[Path, object]) -> None:
    document = docx.Document(str(pack[0]))
    body = document.element.body
    bookmarks = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    anchors = [h.get(qn("w:anchor")) for h in body.iter(qn("w:hyperlink"))]
    assert anchors and set(anchors) <= bookmarks
    evidence_links = {a for a in anchors if a.startswith("E_")}
    assert evidence_links  # statements cite evidence by id
    index = next(t for t in document.tables if t.rows[0].cells[0].text == "Id")
    assert {row.cells[0].text.replace("-", "_") for row in index.rows[1:]} >= evidence_links


def test_accessibility_pictures_tables_fonts_alignment(pack: tuple[Path, object]) -> None:
    document = docx.Document(str(pack[0]))
    assert document.inline_shapes, "the executive summary has a chart"
    for shape in document.inline_shapes:
        assert len(shape._inline.docPr.get("descr", "")) > 40  # says what the data shows
    for table in document.tables:
        header = table.rows[0]._tr
        assert header.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        xml = table._tbl.xml
        assert "w:gridSpan" not in xml and "w:vMerge" not in xml  # no merged cells
    normal = document.styles["Normal"]
    assert normal.font.name == "Arial" and normal.font.size.pt >= 12
    assert all(p.alignment in (None, WD_ALIGN_PARAGRAPH.LEFT) for p in document.paragraphs)


def test_the_chart_data_is_also_a_table(pack: tuple[Path, object]) -> None:
    document = docx.Document(str(pack[0]))
    headers = [[c.text for c in t.rows[0].cells] for t in document.tables]
    assert any(h[0] == "Section" and "Met" in h for h in headers)


def test_plugin_sections_are_placed_with_their_part_and_patient_data_never_appears(pack: tuple[Path, object]) -> None:
    path = pack[0]
    document = docx.Document(str(path))
    headings = [text for _, text in _headings(document)]
    us_part = headings.index(next(h for h in headings if h.endswith("US-9 Ultrasound")))
    assert any("decontamination" in h.lower() for h in headings[us_part : us_part + 12])
    with zipfile.ZipFile(path) as package:
        everything = b"".join(package.read(name) for name in package.namelist())
    for planted in PATIENT:
        assert planted.encode() not in everything


def test_sections_filter_and_no_standard_text(demo: Path, full_app: App, tmp_path: Path) -> None:
    out = tmp_path / "xr5.docx"
    with full_app.open_workspace(demo) as ws:
        write_pack(ws, full_app, out, PackOptions(sections=("XR-5",), standard_text=False, as_of=AS_OF))
    document = docx.Document(str(out))
    parts = [text for level, text in _headings(document) if level == 1]
    assert parts == [
        "Contents",
        "1 Executive summary",
        "2 XR-5 Radiation safety",
        "Appendix A: Evidence index",
        "Appendix B: Action plan",
    ]
    statement = full_app.catalogue.get("XR-501").statement
    assert all(statement not in p.text for p in document.paragraphs)


def test_a_users_template_gives_its_styles_header_and_logo(demo: Path, full_app: App, tmp_path: Path) -> None:
    template = docx.Document()
    template.styles["Normal"].font.name = "Verdana"
    template.sections[0].header.paragraphs[0].text = "Riverside Hospitals NHS Foundation Trust"
    template.add_paragraph("This body text is the template's and must not reach the pack.")
    for name in ("template.docx",):
        template.save(str(tmp_path / name))
    # The same template saved as a Word template (.dotx): same parts, another content type.
    with zipfile.ZipFile(tmp_path / "template.docx") as source, zipfile.ZipFile(tmp_path / "t.dotx", "w") as dotx:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
            dotx.writestr(item, data)
    for template_path in (tmp_path / "template.docx", tmp_path / "t.dotx"):
        out = tmp_path / f"{template_path.stem}-pack.docx"
        with full_app.open_workspace(demo) as ws:
            write_pack(ws, full_app, out, PackOptions(sections=("XR-1",), as_of=AS_OF), template=template_path)
        document = docx.Document(str(out))
        assert document.styles["Normal"].font.name == "Verdana"
        assert document.sections[0].header.paragraphs[0].text == "Riverside Hospitals NHS Foundation Trust"
        assert all("must not reach the pack" not in p.text for p in document.paragraphs)
        assert any(p.style.name == "Heading 2" for p in document.paragraphs)
    (tmp_path / "bad.docx").write_text("not a document", encoding="utf-8")
    with full_app.open_workspace(demo) as ws, pytest.raises(TemplateError, match=r"bad\.docx: not a Word document"):
        write_pack(ws, full_app, tmp_path / "x.docx", PackOptions(), template=tmp_path / "bad.docx")
    assert not (tmp_path / "x.docx").exists()


def test_cli_export_with_bundle_check_only_and_json(
    cli: Callable[..., CliResult], demo: Path, tmp_path: Path, full_app: App
) -> None:
    result = cli("export", demo, "--check-only", "--json", "--as-of", "2026-12-02")
    assert result.code == 1  # the demo has findings
    findings = json.loads(result.out)["findings"]
    kinds = {f["kind"] for f in findings}
    assert {"met-without-evidence", "evidence-past-review", "action-overdue", "not-started"} <= kinds
    assert all(f["statement"] for f in findings if f["kind"] != "nhs-number")
    out, bundle = tmp_path / "pack.docx", tmp_path / "bundle.zip"
    result = cli("export", demo, out, "--bundle", bundle, "--json", "--status", "final")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["pack"]["statements"] > 60 and data["bundle"]["files"] > 0
    assert verify_bundle(bundle) == []
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        snapshot = json.loads(archive.read("snapshot.json"))
    assert "pack.docx" in names and snapshot["document"]["status"] == "Final"
    assert {s["ref"] for s in snapshot["statements"]} >= {"XR-101", "US-903"}
    assert any(path.startswith("evidence/XR-1/XR-101/E-") for item in manifest["items"] for path in item["paths"])


def test_an_nhs_number_in_an_evidence_document_is_found_by_the_check(
    cli: Callable[..., CliResult], tmp_path: Path, full_app: App
) -> None:
    path = tmp_path / "ws"
    cli("init", path, "--service", "Test")
    document = docx.Document()
    document.add_paragraph("Audit of request forms")
    document.add_paragraph(f"Example form for patient {PATIENT[1]}")
    document.save(str(tmp_path / "audit.docx"))
    with Workspace.open(path) as ws:
        evidence.add_file(
            ws, full_app, tmp_path / "audit.docx", evidence.EvidenceDetails(targets=["XR-101"]), actor="t"
        )
    result = cli("export", path, "--check-only", "--json")
    found = [f for f in json.loads(result.out)["findings"] if f["kind"] == "nhs-number"]
    assert len(found) == 1 and found[0]["statement"] == "XR-101" and "paragraph 2" in found[0]["message"]
    assert PATIENT[1] not in result.out and PATIENT[2] not in result.out


def test_the_report_context_gives_profile_statements_and_evidence(demo: Path, full_app: App) -> None:
    from qsi_desktop.services.report_context import WorkspaceReportContext

    with full_app.open_workspace(demo) as ws:
        context = WorkspaceReportContext(ws, full_app, as_of=AS_OF)
        assert context.profile()["name"] == "Riverside Imaging Service" and "CT" in context.profile()["modalities"]
        states = {s["ref"]: s for s in context.statements()}
        assert states["XR-101"]["status"] == "met" and not states["XR-708"]["applicable"]  # forensic: N/A
        items = context.evidence()
        assert items[0]["label"] == "E-001" and items[0]["statements"]
        assert any(item["review_overdue"] for item in items)


def test_registers_are_dated_tables_in_their_modalitys_part(pack: tuple[Path, object]) -> None:
    document = docx.Document(str(pack[0]))
    headings = [text for _, text in _headings(document)]
    mr_part = headings.index(next(h for h in headings if h.endswith("MR-9 Magnetic Resonance Imaging")))
    us_part = headings.index(next(h for h in headings if h.endswith("US-9 Ultrasound")))
    assert any(h.endswith(" MR units") for h in headings[mr_part:us_part])
    assert any(h.endswith(" Transducer register") for h in headings[us_part:])
    equipment = next(t for t in document.tables if t.rows[0].cells[0].text == "Item" and len(t.columns) > 5)
    flags = [row.cells[-1].text for row in equipment.rows[1:]]
    assert "last check over a year ago" in flags and "conditions not recorded" in flags
