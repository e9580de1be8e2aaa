"""The dose reader on files built to mirror each vendor structure and quirk (DOMAIN.md section 3)."""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import Tag

from qsi_desktop.dose.files import read_path
from qsi_desktop.dose.model import DoseReport, NotUsable
from qsi_desktop.dose.units import parse_decimal, to_audit_unit


def only(path: Path) -> DoseReport | NotUsable:
    entries = list(read_path(path))
    assert len(entries) == 1
    return entries[0].result


def report(path: Path) -> DoseReport:
    result = only(path)
    assert isinstance(result, DoseReport), getattr(result, "reason", result)
    return result


def problem(path: Path) -> NotUsable:
    result = only(path)
    assert isinstance(result, NotUsable), result
    return result


# -- units and numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "quantity", "expected"),
    [
        (12.5, "mGy.cm", "dose_length", 12.5),
        (12.5, "mGycm", "dose_length", 12.5),
        (1.25, "Gy.cm", "dose_length", 1250.0),
        (0.00125, "Gy.m2", "dose_area", 12.5),
        (0.00125, "Gym2", "dose_area", 12.5),
        (5.5, "dGy.cm2", "dose_area", 0.55),
        (55.0, "cGy.cm2", "dose_area", 0.55),
        (125.0, "uGy.m2", "dose_area", 1.25),
        (125.0, "µGy.m2", "dose_area", 1.25),
        (3.1, "mGy", "dose", 3.1),
        (0.0031, "Gy", "dose", 3.1),
        (2.0, "min", "time", 120.0),
        (30.5, "s", "time", 30.5),
        (12.5, "mGy", "dose_length", None),  # a dose is not a DLP: left out, not guessed
        (12.5, "furlong", "dose", None),
    ],
)
def test_units_are_normalised_by_code_value_whatever_the_spelling(
    value: float, unit: str, quantity: Any, expected: float | None
) -> None:
    assert to_audit_unit(value, unit, quantity) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10.50/ 15.00", 10.5), ("10.50\\15.00", 10.5), ("12,5", 12.5), (" 7 ", 7.0), ("1e2", 100.0), ("n/a", None)],
)
def test_decimal_strings_as_vendors_write_them(text: str, expected: float | None) -> None:
    assert parse_decimal(text) == expected
    assert parse_decimal(text.encode()) == expected


# -- CT structures ---------------------------------------------------------------------------------


def test_ge_style_enhanced_sr_without_template_id(tmp_path: Path, dicom: Any) -> None:
    events = [dicom.ct_event(kind=dicom.LOCALISER, ctdivol=None, dlp="3.1", phantom=None)]
    events += [
        dicom.ct_event(protocol=f"5.x Chest {n}", ctdivol="8.25", dlp="310", units=("mGy", "mGycm")) for n in (1, 2)
    ]
    ds = dicom.ct_rdsr(events, dlp_total="623.1", dlp_unit="mGycm", template=None, sop_class=dicom.ENHANCED_SR)
    ds.Manufacturer, ds.ManufacturerModelName, ds.StationName = "GE MEDICAL SYSTEMS", "Revolution CT", "RCT1"
    result = report(dicom.save(ds, tmp_path / "ge"))
    assert result.kind == "ct"
    data = result.data
    assert data["device"] == "GE MEDICAL SYSTEMS Revolution CT" and data["station"] == "RCT1"
    assert data["dlp_total_mgycm"] == 623.1
    assert [e["localiser"] for e in data["events"]] == [True, False, False]
    assert [e["ctdivol_mgy"] for e in data["events"]] == [None, 8.25, 8.25]
    assert data["events"][1]["dlp_mgycm"] == 310.0 and data["events"][1]["protocol"] == "5.x Chest 1"


