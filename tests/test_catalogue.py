"""The QSI 2026 catalogue data files, read through the real loader, and the converter that makes them."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qsi_desktop.catalogue import Catalogue, CatalogueError, Framework, Item, Statement, load_framework_file
from qsi_desktop.catalogue.loader import core_framework_path

REPO = Path(__file__).resolve().parents[1]
SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seeds" / "003_df76be532b36b371.txt"
CONVERTER = REPO / "tools" / "convert_qsi_seed.py"

CORE_RELATIVE = Path("qsi_desktop/catalogue/data/qsi-2026-draft.json")
MODALITIES = ("CT", "IR", "MR", "NM", "US")
PLUGIN_RELATIVE = {
    m: Path("plugins") / m.lower() / f"qsi_plugin_{m.lower()}" / "data" / f"qsi-2026-draft-{m.lower()}.json"
    for m in MODALITIES
}
RELATIVE_FILES = [CORE_RELATIVE, *PLUGIN_RELATIVE.values()]

STATEMENT_COUNTS = {
    "XR-1": 7,
    "XR-2": 10,
    "XR-3": 11,
    "XR-4": 9,
    "XR-5": 3,
    "XR-6": 4,
    "XR-7": 8,
    "XR-8": 6,
    "CT-9": 4,
    "IR-9": 5,
    "MR-9": 4,
    "NM-9": 5,
    "US-9": 4,
}
SECTION_TITLES = {
    "XR-1": "Patient information, support and experience",
    "XR-2": "Workforce",
    "XR-3": "Service operation and sustainability",
    "XR-4": "AI, digital technologies and data",
    "XR-5": "Radiation safety",
    "XR-6": "Equipment",
    "XR-7": "Guidelines, protocols and clinical safety",
    "XR-8": "Quality and governance",
    "CT-9": "Computerised Tomography",
    "IR-9": "Interventional Radiology",
    "MR-9": "Magnetic Resonance Imaging",
    "NM-9": "Nuclear Medicine and Molecular Imaging",
    "US-9": "Ultrasound",
}
# Statements that lost their reference in the PDF conversion; the converter recovers them from the
# numbering of their neighbours (proven by test_refs_are_consecutive_in_each_section).
RECOVERED = {
    "XR-206": "Staff development",
    "XR-503": "Radiation and the pregnant patient",
    "XR-603": "Equipment quality control and quality assurance",
    "XR-702": "Pathway and condition-specific protocols",
}
# XR-704 (the standard says it may not apply to a service without paediatric imaging) and each
# modality's "Paediatric imaging" statement.
PAEDIATRIC = {"XR-704", "CT-904", "IR-904", "MR-904", "NM-904", "US-904"}

# Conversion leftovers that must not survive in any text.
LEFTOVERS = re.compile(r"</?[a-zA-Z][^>]*>|\]\(|data-bbox|&[a-z]+;|&#[0-9]+;|\bDRAFT\b|\*|•|\\|\s{2,}|^\s|\s$|--\|")


def _walk(items: tuple[Item, ...]) -> Iterator[Item]:
    for item in items:
        yield item
        yield from _walk(item.items)


def _texts(statement: Statement) -> Iterator[tuple[str, str]]:
    yield "name", statement.name
    yield "statement", statement.statement
    yield "outcome", statement.outcome
    for item in _walk(statement.suggestions):
        yield "suggestion", item.text
    for item in _walk(statement.notes):
        yield "note", item.text


@pytest.fixture(scope="module")
def frameworks() -> dict[Path, Framework]:
    return {path: load_framework_file(REPO / path) for path in RELATIVE_FILES}


@pytest.fixture(scope="module")
def catalogue(frameworks: dict[Path, Framework]) -> Catalogue:
    catalogue = Catalogue()
    for framework in frameworks.values():
        catalogue.extend(framework.sections)
    return catalogue


def _statement(catalogue: Catalogue, ref: str) -> Statement:
    statement = catalogue.get(ref)
    assert statement is not None, ref
    return statement


# -- the committed files


def test_core_file_is_found_from_the_package() -> None:
    framework = load_framework_file(core_framework_path())
    assert [s.ref for s in framework.sections] == [f"XR-{n}" for n in range(1, 9)]


def test_each_file_holds_its_own_sections(frameworks: dict[Path, Framework]) -> None:
    core = frameworks[CORE_RELATIVE]
    assert [s.ref for s in core.sections] == [f"XR-{n}" for n in range(1, 9)]
    assert all(s.modality is None for s in core.sections)
    for modality, path in PLUGIN_RELATIVE.items():
        sections = frameworks[path].sections
        assert [(s.ref, s.modality) for s in sections] == [(f"{modality}-9", modality)]


def test_framework_block_is_the_same_in_every_file(frameworks: dict[Path, Framework]) -> None:
    blocks = {(f.id, f.title, f.version, f.owners, f.source, f.notice) for f in frameworks.values()}
    assert len(blocks) == 1
    framework = frameworks[CORE_RELATIVE]
    assert framework.id == "qsi-2026-draft"
    assert framework.title == "Quality Standard for Imaging (QSI) 2026"
    assert framework.version == "2026 consultation draft"
    assert "Royal College of Radiologists" in framework.owners
    assert "©" in framework.notice


def test_files_are_pretty_printed_json() -> None:
    for path in RELATIVE_FILES:
        text = (REPO / path).read_text(encoding="utf-8")
        assert text.endswith("}\n") and not text.endswith("\n\n")
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
        assert "\\u" not in text  # ensure_ascii=False: typographic quotes kept as they are


def test_sections_titles_and_statement_counts(catalogue: Catalogue) -> None:
    assert {s.ref: s.title for s in catalogue.sections} == SECTION_TITLES
    assert {s.ref: len(s.statements) for s in catalogue.sections} == STATEMENT_COUNTS
    assert len(catalogue) == sum(STATEMENT_COUNTS.values()) == 80


def test_refs_are_unique_across_all_files(frameworks: dict[Path, Framework]) -> None:
    refs = [s.ref for f in frameworks.values() for section in f.sections for s in section.statements]
    assert len(refs) == len(set(refs)) == 80


def test_refs_belong_to_their_section(catalogue: Catalogue) -> None:
    for section in catalogue.sections:
        prefix, digit = section.ref.split("-")
        for statement in section.statements:
            assert re.fullmatch(rf"{prefix}-{digit}[0-9]{{2}}", statement.ref), statement.ref
            assert statement.section_ref == section.ref


def test_refs_are_consecutive_in_each_section(catalogue: Catalogue) -> None:
    for section in catalogue.sections:
        prefix, digit = section.ref.split("-")
        expected = [f"{prefix}-{digit}{n:02d}" for n in range(1, len(section.statements) + 1)]
        assert [s.ref for s in section.statements] == expected


def test_every_required_field_is_filled(catalogue: Catalogue) -> None:
    for statement in catalogue.statements():
        assert statement.name and statement.statement and statement.outcome, statement.ref
        assert statement.suggestions, statement.ref
        assert statement.notes, statement.ref  # every statement in the source has notes
        for kind, text in _texts(statement):
            assert text.strip(), f"{statement.ref} {kind}"
        for item in _walk(statement.suggestions + statement.notes):
            assert re.fullmatch(r"[a-z]?", item.label), (statement.ref, item.label)


def test_no_conversion_markup_left(catalogue: Catalogue) -> None:
    problems = []
    for section in catalogue.sections:
        for kind, text in [("title", section.title), *[("intro", p) for p in section.introduction.split("\n\n")]]:
            if text and LEFTOVERS.search(text):
                problems.append((section.ref, kind, text[:80]))
        for statement in section.statements:
            for kind, text in _texts(statement):
                match = LEFTOVERS.search(text)
                if match:
                    problems.append((statement.ref, kind, match.group(0), text[:80]))
                # Lettered items lost their "a)" prefix, notes their "1." number.
                if kind == "note" and re.match(r"[0-9]+\.\s", text):
                    problems.append((statement.ref, kind, "number left", text[:80]))
                # References written "XR 705" or "MR 902" are normalised to "XR-705".
                if re.search(r"\b(XR|CT|IR|MR|NM|US) ?[0-9]{3}\b", text):
                    problems.append((statement.ref, kind, "reference", text[:80]))
    assert problems == []


def test_introductions(catalogue: Catalogue) -> None:
    intro = {s.ref: s.introduction for s in catalogue.sections}
    assert intro["XR-1"].startswith("Imaging services should strive to deliver a high-quality experience")
    assert intro["XR-1"].count("\n\n") == 3
    for modality in MODALITIES:
        assert intro[f"{modality}-9"], modality
    assert "all the XR quality statements" in intro["CT-9"]
    assert intro["NM-9"].startswith("This section also incorporates hybrid molecular imaging")


# -- specific content


def test_xr101_lettered_sub_items_and_notes(catalogue: Catalogue) -> None:
    xr101 = _statement(catalogue, "XR-101")
    assert xr101.name == "Imaging service and procedure-specific information"
    lettered = [s for s in xr101.suggestions if s.items]
    assert len(lettered) == 1
    information = lettered[0]
    assert information.text == "Information should consider the following where applicable:"
    assert [i.label for i in information.items] == list("abcdefghijklmno")
    assert information.items[0].text.startswith("The imaging services provided and organisation of the service")
    assert information.items[-1].text == "Where to seek information and support should something go wrong."
    assert len(xr101.notes) == 16
    assert xr101.notes[0].text.startswith("This QS is about the format and content of the information")
    assert (
        xr101.notes[15].text
        == "Organisational Duty of Candour: non-statutory guidance - revised March 2025 NHS Scotland."
    )


def test_xr101_suggestion_keys(catalogue: Catalogue) -> None:
    keys = _statement(catalogue, "XR-101").suggestion_keys()
    assert keys == [str(n) for n in range(1, 8)] + [f"7.{letter}" for letter in "abcdefghijklmno"]
    assert len(keys) == len(set(keys))


def test_xr102_note_with_linked_sub_items(catalogue: Catalogue) -> None:
    notes = _statement(catalogue, "XR-102").notes
    assert len(notes) == 6
    assert notes[3].text == "Examples of other services to signpost to are:"
    assert [(i.label, i.text) for i in notes[3].items] == [
        ("a", "Better Health - NHS"),
        ("b", "Healthy living - NHS"),
        ("c", "Healthwatch"),
        ("d", "Patient Advice and Liaison Service (PALS) or equivalent"),
    ]
    assert notes[5].text.startswith("In Wales its Putting things Right")  # from a table fragment


def test_xr104_html_row_statement(catalogue: Catalogue) -> None:
    xr104 = _statement(catalogue, "XR-104")
    assert xr104.name == "Privacy and security"
    assert xr104.statement == "Patients' privacy and security are maintained at all times."
    assert xr104.outcome == "Patients and their carers confirm their privacy and security have been maintained."
    assert len(xr104.suggestions) == 7
    assert xr104.suggestions[0].text.startswith("The service should have a policy in place to describe how")
    assert xr104.suggestions[-1].text == (
        "There should be an area/room available for patients who require a private conversation with staff."
    )
    assert len(xr104.notes) == 6
    assert xr104.notes[0].text.startswith("Higher risk patients may include:")
    assert xr104.notes[-1].text.startswith("Reviewers will want to understand how the service has assured itself")


def test_html_lists_with_unclosed_tags(catalogue: Catalogue) -> None:
    # "<ol> a) ... k) ... • When services ..." lost its </ol>: the bullet is a new suggestion.
    xr301 = _statement(catalogue, "XR-301")
    assert len(xr301.suggestions) == 5
    assert [i.label for i in xr301.suggestions[3].items] == list("abcdefghijk")
    assert xr301.suggestions[4].text.startswith("When services are provided between or across")
    # NM-901: a nested <ul> of lettered items never closed, suggestions continued in a later fragment.
    nm901 = _statement(catalogue, "NM-901")
    assert len(nm901.suggestions) == 15
    assert [i.text for i in nm901.suggestions[1].items] == [
        "Imaging services",
        "Pharmacy/Radiopharmacy",
        "Clinical scientific services",
    ]
    assert nm901.suggestions[-1].text.startswith("Evidence of action plans and improvements")


def test_notes_split_across_table_fragments_are_rejoined(catalogue: Catalogue) -> None:
    xr207 = _statement(catalogue, "XR-207")
    assert len(xr207.notes) == 8
    assert xr207.notes[5].text.endswith(
        "is undertaken rarely and/or where competence may not be maintained by the individual's usual "
        "clinical practice."
    )
    nm905 = _statement(catalogue, "NM-905")
    assert len(nm905.notes) == 6
    assert "the Environmental Permitting (England and Wales) Regulations 2016 (EPR)" in nm905.notes[5].text
    # Notes run together in one HTML list ("... report 202110. Homeworking ...") are split apart.
    xr203 = _statement(catalogue, "XR-203")
    assert len(xr203.notes) == 10
    assert xr203.notes[8].text == "Care is not just for the patient RCR support and wellbeing report 2021"
    assert xr203.notes[9].text == "Homeworking for radiologists RCR 2023"
    assert len(_statement(catalogue, "XR-501").notes) == 13
    assert [n.text for n in _statement(catalogue, "US-901").notes[-2:]] == [
        "BMUS Recommended Audit Tool, BMUS, 2014",
        "Combined Guidance for the Safe Use of Medical Ultrasound, BMUS, 2025",
    ]


def test_suggestion_subheadings_and_lost_indentation(catalogue: Catalogue) -> None:
    xr307 = _statement(catalogue, "XR-307")
    assert [(s.text, len(s.items)) for s in xr307.suggestions[-2:]] == [("Outsourcing", 4), ("Insourcing", 3)]
    xr409 = _statement(catalogue, "XR-409")
    assert xr409.suggestions[0].text.endswith("for the following:")
    assert [i.text for i in xr409.suggestions[0].items][:2] == ["Receipt of referral", "Referral to examination"]
    assert len(xr409.suggestions) == 6
    # "...environmental footprint" + "Adoption of a circular economy model ..." are two bullets.
    xr310 = _statement(catalogue, "XR-310")
    assert xr310.suggestions[1].text.startswith("Adoption of a circular economy model")


def test_recovered_refs(catalogue: Catalogue) -> None:
    for ref, name in RECOVERED.items():
        statement = _statement(catalogue, ref)
        assert statement.name == name
        assert statement.statement and statement.outcome and statement.suggestions and statement.notes
    assert _statement(catalogue, "XR-702").statement.startswith("Pathway and condition-specific protocols are in use")


def test_spaced_refs_are_normalised(catalogue: Catalogue) -> None:
    # "XR 705" and "MR 901".."MR 903" in the seed.
    assert _statement(catalogue, "XR-705").name == "Management of medicines in imaging"
    assert _statement(catalogue, "MR-901").name == "Governance and safety systems"
    assert _statement(catalogue, "MR-903").name == "Environment and equipment"
    assert catalogue.get("xr 705") is catalogue.get("XR-705")


def test_paediatric_scope(catalogue: Catalogue) -> None:
    scoped = {s.ref for s in catalogue.statements() if s.scope}
    assert scoped == PAEDIATRIC
    for ref in PAEDIATRIC:
        assert _statement(catalogue, ref).scope == ("paediatric",)
    for modality in MODALITIES:
        assert _statement(catalogue, f"{modality}-904").name == "Paediatric imaging"


# -- the loader rejects broken files


def _minimal() -> dict:
    return {
        "schema": 1,
        "framework": {
            "id": "qsi-2026-draft",
            "title": "Quality Standard for Imaging (QSI) 2026",
            "version": "2026 consultation draft",
            "owners": "The Royal College of Radiologists and the College of Radiographers",
            "source": "test",
        },
        "sections": [
            {
                "ref": "XR-1",
                "title": "Patient information, support and experience",
                "modality": None,
                "introduction": "Intro.",
                "statements": [
                    {
                        "ref": "XR-101",
                        "name": "Name",
                        "statement": "Statement.",
                        "outcome": "Outcome.",
                        "suggestions": [{"text": "List:", "items": [{"label": "a", "text": "One"}]}],
                        "notes": [{"text": "Note."}],
                        "scope": [],
                    }
                ],
            }
        ],
    }


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "framework.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_loader_accepts_the_minimal_file(tmp_path: Path) -> None:
    framework = load_framework_file(_write(tmp_path, _minimal()))
    assert framework.sections[0].statements[0].suggestion_keys() == ["1", "1.a"]


@pytest.mark.parametrize(
    "markup",
    [
        "<i>Reviewers should enquire.</i>",
        "See [Health Building Notes](#)",
        '<p data-bbox="1 2 3 4">Text</p>',
        "Text DRAFT text",
        "Privacy&nbsp;and security",
        "*Emphasised note*",
    ],
)
def test_loader_rejects_markup(tmp_path: Path, markup: str) -> None:
    data = _minimal()
    data["sections"][0]["statements"][0]["notes"][0]["text"] = markup
    with pytest.raises(CatalogueError, match="markup"):
        load_framework_file(_write(tmp_path, data))


def test_loader_rejects_a_duplicate_ref(tmp_path: Path) -> None:
    data = _minimal()
    statements = data["sections"][0]["statements"]
    statements.append(copy.deepcopy(statements[0]))
    with pytest.raises(CatalogueError, match="duplicate statement references: XR-101"):
        load_framework_file(_write(tmp_path, data))


@pytest.mark.parametrize("field", ["name", "statement", "outcome"])
def test_loader_rejects_an_empty_field(tmp_path: Path, field: str) -> None:
    data = _minimal()
    data["sections"][0]["statements"][0][field] = " "
    with pytest.raises(CatalogueError, match=field):
        load_framework_file(_write(tmp_path, data))


def test_loader_rejects_empty_suggestions_and_empty_item_text(tmp_path: Path) -> None:
    data = _minimal()
    data["sections"][0]["statements"][0]["suggestions"] = []
    with pytest.raises(CatalogueError, match="suggestions"):
        load_framework_file(_write(tmp_path, data))
    data = _minimal()
    data["sections"][0]["statements"][0]["suggestions"][0]["items"][0]["text"] = ""
    with pytest.raises(CatalogueError, match="text"):
        load_framework_file(_write(tmp_path, data))


def test_loader_rejects_a_ref_outside_its_section(tmp_path: Path) -> None:
    data = _minimal()
    data["sections"][0]["statements"][0]["ref"] = "XR-501"
    with pytest.raises(CatalogueError, match="does not belong to section XR-1"):
        load_framework_file(_write(tmp_path, data))


# -- the converter (needs the seed, which lives outside the repository)

needs_seed = pytest.mark.skipif(not SEED.is_file(), reason=f"QSI seed text not available at {SEED}")


def _run_converter(seed: Path, out_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CONVERTER), str(seed), "--out-dir", str(out_dir)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


@needs_seed
def test_converter_reproduces_the_committed_files(tmp_path: Path) -> None:
    result = _run_converter(SEED, tmp_path)
    assert result.returncode == 0, result.stderr
    for path in RELATIVE_FILES:
        assert (tmp_path / path).read_bytes() == (REPO / path).read_bytes(), path
    for ref in RECOVERED:
        assert f"recovered {ref}" in result.stdout
    assert "total 80 statements in 13 sections" in result.stdout


@needs_seed
def test_converter_fails_on_a_duplicate_ref(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    assert text.count("\nXR-102\n") == 1
    seed = tmp_path / "seed.txt"
    seed.write_text(text.replace("\nXR-102\n", "\nXR-101\n"), encoding="utf-8")
    result = _run_converter(seed, tmp_path / "out")
    assert result.returncode != 0
    assert "XR-101" in result.stderr and "duplicate" in result.stderr
    assert not (tmp_path / "out").exists()


@needs_seed
def test_converter_fails_on_a_missing_field(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    marker = "\nOutcome measure\n\nPatients confirm they have received sufficient information"
    assert text.count(marker) == 1
    seed = tmp_path / "seed.txt"
    seed.write_text(
        text.replace(marker, "\nPatients confirm they have received sufficient information"), encoding="utf-8"
    )
    result = _run_converter(seed, tmp_path / "out")
    assert result.returncode != 0
    assert "XR-101" in result.stderr and "outcome" in result.stderr
    assert not (tmp_path / "out").exists()
