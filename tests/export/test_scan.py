"""The export's scan of evidence files for NHS numbers: where, never what; damaged files become notes."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from qsi_desktop.export import scan
from qsi_desktop.export.scan import Finding, ScanResult, scan_file, scan_files
from qsi_desktop.privacy import find_nhs_numbers


def _locations(result: ScanResult) -> list[str]:
    return [finding.location for finding in result.findings]


def _assert_says_no_number(result: ScanResult) -> None:
    report = "\n".join([f"{f.file} {f.location}" for f in result.findings] + [f"{n} {r}" for n, r in result.skipped])
    assert not find_nhs_numbers(report)
    assert not {"9434765919", "4010232137"} & set(re.findall(r"\d{10}", re.sub(r"[ .-]", "", report)))


def test_word_document(evidence_files: Callable[[str], Path]) -> None:
    result = scan_file(evidence_files("docx"), "review.docx")
    assert _locations(result) == ["paragraph 3", "table 1, row 2", "header of section 1", "footer of section 1"]
    assert result.findings[0] == Finding("review.docx", "paragraph 3")
    assert result.skipped == []
    _assert_says_no_number(result)


def test_workbook_text_and_numbers(evidence_files: Callable[[str], Path]) -> None:
    result = scan_file(evidence_files("xlsx"), "audit.xlsx")
    assert _locations(result) == ["sheet Audit, cell C14", "sheet Audit, cell D20"]
    assert result.skipped == []
    _assert_says_no_number(result)


def test_xlsm_is_read_as_a_workbook(evidence_files: Callable[[str], Path]) -> None:
    assert _locations(scan_file(evidence_files("xlsx"), "macros.XLSM")) == [
        "sheet Audit, cell C14",
        "sheet Audit, cell D20",
    ]


def test_a_sheet_named_with_a_number_is_not_repeated(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "9434765919"
    workbook.active["B3"] = "943 476 5919"
    workbook.save(tmp_path / "named.xlsx")
    result = scan_file(tmp_path / "named.xlsx", "named.xlsx")
    assert _locations(result) == ["name of sheet 1", "sheet [NHS number removed], cell B3"]
    _assert_says_no_number(result)


def test_pdf_pages(evidence_files: Callable[[str], Path]) -> None:
    result = scan_file(evidence_files("pdf"), "report.pdf")
    assert _locations(result) == ["page 3"]
    assert result.skipped == []


@pytest.mark.parametrize(
    ("kind", "name", "line"), [("csv", "log.csv", 12), ("txt", "notes.txt", 13), ("utf16", "export.txt", 12)]
)
def test_text_lines_in_any_usual_encoding(
    evidence_files: Callable[[str], Path], kind: str, name: str, line: int
) -> None:
    result = scan_file(evidence_files(kind), name)
    assert _locations(result) == [f"line {line}"]
    assert result.skipped == []


def test_every_way_of_writing_a_number_is_found(tmp_path: Path, planted: tuple[str, ...]) -> None:
    for number in planted:
        (tmp_path / "one.txt").write_text(f"seen: {number}.\n")
        assert _locations(scan_file(tmp_path / "one.txt", "one.txt")) == ["line 1"], number


def test_numbers_failing_modulus_11_are_not_findings(tmp_path: Path, decoys: tuple[str, ...]) -> None:
    (tmp_path / "one.txt").write_text("".join(f"phone {decoy}\n" for decoy in decoys))
    assert scan_file(tmp_path / "one.txt", "one.txt") == ScanResult()


def test_the_extension_of_the_name_decides_not_the_stored_path(evidence_files: Callable[[str], Path]) -> None:
    # The store keeps files under their hash, without an extension.
    stored = evidence_files("csv").rename(evidence_files("csv").parent / "3f9a0c")
    assert _locations(scan_file(stored, "E-014 Log.csv")) == ["line 12"]


def test_other_types_are_listed_as_not_checked(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(b"\x89PNG 9434765919")
    (tmp_path / "noext").write_text("9434765919")
    result = scan_files([(tmp_path / "x.png", "x.png"), (tmp_path / "noext", "README")])
    assert result.findings == []
    assert result.skipped == [
        ("x.png", ".png files are not checked"),
        ("README", "files without an extension files are not checked"),
    ]
    assert not result.clean


@pytest.mark.parametrize("name", ["empty.docx", "empty.xlsx", "empty.pdf"])
def test_empty_office_and_pdf_files_are_notes(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"")
    result = scan_file(tmp_path / name, name)
    assert result.findings == []
    assert len(result.skipped) == 1 and "could not be read as" in result.skipped[0][1]


def test_empty_text_is_clean(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    assert scan_file(tmp_path / "empty.csv", "empty.csv").clean


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pdf"])
def test_truncated_files_are_notes_not_crashes(evidence_files: Callable[[str], Path], kind: str) -> None:
    path = evidence_files(kind)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    result = scan_file(path, path.name)
    assert result.skipped and result.skipped[0][0] == path.name
    _assert_says_no_number(result)


def test_wrong_type_under_a_known_extension(
    tmp_path: Path, make_pdf: Callable[[list[str]], bytes], evidence_files: Callable[[str], Path]
) -> None:
    (tmp_path / "fake.docx").write_bytes(make_pdf(["9434765919"]))
    (tmp_path / "fake.pdf").write_bytes(b"PK\x03\x04 not a pdf at all 9434765919")
    workbook_as_word = evidence_files("xlsx").rename(tmp_path / "book.docx")  # a zip, but not a Word document
    result = scan_files(
        [(tmp_path / "fake.docx", "fake.docx"), (tmp_path / "fake.pdf", "fake.pdf"), (workbook_as_word, "book.docx")]
    )
    assert result.findings == []
    assert [reason.split(" (")[0] for _, reason in result.skipped] == [
        "could not be read as a Word document",
        "could not be read as a PDF",
        "could not be read as a Word document",
    ]
    assert result.skipped[0][1] == "could not be read as a Word document (BadZipFile); damaged or of another type"


def test_a_missing_file_is_a_note(tmp_path: Path) -> None:
    result = scan_file(tmp_path / "gone", "gone.pdf")
    assert result.skipped == [("gone.pdf", "could not be read (No such file or directory); not checked")]


def test_a_pdf_without_text_says_it_was_not_checked(tmp_path: Path, make_pdf: Callable[[list[str]], bytes]) -> None:
    (tmp_path / "scan.pdf").write_bytes(make_pdf(["", ""]))
    result = scan_file(tmp_path / "scan.pdf", "scan.pdf")
    assert result.skipped == [("scan.pdf", "the PDF has no text (a scanned image?); not checked")]


def test_a_password_protected_pdf_is_a_note(tmp_path: Path, make_pdf: Callable[[list[str]], bytes]) -> None:
    from pypdf import PdfReader, PdfWriter

    (tmp_path / "open.pdf").write_bytes(make_pdf(["943 476 5919"]))
    writer = PdfWriter(clone_from=PdfReader(tmp_path / "open.pdf"))
    writer.encrypt("secret", algorithm="RC4-128")
    with (tmp_path / "locked.pdf").open("wb") as handle:
        writer.write(handle)
    result = scan_file(tmp_path / "locked.pdf", "locked.pdf")
    assert result.skipped == [("locked.pdf", "the PDF is password-protected; not checked")]


def test_a_huge_file_is_skipped_unread(tmp_path: Path) -> None:
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:  # sparse: no disk space used
        handle.truncate(scan.MAX_FILE_BYTES + 1)
    result = scan_file(huge, "huge.csv")
    assert result.skipped == [("huge.csv", "larger than 50 MB (50 MB); not checked")]


def test_an_office_file_that_unpacks_too_large_is_not_opened(
    evidence_files: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan, "MAX_UNPACKED_BYTES", 1000)
    result = scan_file(evidence_files("docx"), "review.docx")
    assert result.findings == []
    assert result.skipped == [("review.docx", "unpacks to more than 0 MB; not checked")]


def test_a_zip_bomb_style_entry_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/big.xml", b"0" * (scan.MAX_UNPACKED_BYTES + 1))
    assert path.stat().st_size < 2 * 1024 * 1024
    assert scan_file(path, "bomb.xlsx").skipped == [("bomb.xlsx", "unpacks to more than 500 MB; not checked")]


def test_findings_stop_at_the_limit(tmp_path: Path) -> None:
    (tmp_path / "many.txt").write_text("".join(f"{'943 476 5919'}\n" for _ in range(50)))
    result = scan_file(tmp_path / "many.txt", "many.txt", max_findings=5)
    assert _locations(result) == [f"line {n}" for n in range(1, 6)]
    assert result.skipped == [("many.txt", "stopped after 5 places; the rest of the file was not checked")]


def test_scan_files_reports_progress_and_stops_when_cancelled(evidence_files: Callable[[str], Path]) -> None:
    files = [(evidence_files("csv"), "a.csv"), (evidence_files("pdf"), "b.pdf"), (evidence_files("docx"), "c.docx")]
    seen: list[tuple[int, int, str]] = []
    result = scan_files(files, progress=lambda *args: seen.append(args), cancel=lambda: len(seen) > 2)
    assert result.cancelled and not result.clean
    assert [f.file for f in result.findings] == ["a.csv", "b.pdf"]
    assert seen[0] == (0, 3, "checking a.csv")
    complete = scan_files(files, progress=lambda *args: seen.append(args))
    assert len(complete.findings) == 6 and seen[-1] == (3, 3, "checked")


def test_a_workbook_stored_under_its_hash_is_read(tmp_path: Path) -> None:
    """The evidence store names files by hash, without an extension; openpyxl refuses such a path."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "943 476 5919"
    workbook.save(tmp_path / "stored")
    result = scan_file(tmp_path / "stored", "audit.xlsx")
    assert _locations(result) == ["sheet Sheet, cell A1"] and not result.skipped