def test_siemens_style_head_and_body_phantoms_and_a_localiser(tmp_path: Path, dicom: Any) -> None:
    events = [
        dicom.ct_event("Topogram", kind=dicom.LOCALISER, ctdivol="0.13", dlp="6.2", phantom=dicom.BODY),
        dicom.ct_event("Head seq", kind=dicom.SEQUENCED, ctdivol="45.1", dlp="700.4", phantom=dicom.HEAD),
        dicom.ct_event("Neck spiral", kind=dicom.SPIRAL_SCT, ctdivol="6.9", dlp="205", phantom=dicom.BODY),
    ]
    data = report(dicom.save(dicom.ct_rdsr(events, dlp_total="911.6"), tmp_path / "siemens.dcm")).data
    by_protocol = {e["protocol"]: e for e in data["events"]}
    assert by_protocol["Topogram"] == {
        "protocol": "Topogram",
        "acquisition_type": "Constant Angle Acquisition",
        "localiser": True,
        "ctdivol_mgy": None,  # a localiser's CTDIvol never reaches an audit
        "dlp_mgycm": 6.2,
        "phantom": "body",
        "target_region": "Chest",
    }
    assert (by_protocol["Head seq"]["phantom"], by_protocol["Head seq"]["ctdivol_mgy"]) == ("head", 45.1)
    assert by_protocol["Head seq"]["acquisition_type"] == "Sequenced Acquisition"
    # SCT code with another meaning text: the code decides, the name is ours.
    assert by_protocol["Neck spiral"]["acquisition_type"] == "Spiral Acquisition"
    assert (data["age_years"], data["sex"], data["weight_kg"], data["height_m"]) == (45, "F", 72.5, 1.68)
    assert data["exam_month"] == "2024-03" and data["source"] == "dose report"


def test_dlp_total_from_the_events_when_the_file_gives_none(tmp_path: Path, dicom: Any) -> None:
    events = [dicom.ct_event(dlp="100.5"), dicom.ct_event(dlp="200")]
    assert report(dicom.save(dicom.ct_rdsr(events), tmp_path / "a")).data["dlp_total_mgycm"] == 300.5


def test_decimal_strings_with_slashes_and_commas_in_a_file(tmp_path: Path, dicom: Any) -> None:
    events = [dicom.ct_event(ctdivol="10.50/ 15.00", dlp="12,5")]
    data = report(dicom.save(dicom.ct_rdsr(events, dlp_total="12,5"), tmp_path / "a")).data
    assert (data["events"][0]["ctdivol_mgy"], data["events"][0]["dlp_mgycm"], data["dlp_total_mgycm"]) == (
        10.5,
        12.5,
        12.5,
    )


def test_utf8_bytes_under_a_latin1_character_set(tmp_path: Path, dicom: Any) -> None:
    ds = dicom.ct_rdsr([dicom.ct_event()])
    utf8 = "Thorax Übersicht – Kontrast".encode()
    utf8 += b" " * (len(utf8) % 2)
    ds[0x00081030] = RawDataElement(Tag(0x00081030), "LO", len(utf8), utf8, 0, False, True)
    latin1 = "Salle é".encode("latin-1") + b" "
    ds[0x00081010] = RawDataElement(Tag(0x00081010), "SH", len(latin1), latin1, 0, False, True)
    data = report(dicom.save(ds, tmp_path / "a")).data
    assert data["study_description"] == "Thorax Übersicht – Kontrast"
    assert data["station"] == "Salle é"


def test_an_implicit_vr_file_of_several_mb_with_300_events(tmp_path: Path, dicom: Any) -> None:
    events = [
        dicom.ct_event(f"Seq {n}", dlp="10", parameters=40, started=f"2024031510{n // 60:02d}{n % 60:02d}")
        for n in range(300)
    ]
    path = dicom.save(dicom.ct_rdsr(events, dlp_total="3000"), tmp_path / "big", implicit=True)
    assert path.stat().st_size > 2_000_000
    result = report(path)
    assert result.events == 300 and result.data["dlp_total_mgycm"] == 3000.0


def test_missing_study_date_falls_back_to_the_first_event(tmp_path: Path, dicom: Any) -> None:
    events = [dicom.ct_event(started="20231102080000"), dicom.ct_event(started="20231101235900")]
    assert report(dicom.save(dicom.ct_rdsr(events, study_date=None), tmp_path / "a")).data["exam_month"] == "2023-11"
    undated = [dicom.ct_event(started=None)]
    assert report(dicom.save(dicom.ct_rdsr(undated, study_date=None), tmp_path / "b")).data["exam_month"] is None


