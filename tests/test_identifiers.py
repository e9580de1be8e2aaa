"""Identifier-shaped text in the free-text columns an importer keeps: held back, blanked or kept."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from qsi_desktop.privacy import (
    DATE_OF_BIRTH,
    HOSPITAL_NUMBER,
    NAME_AFTER_TITLE,
    NAME_AND_DATE,
    find_identifier_kinds,
)
from qsi_desktop.selftest.samples import csv_sample, write_samples

PLANTED = {
    "RX7654321": HOSPITAL_NUMBER,
    "MRN 00998877": HOSPITAL_NUMBER,
    "Hosp no: K4455667": HOSPITAL_NUMBER,
    "DOB 14/02/1948": DATE_OF_BIRTH,
    "seen Mrs Winifred Halloway": NAME_AFTER_TITLE,
    "Arthur Pendleby 03/07/1951": NAME_AND_DATE,
}
SECRETS = (b"7654321", b"00998877", b"4455667", b"14/02/1948", b"Halloway", b"Pendleby", b"1948-02-14")

# Realistic notes and values from logs and registers: none is an identifier.
REALISTIC = [
    "C5-1",
    "SN 12345678",
    "SN12345678",
    "S/N 45678",
    "Trophon 2",
    "Trophon EPR cycle C1001",
    "Low level wipe",
    "Surface (abdomen)",
    "Transvaginal",
    "TOE",
    "Pass",
    "Fail - repeated",
    "MR Conditional",
    "MR Safe",
    "MR1 (3T)",
    "1.5T only, SAR 2 W/kg, spatial gradient 20 T/m",
    "Gamma 1",
    "PET",
    "Tc-99m HDP",
    "F-18 FDG",
    "Tc-99m MDP lot 123456",
    "I-131 400 MBq",
    "Bone scan",
    "FDG PET",
    "Chest routine",
    "CT HEAD WO",
    "CAP 5mm",
    "DR detector, Room 2",
    "GE LOGIQ E10",
    "Philips EPIQ 7 X5-1 probe",
    "Canon Aplio i800",
    "Siemens Avanto 1.5T",
    "Checked by Sam Jones 05/03/2026",
    "Ventilator (MR Conditional 3T)",
    "Cable fault, ref 1234567 logged with GE",
    "PO 123456 raised",
    "ward 7",
    "Asset A1001",
    "Resus trolley outside Zone III",
    "Oxygen cylinder (aluminium)",
    "ISO 9001",
    "EN 60601-2-33",
    "Room 3, 20.5 C",
    "Quench pipe check",
    "Zone 4 door",
    "Paediatric 0-5 y",
    "Adult",
]


@pytest.mark.parametrize(("text", "kind"), PLANTED.items())
def test_identifier_shapes_are_found(text: str, kind: str) -> None:
    assert find_identifier_kinds(text) == [kind]


@pytest.mark.parametrize("text", REALISTIC)
def test_realistic_notes_and_serials_pass(text: str) -> None:
    assert find_identifier_kinds(text) == []


# Per table importer: the sample file, and the kept free-text column (header, record field) to plant into.
FREE_TEXT = {
    "us-decontamination": ("Method", "method"),
    "mr-environment": ("Room", "room"),
    "nm-activity": ("Radiopharmaceutical", "radiopharmaceutical"),
}


def _planted_sample(tmp_path: Path, importer: str, text: str) -> tuple[Path, int]:
    header, _field = FREE_TEXT[importer]
    rows = list(csv.reader(io.StringIO(csv_sample(importer).read_text(encoding="utf-8"))))
    rows[1][rows[0].index(header)] = text
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / f"{importer}.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path, len(rows) - 1


def _init(cli, tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "Riverside", "--modalities", "CT,IR,MR,NM,US").code == 0
    return path


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("importer", sorted(FREE_TEXT))
@pytest.mark.parametrize("text", PLANTED)
def test_planted_identifiers_are_held_back_by_column_and_row(cli, tmp_path: Path, importer: str, text: str) -> None:
    path = _init(cli, tmp_path)
    log, rows = _planted_sample(tmp_path, importer, text)
    result = cli("import", path, importer, log, "--json")
    assert result.code == 1
    summary = json.loads(result.out)
    held = [r for r in summary["rejected"] if "held back" in r["reason"]]
    field = FREE_TEXT[importer][1]
    assert [(r["row"], r["reason"].split(":")[0]) for r in held] == [
        (2, f"the {field} value looks like {PLANTED[text]}")
    ]
    assert summary["imported"] == rows - 1
    for secret in SECRETS:
        assert secret not in result.out.encode() and secret not in result.err.encode()
        assert secret not in _all_bytes(path), secret


@pytest.mark.parametrize("importer", sorted(FREE_TEXT))
def test_blank_stores_the_row_without_the_text_and_keep_stores_it(cli, tmp_path: Path, importer: str) -> None:
    path = _init(cli, tmp_path)
    log, rows = _planted_sample(tmp_path, importer, "seen Mrs Winifred Halloway")
    blank = json.loads(cli("import", path, importer, log, "--identifiers", "blank", "--json").out)
    assert blank["imported"] == rows and not blank["rejected"]
    assert any("stored with that text blanked" in s["reason"] for s in blank["skipped"])
    assert b"Halloway" not in _all_bytes(path)
    other = tmp_path / "other"
    other.mkdir()
    path2 = _init(cli, other)
    kept = json.loads(cli("import", path2, importer, log, "--identifiers", "keep", "--json").out)
    assert kept["imported"] == rows
    records = json.loads(cli("records", path2, importer, "--json").out)
    assert any(r.get(FREE_TEXT[importer][1]) == "seen Mrs Winifred Halloway" for r in records)


@pytest.mark.parametrize("importer", [*sorted(FREE_TEXT), "nm-licences", "ct-dose", "ir-dose"])
def test_the_shipped_samples_hold_nothing_back(cli, tmp_path: Path, importer: str) -> None:
    path = _init(cli, tmp_path)
    files = write_samples(importer, tmp_path / "in")
    summary = json.loads(cli("import", path, importer, *files, "--json").out)
    assert not [r for r in summary["rejected"] if "held back" in r["reason"]]


def test_serial_and_licence_columns_are_not_free_text(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    log = tmp_path / "decon.csv"
    log.write_text(
        "Probe ID,Date,Examination category,Method,Result\nSN12345678,05/03/2026,Surface,Low level wipe,Pass\n"
        "RX1234567,05/03/2026,Surface,Low level wipe,Pass\n",
        encoding="utf-8",
    )
    assert cli("import", path, "us-decontamination", log).code == 0
    # The licence holder is a practitioner by name, by design.
    assert cli("import", path, "nm-licences", csv_sample("nm-licences")).code == 0


@pytest.mark.parametrize("importer", ["ct-dose", "ir-dose"])
def test_a_name_in_a_dose_reports_study_description_is_held_back(cli, tmp_path: Path, importer: str) -> None:
    import pydicom

    path = _init(cli, tmp_path)
    files = write_samples(importer, tmp_path / "in")[:1]
    ds = pydicom.dcmread(files[0])
    ds.StudyDescription = "CT chest Mr Pendleby"
    ds.save_as(files[0])
    result = cli("import", path, importer, *files, "--json")
    summary = json.loads(result.out)
    assert summary["imported"] == 0
    assert summary["rejected"][0]["reason"].startswith(f"the study_description value looks like {NAME_AFTER_TITLE}")
    assert b"Pendleby" not in _all_bytes(path)


@pytest.mark.parametrize(
    "text",
    ["943 476 5919", "943.476.5919", "943-476-5919", "9434765919", "9434 765 919", "94 3476 5919", "NHS no:9434765919"],
)
def test_nhs_numbers_are_found_however_they_are_grouped(text: str) -> None:
    from qsi_desktop.privacy import find_nhs_numbers, redact_nhs_numbers

    assert len(find_nhs_numbers(text)) == 1
    assert "5919" not in redact_nhs_numbers(text) and "[NHS number removed]" in redact_nhs_numbers(text)


@pytest.mark.parametrize(
    "text", ["0121 456 7890", "07700 900123", "2026-11-15 12:30", "SN 12345678", "943 476 5918", "Room 4 cycle 19"]
)
def test_phone_numbers_dates_serials_and_failed_checks_are_not_nhs_numbers(text: str) -> None:
    from qsi_desktop.privacy import find_nhs_numbers

    assert find_nhs_numbers(text) == []
