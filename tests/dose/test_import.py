"""``qsi import PATH ct-dose|ir-dose`` and ``qsi records`` end to end: de-duplication, cumulative
re-sends and continued studies, bad files, and privacy down to every byte of the workspace."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pydicom.dataset import Dataset
from qsi_plugin_ct.importers import dose as ct_dose
from qsi_plugin_ir.importers import dose as ir_dose

from qsi_desktop.dose.records import read_dose_records
from qsi_desktop.plugins.types import ImportedRecord, ImportIssue


@pytest.fixture
def workspace(tmp_path: Path, qsi: Any) -> Path:
    path = tmp_path / "ws"
    code, _ = qsi("init", path, "--service", "Riverside Imaging", "--modalities", "CT,US")
    assert code == 0
    return path


def imported(qsi: Any, workspace: Path, importer: str, *files: Path) -> tuple[int, dict[str, Any]]:
    code, out = qsi("import", workspace, importer, *files, "--json")
    return code, json.loads(out)


def records(qsi: Any, workspace: Path, importer: str, *extra: str) -> list[dict[str, Any]]:
    code, out = qsi("records", workspace, importer, "--json", *extra)
    assert code == 0
    return json.loads(out)


def test_cumulative_resends_count_one_exam_with_the_most_events(
    tmp_path: Path, dicom: Any, qsi: Any, workspace: Path
) -> None:
    study, uids = dicom.uid(), [dicom.uid() for _ in range(6)]
    starts = [f"2024031510{n:02d}00" for n in range(6)]
    events = [dicom.ct_event(f"Seq {n}", uid=uids[n], started=starts[n]) for n in range(6)]
    folder = tmp_path / "resends"
    for count in (2, 4, 6):  # the scanner sends a growing report after each acquisition
        dicom.save(dicom.ct_rdsr(events[:count], study_uid=study), folder / f"after{count}")
    code, summary = imported(qsi, workspace, "ct-dose", folder)
    assert code == 0
    assert (summary["files"], summary["imported"], summary["duplicates"]) == (3, 3, 0)
    current = records(qsi, workspace, "ct-dose")
    assert len(current) == 1 and len(current[0]["events"]) == 6
    history = records(qsi, workspace, "ct-dose", "--history")
    assert sorted(len(r["events"]) for r in history) == [2, 4, 6]


def test_a_resend_imported_later_than_the_fuller_one_does_not_replace_it(
    tmp_path: Path, dicom: Any, qsi: Any, workspace: Path
) -> None:
    study = dicom.uid()
    events = [dicom.ct_event(uid=dicom.uid(), started=f"2024031510{n:02d}00") for n in range(4)]
    full = dicom.save(dicom.ct_rdsr(events, study_uid=study), tmp_path / "full")
    partial = dicom.save(dicom.ct_rdsr(events[:2], study_uid=study), tmp_path / "partial")
    imported(qsi, workspace, "ct-dose", full)
    imported(qsi, workspace, "ct-dose", partial)
    assert [len(r["events"]) for r in records(qsi, workspace, "ct-dose")] == [4]


def test_a_continued_study_counts_as_a_second_exam(tmp_path: Path, dicom: Any, qsi: Any, workspace: Path) -> None:
    study = dicom.uid()
    first = [dicom.ct_event(started="20240315100000"), dicom.ct_event(started="20240315100500")]
    second = [dicom.ct_event(started="20240315113000")]
    dicom.save(dicom.ct_rdsr(first, study_uid=study), tmp_path / "in" / "part1")
    dicom.save(dicom.ct_rdsr(second, study_uid=study), tmp_path / "in" / "part2")
    code, summary = imported(qsi, workspace, "ct-dose", tmp_path / "in")
    assert (code, summary["imported"]) == (0, 2)
    assert sorted(len(r["events"]) for r in records(qsi, workspace, "ct-dose")) == [1, 2]


def test_the_same_sop_instance_twice_is_a_duplicate(tmp_path: Path, dicom: Any, qsi: Any, workspace: Path) -> None:
    ds = dicom.ct_rdsr([dicom.ct_event()])
    one = dicom.save(ds, tmp_path / "one")
    copy = tmp_path / "copy.dcm"
    copy.write_bytes(one.read_bytes())
    code, summary = imported(qsi, workspace, "ct-dose", one, copy)
    assert (code, summary["imported"], summary["duplicates"]) == (0, 1, 1)
    _, again = imported(qsi, workspace, "ct-dose", one)
    assert (again["imported"], again["duplicates"]) == (0, 1)


def test_ir_dose_imports_projection_reports_and_ct_dose_points_there(
    tmp_path: Path, dicom: Any, qsi: Any, workspace: Path
) -> None:
    events = [dicom.projection_event(), dicom.projection_event(dicom.STATIONARY, seconds="0.5")]
    path = dicom.save(
        dicom.projection_rdsr(events, totals={"113722": ("0.0025", "Gy.m2"), "113725": ("30.4", "mGy")}),
        tmp_path / "fluoro",
    )
    code, summary = imported(qsi, workspace, "ct-dose", path)
    assert code == 0 and summary["imported"] == 0
    assert (
        summary["skipped"][0]["reason"] == "a projection (fluoroscopy/radiography) dose report: import it with ir-dose"
    )
    code, summary = imported(qsi, workspace, "ir-dose", path)
    assert (code, summary["imported"]) == (0, 1)
    (study,) = records(qsi, workspace, "ir-dose")
    for field in ("device", "exam_month", "dap_total_gycm2", "rp_dose_total_mgy", "fluoro_time_s", "events"):
        assert field in study
    assert (study["dap_total_gycm2"], study["rp_dose_total_mgy"], study["fluoro_time_s"]) == (25.0, 30.4, 30.5)
    assert study["occurred_on"] == "2024-03"


def test_records_json_has_the_fields_the_issue_lists(tmp_path: Path, dicom: Any, qsi: Any, workspace: Path) -> None:
    events = [dicom.ct_event("Scout", kind=dicom.LOCALISER, ctdivol="0.1", dlp="4"), dicom.ct_event("CAP")]
    dicom.save(dicom.ct_rdsr(events, dlp_total="354"), tmp_path / "a")
    imported(qsi, workspace, "ct-dose", tmp_path / "a")
    (exam,) = records(qsi, workspace, "ct-dose")
    for field in ("device", "station", "study_description", "exam_month", "age_years", "sex", "dlp_total_mgycm"):
        assert field in exam
    assert [set(e) >= {"protocol", "acquisition_type", "ctdivol_mgy", "dlp_mgycm", "phantom"} for e in exam["events"]]
    assert [e["ctdivol_mgy"] for e in exam["events"]] == [None, 10.5]
    code, table = qsi("records", workspace, "ct-dose")
    assert code == 0 and "SIEMENS SOMATOM Force" in table and "354" in table


def test_a_folder_of_everything_bad_files_reported_and_the_batch_goes_on(
    tmp_path: Path, dicom: Any, qsi: Any, workspace: Path
) -> None:
    folder = build_mixed_folder(tmp_path / "mixed", dicom)
    code, summary = imported(qsi, workspace, "ct-dose", folder)
    assert code == 1  # something was rejected: the user must look
    reasons = sorted(i["reason"] for i in summary["skipped"] + summary["rejected"])
    assert summary["imported"] == 4, reasons  # the RDSR, the summary image, the zip member, the DICOMDIR's file
    assert "a DICOM image, not a dose report" in reasons
    assert "not a DICOM file" in reasons
    assert "the file is empty" in reasons
    assert any("radiopharmaceutical" in r for r in reasons)
    assert any("cut short" in r for r in summary_reasons(summary, "rejected"))
    assert any("zip slip" in r for r in summary_reasons(summary, "rejected"))
    assert any("zip bomb" in r for r in summary_reasons(summary, "rejected"))
    assert any(r.startswith("file 2 of the DICOMDIR: it points outside") for r in reasons)
    for reason in reasons:
        assert "Traceback" not in reason and "Zebedee" not in reason


def summary_reasons(summary: dict[str, Any], kind: str) -> list[str]:
    return [issue["reason"] for issue in summary[kind]]


def test_patient_data_is_absent_from_every_byte_of_the_workspace(
    tmp_path: Path, dicom: Any, qsi: Any, workspace: Path
) -> None:
    folder = build_mixed_folder(tmp_path / "mixed", dicom)
    uids = collect_uids(folder)
    imported(qsi, workspace, "ct-dose", folder)
    imported(qsi, workspace, "ir-dose", folder)
    qsi("records", workspace, "ct-dose", "--json")
    assert records(qsi, workspace, "ct-dose")
    forbidden = [s.encode() for s in (*dicom.PLANTED_STRINGS, *uids)]
    forbidden += [s.encode("utf-16-le") for s in dicom.PLANTED_STRINGS]
    # The audit saved as evidence and the exported pack and bundle hold none of it either.
    assert qsi("dose", "audit", workspace, "--save-evidence")[0] == 0
    out = tmp_path / "export"
    assert qsi("export", workspace, out / "pack.docx", "--bundle", out / "bundle.zip", "--no-scan")[0] == 0
    files = [p for p in workspace.rglob("*") if p.is_file()]
    assert files
    for path in files:
        content = path.read_bytes()
        for needle in forbidden:
            assert needle not in content, (path.name, needle)
    for archive in (out / "pack.docx", out / "bundle.zip"):
        with zipfile.ZipFile(archive) as package:
            for name in package.namelist():
                if name.endswith(".docx"):
                    with zipfile.ZipFile(io.BytesIO(package.read(name))) as inner:
                        content = b"".join(inner.read(n) for n in inner.namelist())
                else:
                    content = package.read(name)
                for needle in forbidden:
                    assert needle not in content, (archive.name, name, needle)


def test_parallel_read_gives_the_same_records(tmp_path: Path, dicom: Any, context: Any) -> None:
    path = dicom.save(dicom.ct_rdsr([dicom.ct_event()]), tmp_path / "a")
    direct = list(read_dose_records(path, context, "ct"))
    via_plugin = list(ct_dose.read(path, context))
    assert direct == via_plugin and isinstance(direct[0], ImportedRecord)
    assert ct_dose.IMPORTER.parallel and ir_dose.IMPORTER.parallel
    assert ct_dose.IMPORTER.patterns == ("*",) and ct_dose.IMPORTER.version == 1
    skipped = list(ir_dose.read(path, context))
    assert isinstance(skipped[0], ImportIssue) and "ct-dose" in skipped[0].reason


# -- a folder of every kind of file ----------------------------------------------------------------


def build_mixed_folder(folder: Path, dicom: Any) -> Path:
    dicom.save(dicom.ct_rdsr([dicom.ct_event("Head", phantom=dicom.HEAD), dicom.ct_event()]), folder / "rdsr")
    dicom.save(dicom.projection_rdsr([dicom.projection_event()], totals={}), folder / "fluoro.dcm")
    nm = dicom.ct_rdsr([], template="10021")
    nm.SOPClassUID = dicom.RADIOPHARMACEUTICAL_SR
    dicom.save(nm, folder / "nm")
    image = Dataset()
    dicom.header(image, dicom.CT_IMAGE, study_uid=dicom.uid(), sop_uid=None, study_date="20240301")
    image.Modality = "CT"
    dicom.save(image, folder / "IM0001")
    summary = Dataset()
    dicom.header(summary, dicom.SECONDARY_CAPTURE, study_uid=dicom.uid(), sop_uid=None, study_date="20240301")
    summary.CTDIvol, summary.ImageComments = 7.3, "Total DLP = 245.6 mGy-cm"
    dicom.save(summary, folder / "doseinfo")
    (folder / "notes.txt").write_text("Patient Zebedee Quartermain, NHS 943 476 5919\n")
    (folder / "empty").write_bytes(b"")
    whole = dicom.save(dicom.ct_rdsr([dicom.ct_event() for _ in range(5)]), folder / "tmp").read_bytes()
    (folder / "tmp").unlink()
    (folder / "truncated").write_bytes(whole[: len(whole) // 2])
    member = dicom.save(dicom.ct_rdsr([dicom.ct_event()]), folder / "tmp").read_bytes()
    (folder / "tmp").unlink()
    with zipfile.ZipFile(folder / "good.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Quartermain/rdsr.dcm", member)
    with zipfile.ZipFile(folder / "evil.zip", "w") as archive:
        archive.writestr("../evil.dcm", member)
    with zipfile.ZipFile(folder / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.dcm", b"\x00" * (5 * 1024 * 1024))
    media = folder / "cd"
    dicom.save(dicom.ct_rdsr([dicom.ct_event()]), media / "DICOM" / "SR000001")
    directory = Dataset()
    directory.DirectoryRecordSequence = []
    for parts in (["DICOM", "SR000001"], ["..", "rdsr"]):
        record = Dataset()
        record.DirectoryRecordType, record.ReferencedFileID = "SR DOCUMENT", parts
        directory.DirectoryRecordSequence.append(record)
    directory.SOPClassUID, directory.SOPInstanceUID = "1.2.840.10008.1.3.10", dicom.uid()
    dicom.save(directory, media / "DICOMDIR")
    return folder


def collect_uids(folder: Path) -> list[str]:
    """Every UID in the folder's DICOM files (what must only ever be hashed)."""
    import pydicom

    found: set[str] = set()
    for path in folder.rglob("*"):
        try:
            ds = pydicom.dcmread(path)
        except Exception:
            continue
        for element in ds.iterall():
            if element.VR == "UI" and element.value and len(str(element.value)) > 20:
                found.add(str(element.value))
    return sorted(found)