def test_age_from_birth_date_or_months_and_no_identifier_kept(tmp_path: Path, dicom: Any) -> None:
    ds = dicom.ct_rdsr([dicom.ct_event()], study_date="20240315")
    del ds.PatientAge  # then birth date (1978-11-23) to study date
    assert report(dicom.save(ds, tmp_path / "a")).data["age_years"] == 45
    ds = dicom.ct_rdsr([dicom.ct_event()])
    ds.PatientAge = "006M"
    data = report(dicom.save(ds, tmp_path / "b")).data
    assert data["age_years"] == 0.5
    flat = repr(data)
    for planted in dicom.PLANTED_STRINGS:
        assert planted not in flat
    assert ds.SOPInstanceUID not in flat and ds.StudyInstanceUID not in flat


def test_invalid_uids_and_a_file_without_preamble_are_read(tmp_path: Path, dicom: Any) -> None:
    ds = dicom.ct_rdsr([dicom.ct_event(uid="1.2.826.0.1.3680043.01.abc")], sop_uid="1.2.3.04.X")
    result = report(dicom.save(ds, tmp_path / "a", preamble=False))
    assert result.sop_uid == "1.2.3.04.X" and result.events == 1


# -- projection -------------------------------------------------------------------------------------


def test_projection_rdsr_with_fluoro_and_acquisition_events(tmp_path: Path, dicom: Any) -> None:
    events = [
        dicom.projection_event(dicom.FLUOROSCOPY, dap="0.00125", rp="0.0152", seconds="30.5"),
        dicom.projection_event(dicom.STATIONARY, dap="5.5", dap_unit="dGy.cm2", rp="3.1", rp_unit="mGy", seconds="0.8"),
        dicom.projection_event(dicom.FLUOROSCOPY, dap="4.5", dap_unit="Gycm2", rp="1.1", rp_unit="mGy", seconds="1"),
    ]
    totals = {
        "113722": ("0.0017550", "Gym2"),
        "113725": ("19.4", "mGy"),
        "113726": ("17.0", "Gy.cm2"),
        "113727": ("0.55", "Gy.cm2"),
        "113728": ("16.3", "mGy"),
        "113729": ("0.0031", "Gy"),
        "113730": ("0.525", "min"),
    }
    result = report(dicom.save(dicom.projection_rdsr(events, totals=totals), tmp_path / "ir"))
    assert result.kind == "projection"
    data = result.data
    assert (data["dap_total_gycm2"], data["rp_dose_total_mgy"], data["fluoro_time_s"]) == (17.55, 19.4, 31.5)
    assert (data["fluoro_dap_total_gycm2"], data["acquisition_dap_total_gycm2"]) == (17.0, 0.55)
    assert (data["fluoro_rp_total_mgy"], data["acquisition_rp_total_mgy"]) == (16.3, 3.1)
    assert [e["event_type"] for e in data["events"]] == ["fluoroscopy", "acquisition", "fluoroscopy"]
    assert data["events"][1] == {
        "plane": "single",
        "event_type": "acquisition",
        "acquisition_type": "Stationary Acquisition",
        "protocol": "Abdomen 7.5 fps",
        "target_region": None,
        "dap_gycm2": 0.55,
        "rp_dose_mgy": 3.1,
        "time_s": 0.8,
    }
    assert data["events"][0]["dap_gycm2"] == 12.5


# -- not dose reports ---------------------------------------------------------------------------------


def test_radiopharmaceutical_rdsr_is_skipped(tmp_path: Path, dicom: Any) -> None:
    ds = dicom.ct_rdsr([], template="10021", title=("113500", "DCM", "Radiopharmaceutical Radiation Dose Report"))
    ds.SOPClassUID = dicom.RADIOPHARMACEUTICAL_SR
    found = problem(dicom.save(ds, tmp_path / "nm"))
    assert found.kind == "skipped" and "radiopharmaceutical" in found.reason


def test_a_ct_image_is_skipped(tmp_path: Path, dicom: Any) -> None:
    ds = Dataset()
    dicom.header(ds, dicom.CT_IMAGE, study_uid=dicom.uid(), sop_uid=None, study_date="20240315")
    ds.Modality, ds.Rows, ds.Columns, ds.BitsAllocated = "CT", 2, 2, 16
    ds.CTDIvol = 12.0
    ds.PixelData = b"\x00" * 8
    found = problem(dicom.save(ds, tmp_path / "IM0001"))
    assert (found.kind, found.reason) == ("skipped", "a DICOM image, not a dose report")


