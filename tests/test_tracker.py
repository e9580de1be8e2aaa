"""Tracker import: the shapes services keep, bad files, privacy, dry run, evidence, remembered mappings."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.styles import PatternFill

from qsi_desktop.services import evidence, stored_tables, tracker
from qsi_desktop.services.assessments import AssessmentChange, assess, statement_details
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.tracker_read import rag_of, ref_of

NHS_NUMBER = "9434765919"
PATIENT_NAME = "Quentin Zebedee-Marchbanks"
RED, AMBER, GREEN = "FFFF0000", "FFFFC000", "FF00B050"


def _fill(colour: str) -> PatternFill:
    return PatternFill("solid", fgColor=colour)


def messy_tracker(path: Path) -> Path:
    """A tracker as a quality lead keeps it: title rows, a two-row merged header, RAG fills, odd refs."""
    book = Workbook()
    sheet = book.active
    sheet.title = "QSI 2026"
    sheet["A1"] = "Riverside Imaging: QSI self-assessment tracker"
    sheet.merge_cells("A1:H1")
    sheet["A2"] = "Updated 01/03/2026 by the quality lead"
    # Row 3 groups columns; row 4 names them; single columns are merged over both rows.
    for column, header in zip("ABCDEFGH", ["Ref", "", "", "Comments", "Evidence", "", "", "Patient name"], strict=True):
        sheet[f"{column}3"] = header
    sheet["B3"] = "Assessment"
    sheet.merge_cells("B3:C3")
    sheet["F3"] = "Review"
    sheet.merge_cells("F3:G3")
    for column in "ADEH":
        sheet.merge_cells(f"{column}3:{column}4")
    sheet["B4"], sheet["C4"], sheet["F4"], sheet["G4"] = "RAG status", "Lead", "Last reviewed", "Next review"
    rows = [
        ["XR 101", "Compliant", "J Bloggs", "Leaflets reviewed in March", "https://intranet.example.nhs.uk/leaflets",
         "01/02/2026", "01/02/2027", PATIENT_NAME],
        ["XR102", "Partial", "A Khan", "", "", "", "", ""],
        ["xr-103", "Partially compliant", "", "", "", "", "", ""],
        ["XR-104 Patient information", None, "", "", "", "", "", ""],  # red fill only
        ["XR-105", "N/A", "", "We have no inpatient beds", "", "", "", ""],
        ["XR-106", "N/A", "", "", "", "", "", ""],  # no reason: rejected
        ["XR-107", "In progress", "", "", "", "", "", ""],
        ["Section 2: Workforce", None, None, None, None, None, None, None],
        [None] * 8,
        ["XR-201", "Amber", "", "", "", "", "", ""],
        ["XR-202", None, "", "", "", "", "", ""],  # green fill only
        ["XR-999", "Met", "", "", "", "", "", ""],
        ["XR-203", "Not met", "", "", "policies/missing.docx", "", "", ""],
        ["XR-204", "Sort of", "", "", "", "", "", ""],
        ["XR-205", "Met", "", "", "", "31/13/2026", "", ""],
        ["XR-101", "Met", "", "", "", "", "", ""],
        ["NM-901", "Met", "", "", "", "", "", ""],
        ["CT-901", "Green", "", "", "", "", "", ""],
    ]  # fmt: skip
    for row in rows:
        sheet.append(row)
    by_ref = {sheet.cell(r, 1).value: r for r in range(5, sheet.max_row + 1)}
    sheet.cell(by_ref["XR-104 Patient information"], 2).fill = _fill(RED)
    sheet.cell(by_ref["XR-202"], 2).fill = _fill(GREEN)
    sheet.cell(by_ref["XR-201"], 2).fill = _fill(AMBER)
    book.save(path)
    return path


def row_of(path: Path, ref_text: str) -> int:
    from openpyxl import load_workbook

    sheet = load_workbook(path).active
    return next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == ref_text)


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


# -- reading ------------------------------------------------------------------------------------


def test_references_in_the_ways_trackers_write_them() -> None:
    for text in ("XR 101", "XR101", "xr-101", "XR-101 Patient information", " Xr_101", "XR-101: leaflets"):
        assert ref_of(text) == "XR-101"
    for text in ("Section 1", "101", "XR-1011", "", "Patient XR"):
        assert ref_of(text) is None


def test_rag_fill_colours() -> None:
    assert rag_of(255, 0, 0) == "red"
    assert rag_of(255, 192, 0) == "amber"
    assert rag_of(0, 176, 80) == "green"
    assert rag_of(0x00, 0x7F, 0x3B) == "green"  # the NHS green our export uses
    assert rag_of(255, 255, 255) is None and rag_of(0, 94, 184) is None  # white, NHS blue


def test_messy_workbook_preview(full_app, make_workspace, tmp_path: Path) -> None:
    ws = make_workspace()
    path = messy_tracker(tmp_path / "tracker.xlsx")
    result = tracker.preview(ws, full_app, path)
    assert result.header_row == 4 and result.sheet == "QSI 2026"
    fields = {c.header: (c.field, c.use) for c in result.columns}
    assert fields["Ref"] == ("ref", "matched") and fields["RAG status"] == ("status", "matched")
    assert fields["Lead"][0] == "owner" and fields["Comments"][0] == "narrative"
    assert fields["Patient name"] == (None, "patient")
    planned = {p.ref: p for p in result.planned}
    statuses = {ref: p.change.status for ref, p in planned.items()}
    assert statuses == {
        "XR-101": "met",
        "XR-102": "partially_met",
        "XR-103": "partially_met",
        "XR-104": "not_met",  # red fill
        "XR-105": "not_applicable",
        "XR-107": "in_progress",
        "XR-201": "partially_met",
        "XR-202": "met",  # green fill
        "XR-203": "not_met",
        "CT-901": "met",
    }
    assert planned["XR-105"].change.justification == "We have no inpatient beds"  # the comment says why
    assert planned["XR-101"].change.reviewed_on == date(2026, 2, 1)
    assert planned["XR-101"].change.next_review_on == date(2027, 2, 1)
    assert planned["XR-101"].evidence[0].kind == "url"
    details = planned["XR-101"].details  # what is stored -> what the tracker says, for the preview
    assert details[0] == "status: Not started → Met"
    assert "last reviewed: (none) → 01/02/2026" in details and "next review: (none) → 01/02/2027" in details
    assert any(d.startswith("narrative: (empty) → '") for d in details)
    rejected = {i.row: i.reason for i in result.rejected}
    assert "justification" in rejected[row_of(path, "XR-106")]
    assert "no statement reference" in rejected[row_of(path, "Section 2: Workforce")]
    assert "XR-999 is not a quality statement" in rejected[row_of(path, "XR-999")]
    assert "not a word the value mapping knows" in rejected[row_of(path, "XR-204")]
    assert "not a date" in rejected[row_of(path, "XR-205")]
    assert "already on row" in rejected[max(r for r in rejected if "already" in rejected[r])]
    assert "does not apply" in rejected[row_of(path, "NM-901")]
    assert len(result.rejected) == 7 and result.blank_rows == 1
    assert result.rows == len(result.planned) + len(result.unchanged) + len(result.rejected) == 17
    warned = {i.row: i.reason for i in result.warnings}
    assert "not found" in warned[row_of(path, "XR-203")]
    for issue in result.rejected + result.warnings:  # reasons name columns, never the cell's text
        assert "Sort of" not in issue.reason and "missing.docx" not in issue.reason and "31/13" not in issue.reason
    words = {w.shown: (w.status, w.use) for w in result.words}
    assert words["Sort of"] == (None, "unknown") and words["Red cell fill"] == ("not_met", "known")


def test_changing_the_value_and_column_mapping(full_app, make_workspace, tmp_path: Path) -> None:
    ws = make_workspace()
    path = messy_tracker(tmp_path / "tracker.xlsx")
    first = tracker.preview(ws, full_app, path)
    result = tracker.preview(
        ws,
        full_app,
        path,
        mapping={**first.mapping, "Lead": "", "Comments": "justification"},
        status_map={"sortof": "partially_met", "ambercellfill": "in_progress", "amber": "in_progress"},
    )
    planned = {p.ref: p for p in result.planned}
    assert planned["XR-204"].change.status == "partially_met"
    assert planned["XR-201"].change.status == "in_progress"
    assert planned["XR-102"].change.owner is None  # the owner column is no longer read
    assert planned["XR-105"].change.justification == "We have no inpatient beds"
    assert {c.header: c.use for c in result.columns}["Lead"] == "chosen"


def test_import_commits_in_one_transaction_and_remembers(full_app, make_workspace, tmp_path: Path) -> None:
    ws = make_workspace()
    path = messy_tracker(tmp_path / "tracker.xlsx")
    result = tracker.preview(ws, full_app, path, status_map={"sortof": "partially_met"})
    done = tracker.commit(ws, full_app, result, actor="lead")
    assert done.imported == 11 and done.evidence_added == 1 and done.links_added == 1
    details = statement_details(ws, full_app, "XR-101")
    assert details.status == "met" and details.assessment.owner == "J Bloggs"
    assert details.assessment.narrative == "Leaflets reviewed in March"
    assert details.evidence[0].link_url == "https://intranet.example.nhs.uk/leaflets"
    na = statement_details(ws, full_app, "XR-105")
    assert na.status == "not_applicable" and na.applicability.reason == "We have no inpatient beds"
    assert statement_details(ws, full_app, "XR-104").status == "not_met"
    # Again: nothing changes, and the status word chosen last time is remembered with the columns.
    again = tracker.preview(ws, full_app, path)
    assert again.remembered and not again.planned
    assert len(again.unchanged) == 11
    assert stored_tables.get(ws, "tracker", again.shape)["words"] == {"sortof": "partially_met"}


def test_blank_cells_leave_stored_values(full_app, make_workspace, tmp_path: Path) -> None:
    ws = make_workspace()
    assess(ws, full_app, "XR-102", AssessmentChange(owner="Kept Owner", narrative="Kept words"), actor="t")
    path = tmp_path / "t.csv"
    path.write_text("Ref,Status,Owner,Comments\nXR-102,Met,,\n", encoding="utf-8")
    tracker.commit(ws, full_app, tracker.preview(ws, full_app, path), actor="t")
    kept = statement_details(ws, full_app, "XR-102").assessment
    assert (kept.status, kept.owner, kept.narrative) == ("met", "Kept Owner", "Kept words")


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("cp1252", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b"")],
    ids=["cp1252", "utf-8-bom", "utf-16"],  # utf-16: Excel's "Unicode text" (its encoder writes the BOM)
)
def test_csv_exports_from_excel(full_app, make_workspace, tmp_path: Path, encoding: str, prefix: bytes) -> None:
    ws = make_workspace()
    text = (
        "QSI tracker;;;\r\n"
        ";;;\r\n"
        "QS ref;Compliance;Owner/lead;Notes\r\n"
        "XR-101;Fully compliant;Renée Dupré;Reviewed – all good\r\n"
        ";;;\r\n"
        "XR-102;Not met;Zoë;\r\n"
        ";;;\r\n"
    )
    path = tmp_path / "tracker.csv"
    path.write_bytes(prefix + text.encode(encoding))
    result = tracker.preview(ws, full_app, path)
    assert [(p.ref, p.change.status) for p in result.planned] == [("XR-101", "met"), ("XR-102", "not_met")]
    assert result.planned[0].change.owner == "Renée Dupré"
    assert result.planned[0].change.narrative == "Reviewed – all good"
    assert result.blank_rows == 2 and not result.rejected


def test_quality_statement_column_with_words_beside_a_ref_column(full_app, make_workspace, tmp_path: Path) -> None:
    ws = make_workspace()
    path = tmp_path / "t.csv"
    path.write_text(
        "Quality statement,Ref,Status\nPatients are offered information,XR-101,Met\nThe service listens,XR-102,Met\n",
        encoding="utf-8",
    )
    result = tracker.preview(ws, full_app, path)
    assert [p.ref for p in result.planned] == ["XR-101", "XR-102"]


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("corrupt.xlsx", b"PK\x03\x04" + b"\x00garbage" * 50, "not an Excel workbook that can be read"),
        ("truncated.xlsx", None, "not an Excel workbook that can be read"),
        ("report.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\r\n\r\n  \r\n", "empty"),
        ("no-ref.csv", b"Status,Owner\nMet,A\n", "required columns missing: ref"),
        ("binary.csv", bytes(range(256)) * 10, "not a CSV text file"),
    ],
)
def test_bad_files_say_which_and_why(full_app, make_workspace, tmp_path: Path, name, content, message) -> None:
    ws = make_workspace()
    path = tmp_path / name
    if content is None:  # a real workbook cut short, as a failed download leaves it
        messy_tracker(tmp_path / "whole.xlsx")
        content = (tmp_path / "whole.xlsx").read_bytes()[:1500]
    path.write_bytes(content)
    with pytest.raises(UserError) as caught:
        tracker.preview(ws, full_app, path)
    assert name in str(caught.value) and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_huge_file_is_refused_before_reading(full_app, make_workspace, tmp_path: Path) -> None:
    ws = make_workspace()
    path = tmp_path / "huge.csv"
    path.write_text("Ref,Status\n" + "XR-101,Met\n" * 20_000, encoding="utf-8")
    with pytest.raises(UserError, match="too large"):
        tracker.preview(ws, full_app, path, max_bytes=100_000)


def test_many_rows_read_in_reasonable_time(full_app, make_workspace, tmp_path: Path) -> None:
    import time

    ws = make_workspace()
    path = tmp_path / "big.csv"
    refs = [s.ref for s in full_app.catalogue.statements() if s.ref.startswith("XR")]
    lines = [f"{refs[i % len(refs)]},Met,Owner {i},Comment {i}" for i in range(50_000)]
    path.write_text("Ref,Status,Owner,Comments\n" + "\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    result = tracker.preview(ws, full_app, path)
    assert time.perf_counter() - started < 20
    assert len(result.rejected) == 50_000 - len(refs)  # each statement once; the rest are repeats


def test_unknown_field_in_mapping_is_refused(full_app, make_workspace, tmp_path: Path) -> None:
    ws = make_workspace()
    path = tmp_path / "t.csv"
    path.write_text("Ref,Status\nXR-101,Met\n", encoding="utf-8")
    with pytest.raises(UserError, match="maps to one of"):
        tracker.preview(ws, full_app, path, mapping={"Status": "colour"})


# -- evidence -----------------------------------------------------------------------------------


def test_evidence_links_paths_and_ids(full_app, make_workspace, tmp_path: Path) -> None:
    ws = make_workspace()
    folder = tmp_path / "share"
    (folder / "XR-101 Patient information").mkdir(parents=True)
    (folder / "XR-101 Patient information" / "leaflet policy.docx").write_bytes(b"policy v1")
    (folder / "shared.pdf").write_bytes(b"%PDF shared")
    stored = evidence.add_file(ws, full_app, folder / "shared.pdf", evidence.EvidenceDetails(), actor="t")
    path = folder / "tracker.csv"
    path.write_text(
        "Ref,Status,Evidence\n"
        '"XR-101","Met","XR-101 Patient information\\leaflet policy.docx\nhttps://intranet/leaflets"\n'
        f'"XR-102","Met","https://intranet/leaflets; E-{stored.id:03d}; E-999"\n'
        '"XR-103","Met","shared.pdf; XR-101 Patient information; nowhere/gone.pdf"\n',
        encoding="utf-8",
    )
    result = tracker.preview(ws, full_app, path)
    warnings = sorted(i.reason for i in result.warnings)
    assert len(warnings) == 3
    assert any("E-999" in w for w in warnings) and any("is a folder" in w for w in warnings)
    assert any("not found" in w for w in warnings)
    done = tracker.commit(ws, full_app, result, actor="t")
    assert done.evidence_added == 2  # the policy file and one link item for both rows
    assert done.links_added == 5
    by_ref = {ref: statement_details(ws, full_app, ref).evidence for ref in ("XR-101", "XR-102", "XR-103")}
    assert {e.title for e in by_ref["XR-101"]} == {"leaflet policy", "https://intranet/leaflets"}
    assert {e.id for e in by_ref["XR-103"]} == {stored.id}  # the same file already stored: linked, not copied
    link_ids = {e.id for e in by_ref["XR-101"] if e.link_url} | {e.id for e in by_ref["XR-102"] if e.link_url}
    assert len(link_ids) == 1
    again = tracker.preview(ws, full_app, path)
    assert not again.planned and len(again.unchanged) == 3
    assert len(evidence.list_evidence(ws)) == 3


# -- privacy and safety ---------------------------------------------------------------------------


def test_patient_data_never_enters_the_workspace_or_output(cli, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert cli("init", workspace, "--service", "Riverside").code == 0
    path = tmp_path / "tracker.csv"
    path.write_text(
        "Ref,Status,Comments,Patient name,NHS number,Evidence\n"
        f"XR-101,Met,Seen for patient {NHS_NUMBER} in clinic,{PATIENT_NAME},{NHS_NUMBER},\n"
        f"XR-102,Met,Fine,{PATIENT_NAME},{NHS_NUMBER},https://intranet/{NHS_NUMBER}\n"
        f"XR-103,Met,All good,{PATIENT_NAME},{NHS_NUMBER},\n",
        encoding="utf-8",
    )
    result = cli("tracker", "import", workspace, path, "--json")
    assert result.code == 1
    summary = json.loads(result.out)
    assert summary["imported"] == 1 and len(summary["rejected"]) == 2
    assert all("NHS number" in r["reason"] for r in summary["rejected"])
    text = result.out + result.err + cli("audit", workspace, "--json").out
    for secret in (NHS_NUMBER, PATIENT_NAME, "Seen for patient"):
        assert secret not in text
        assert secret.encode() not in _all_bytes(workspace)


def test_an_evidence_file_holding_an_nhs_number_is_not_stored(cli, tmp_path: Path) -> None:
    """A document the evidence column names is scanned as the folder import scans it: one holding an
    NHS number is never copied into the store (it was, until the review of the merged features)."""
    from docx import Document

    workspace = tmp_path / "ws"
    assert cli("init", workspace, "--service", "Riverside").code == 0
    survey = Document()
    survey.add_paragraph("Friends and family test results.")
    survey.add_paragraph(f"Complaint from {PATIENT_NAME}, NHS number 943 476 5919, resolved.")
    survey.save(tmp_path / "survey results.docx")
    (tmp_path / "leaflet.txt").write_text("Leaflets reviewed.", encoding="utf-8")
    path = tmp_path / "tracker.csv"
    path.write_text("Ref,Status,Evidence\nXR-101,Met,survey results.docx\nXR-102,Met,leaflet.txt\n", encoding="utf-8")
    result = cli("tracker", "import", workspace, path, "--json")
    assert result.code == 1
    summary = json.loads(result.out)
    assert summary["imported"] == 1 and len(summary["rejected"]) == 1
    assert "NHS number" in summary["rejected"][0]["reason"] and "paragraph 2" in summary["rejected"][0]["reason"]
    listed = cli("evidence", "list", workspace, "--all").out
    assert "leaflet" in listed and "survey" not in listed
    stored = [p for p in (workspace / "evidence").rglob("*") if p.is_file()]
    assert [p.read_bytes() for p in stored] == [b"Leaflets reviewed."]


def test_dry_run_leaves_the_workspace_byte_identical(cli, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert cli("demo", workspace).code == 0
    assert cli("status", workspace).code == 0  # the day's first open (backup) is behind us
    path = messy_tracker(tmp_path / "tracker.xlsx")
    before = hashlib.sha256(_all_bytes(workspace)).hexdigest()
    result = cli("tracker", "import", workspace, path, "--dry-run", "--json")
    assert result.code == 1  # rejected rows
    summary = json.loads(result.out)
    assert summary["dry_run"] and summary["imported"] > 0 and summary["evidence_added"] is None
    assert hashlib.sha256(_all_bytes(workspace)).hexdigest() == before


def test_cli_summary_and_exit_codes(cli, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert cli("init", workspace, "--service", "Riverside").code == 0
    good = tmp_path / "good.csv"
    good.write_text("Reference,RAG\nXR-101,Green\nXR-102,Red\n", encoding="utf-8")
    result = cli("tracker", "import", workspace, good, "--json")
    assert result.code == 0
    summary = json.loads(result.out)
    assert (summary["rows"], summary["imported"], summary["unchanged"], summary["rejected"]) == (2, 2, 0, [])
    assert cli("tracker", "import", workspace, good).out.count("unchanged") == 1
    words = tmp_path / "words.csv"
    words.write_text("Ref,Status\nXR-103,Yes-ish\n", encoding="utf-8")
    assert cli("tracker", "import", workspace, words).code == 1
    assert cli("tracker", "import", workspace, words, "--status-map", "Yes-ish=met").code == 0
    no_ref = tmp_path / "no-ref.csv"
    no_ref.write_text("Thing,Status\nXR-101,Met\n", encoding="utf-8")
    failed = cli("tracker", "import", workspace, no_ref)
    assert failed.code == 2 and "no-ref.csv" in failed.err
    mapped = cli("tracker", "import", workspace, no_ref, "--map", "Thing=ref", "--json")
    assert mapped.code == 0 and json.loads(mapped.out)["unchanged"] == 1


def test_a_change_after_the_preview_stops_the_import(full_app, make_workspace, tmp_path: Path) -> None:
    ws = make_workspace()
    path = tmp_path / "t.csv"
    path.write_text("Ref,Status,Owner\nXR-101,Met,A\nXR-102,Met,B\n", encoding="utf-8")
    result = tracker.preview(ws, full_app, path)
    assess(ws, full_app, "XR-102", AssessmentChange(narrative="a colleague's words"), actor="colleague")
    with pytest.raises(UserError, match="XR-102 was changed by someone else"):
        tracker.commit(ws, full_app, result, actor="t")
    assert statement_details(ws, full_app, "XR-101").assessment.owner == ""  # nothing half-written


def test_importing_the_same_tracker_again_writes_nothing(cli, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert cli("init", workspace, "--service", "Riverside").code == 0
    path = tmp_path / "t.csv"
    path.write_text("Ref,Status\nXR-101,Met\n", encoding="utf-8")
    assert cli("tracker", "import", workspace, path).code == 0
    entries = len(json.loads(cli("audit", workspace, "--json").out))
    assert cli("tracker", "import", workspace, path).code == 0
    assert len(json.loads(cli("audit", workspace, "--json").out)) == entries