def test_philips_style_dose_summary_secondary_capture(tmp_path: Path, dicom: Any) -> None:
    ds = Dataset()
    dicom.header(ds, dicom.SECONDARY_CAPTURE, study_uid=dicom.uid(), sop_uid=None, study_date="20240315")
    ds.Modality, ds.Manufacturer, ds.ManufacturerModelName = "CT", "Philips", "Ingenuity CT"
    ds.CTDIvol = 7.3
    ds.CTDIPhantomTypeCodeSequence = [dicom.code(*dicom.BODY)]
    ds.ImageComments = "Dose info: Total mAs 2318 Total DLP = 245.6 mGy-cm"
    ds.add_new(0x01F10010, "LO", "Philips Imaging DD 001")
    ds.add_new(0x01F11050, "LO", "Series 2 CTDIvol = 7.3 mGy DLP = 240.1 mGy-cm")
    result = report(dicom.save(ds, tmp_path / "doseinfo"))
    data = result.data
    assert result.kind == "ct" and data["source"] == "dose summary image"
    assert data["dlp_total_mgycm"] == 245.6
    assert [(e["ctdivol_mgy"], e["phantom"]) for e in data["events"]] == [(7.3, "body")]


def test_a_secondary_capture_without_dose_is_skipped(tmp_path: Path, dicom: Any) -> None:
    ds = Dataset()
    dicom.header(ds, dicom.SECONDARY_CAPTURE, study_uid=dicom.uid(), sop_uid=None, study_date="20240315")
    ds.ImageComments = "Scanned request form"
    assert problem(dicom.save(ds, tmp_path / "sc")).reason == "a secondary capture without dose values"


def test_text_and_empty_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("Total DLP = 100 mGy.cm\n")
    (tmp_path / "empty").write_bytes(b"")
    assert (problem(tmp_path / "notes.txt").kind, problem(tmp_path / "notes.txt").reason) == (
        "skipped",
        "not a DICOM file",
    )
    assert problem(tmp_path / "empty").reason == "the file is empty"


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.8, 0.97])
def test_a_truncated_rdsr_is_rejected_with_a_reason(tmp_path: Path, dicom: Any, keep: float) -> None:
    whole = dicom.save(
        dicom.ct_rdsr([dicom.ct_event() for _ in range(6)], dlp_total="900"), tmp_path / "whole"
    ).read_bytes()
    cut = tmp_path / "cut"
    cut.write_bytes(whole[: int(len(whole) * keep)])
    found = problem(cut)
    assert found.kind == "rejected" and "cut short" in found.reason
    assert "Traceback" not in found.reason


# -- zips and DICOMDIRs -----------------------------------------------------------------------------


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_a_zip_is_read_member_by_member(tmp_path: Path, dicom: Any) -> None:
    rdsr = dicom.save(dicom.ct_rdsr([dicom.ct_event()]), tmp_path / "a").read_bytes()
    inner = zip_of(tmp_path / "inner.zip", {"x": rdsr}).read_bytes()
    entries = list(
        read_path(zip_of(tmp_path / "t.zip", {"Smith John/rdsr": rdsr, "readme.txt": b"hi", "in.zip": inner}))
    )
    assert isinstance(entries[0].result, DoseReport)
    assert [e.reason for e in entries[1:]] == [
        "member 2 of the zip file: not a DICOM file",
        "member 3 of the zip file: a zip file inside the zip file: not followed (unzip it first)",
    ]


def test_a_zip_slip_name_is_refused(tmp_path: Path, dicom: Any) -> None:
    rdsr = dicom.save(dicom.ct_rdsr([dicom.ct_event()]), tmp_path / "a").read_bytes()
    for name in ("../evil.dcm", "/etc/evil.dcm", "C:\\evil.dcm", "ok/../../evil.dcm"):
        entries = list(read_path(zip_of(tmp_path / "slip.zip", {"good.dcm": rdsr, name: rdsr})))
        assert len(entries) == 1, name
        assert "zip slip" in entries[0].reason and "nothing read" in entries[0].reason


def test_a_zip_bomb_is_refused_by_its_ratio(tmp_path: Path) -> None:
    entries = list(read_path(zip_of(tmp_path / "bomb.zip", {"bomb.dcm": b"\x00" * (5 * 1024 * 1024)})))
    assert len(entries) == 1 and "zip bomb" in entries[0].reason


def test_a_dicomdir_is_followed_inside_its_folder_only(tmp_path: Path, dicom: Any) -> None:
    media = tmp_path / "media"
    dicom.save(dicom.ct_rdsr([dicom.ct_event()]), media / "DICOM" / "RDSR0001")
    dicom.save(dicom.ct_rdsr([dicom.ct_event()]), tmp_path / "outside")
    directory = Dataset()
    records = []
    for parts in (None, ["DICOM", "RDSR0001"], ["..", "outside"], ["DICOM", "MISSING"]):
        record = Dataset()
        record.DirectoryRecordType = "SR DOCUMENT" if parts else "STUDY"
        if parts:
            record.ReferencedFileID = parts
        records.append(record)
    directory.DirectoryRecordSequence = records
    directory.SOPClassUID, directory.SOPInstanceUID = "1.2.840.10008.1.3.10", dicom.uid()
    entries = list(read_path(dicom.save(directory, media / "DICOMDIR")))
    assert isinstance(entries[0].result, DoseReport)
    assert [e.reason for e in entries[1:]] == [
        "file 2 of the DICOMDIR: it points outside the DICOMDIR's folder: not read",
        "file 3 of the DICOMDIR: the file it lists is missing",
    ]


def test_reasons_never_hold_a_member_name(tmp_path: Path) -> None:
    entries = list(read_path(zip_of(tmp_path / "z.zip", {"Quartermain Zebedee.txt": b"x"})))
    assert "Quartermain" not in entries[0].reason


def test_bytes_only_reach_pydicom_through_memory_for_members(tmp_path: Path, dicom: Any) -> None:
    data = dicom.save(dicom.ct_rdsr([dicom.ct_event()]), tmp_path / "a").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a", data)
    (tmp_path / "stored.zip").write_bytes(buffer.getvalue())
    assert isinstance(only(tmp_path / "stored.zip"), DoseReport)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "stored.zip"]  # nothing extracted


def test_a_truncated_rdsr_with_undefined_length_sequences_is_rejected(tmp_path: Path, dicom: Any) -> None:
    ds = dicom.ct_rdsr([dicom.ct_event() for _ in range(4)], dlp_total="900")

    def undefined(dataset: Dataset) -> None:  # as GE writes them
        for element in dataset:
            if element.VR == "SQ":
                element.is_undefined_length = True
                for child in element.value:
                    undefined(child)

    undefined(ds)
    whole = dicom.save(ds, tmp_path / "whole").read_bytes()
    assert isinstance(only(tmp_path / "whole"), DoseReport)
    (tmp_path / "cut").write_bytes(whole[: len(whole) * 2 // 3])
    assert "cut short" in problem(tmp_path / "cut").reason


def test_real_fluoroscopy_rdsrs_from_pyskindose_when_installed() -> None:
    """pyskindose (MIT) ships real Philips and Siemens RDSRs; not a dependency: read when present."""
    spec = importlib.util.find_spec("pyskindose")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pyskindose is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "example_data" / "RDSR"
    for path in sorted(folder.glob("*.dcm")):
        result = report(path)
        assert result.kind == "projection" and result.events > 10
        assert result.data["dap_total_gycm2"] and result.data["rp_dose_total_mgy"], path.name


def test_a_huge_file_is_refused_with_the_limit_but_a_huge_image_is_just_an_image(
    tmp_path: Path, dicom: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qsi_desktop.dose import files

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 2000)
    big = dicom.save(dicom.ct_rdsr([dicom.ct_event() for _ in range(3)]), tmp_path / "big")
    found = problem(big)
    assert found.kind == "rejected" and "too large" in found.reason and "2,000" in found.reason
    image = Dataset()
    dicom.header(image, dicom.CT_IMAGE, study_uid=dicom.uid(), sop_uid=None, study_date="20240315")
    image.Rows, image.Columns, image.BitsAllocated = 40, 50, 16
    image.PixelData = b"\x00" * 4000
    assert problem(dicom.save(image, tmp_path / "IM1")).reason == "a DICOM image, not a dose report"
