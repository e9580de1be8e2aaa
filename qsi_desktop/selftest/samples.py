"""One small sample per importer, written into a folder for the self-test.

Table importers read the CSV files shipped beside this module (``data/<importer>.csv``); the dose
importers read DICOM radiation dose structured reports written here with pydicom (a CT report per
file for ``ct-dose``, enough files for the parallel read to start worker processes, and one projection
X-ray report for ``ir-dose``). No patient data: every name and number is made up for the test.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

XRAY_DOSE_SR = "1.2.840.10008.5.1.4.1.1.88.67"
PARALLEL_FILES = 8  # services.importing.PARALLEL_FROM: the ct-dose sample also runs the worker processes


def csv_sample(importer: str) -> Path | None:
    path = Path(str(resources.files("qsi_desktop.selftest") / "data" / f"{importer}.csv"))
    return path if path.is_file() else None


def write_samples(importer: str, folder: Path) -> list[Path]:
    """The sample files for ``importer`` in ``folder``; [] when there is no sample for it."""
    folder.mkdir(parents=True, exist_ok=True)
    writer = DICOM_SAMPLES.get(importer)
    if writer is not None:
        return writer(folder)
    source = csv_sample(importer)
    if source is None:
        return []
    return [Path(shutil.copyfile(source, folder / source.name))]


# -- DICOM dose reports (TID 10011 CT, TID 10001 projection X-ray) -------------------------------------


def _code(value: str, scheme: str, meaning: str) -> Any:
    from pydicom.dataset import Dataset

    ds = Dataset()
    ds.CodeValue, ds.CodingSchemeDesignator, ds.CodeMeaning = value, scheme, meaning
    return ds


def _item(value_type: str, concept: tuple[str, str, str], value: Any = None, relationship: str = "CONTAINS") -> Any:
    from pydicom.dataset import Dataset

    ds = Dataset()
    ds.RelationshipType, ds.ValueType = relationship, value_type
    ds.ConceptNameCodeSequence = [_code(*concept)]
    if value_type == "CONTAINER":
        ds.ContinuityOfContent = "SEPARATE"
        ds.ContentSequence = value or []
    elif value_type == "NUM":
        measured = Dataset()
        measured.NumericValue = value[0]
        measured.MeasurementUnitsCodeSequence = [_code(value[1], "UCUM", value[1])]
        ds.MeasuredValueSequence = [measured]
    elif value_type == "CODE":
        ds.ConceptCodeSequence = [_code(*value)]
    elif value_type == "TEXT":
        ds.TextValue = value
    elif value_type == "UIDREF":
        ds.UID = value
    elif value_type == "DATETIME":
        ds.DateTime = value
    return ds


def _report(children: list[Any], template: str, station: str, study_date: str) -> Any:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID, ds.SOPInstanceUID = XRAY_DOSE_SR, generate_uid()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.StudyDate, ds.StudyTime, ds.Modality = study_date, "101500", "SR"
    ds.Manufacturer, ds.ManufacturerModelName, ds.StationName = "SELFTEST", "Self-test", station
    ds.StudyDescription = "Self-test"
    ds.PatientName, ds.PatientID, ds.PatientAge, ds.PatientSex = "Test^Self", "SELFTEST", "045Y", "O"
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = [_code("113701", "DCM", "X-Ray Radiation Dose Report")]
    ds.ContinuityOfContent = "SEPARATE"
    tid = Dataset()
    tid.MappingResource, tid.TemplateIdentifier = "DCMR", template
    ds.ContentTemplateSequence = [tid]
    observer = _item("CODE", ("121005", "DCM", "Observer Type"), ("121007", "DCM", "Device"), "HAS OBS CONTEXT")
    ds.ContentSequence = [observer, *children]
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    return ds


def ct_reports(folder: Path, count: int = PARALLEL_FILES) -> list[Path]:
    from pydicom.uid import generate_uid

    paths = []
    for number in range(count):
        dose = [
            _item("NUM", ("113830", "DCM", "Mean CTDIvol"), (f"{8 + number}.5", "mGy")),
            _item("CODE", ("113835", "DCM", "CTDIw Phantom Type"), ("113691", "DCM", "IEC Body Dosimetry Phantom")),
            _item("NUM", ("113838", "DCM", "DLP"), (f"{300 + 10 * number}.0", "mGy.cm")),
        ]
        event = _item(
            "CONTAINER",
            ("113819", "DCM", "CT Acquisition"),
            [
                _item("TEXT", ("125203", "DCM", "Acquisition Protocol"), "Chest routine"),
                _item("CODE", ("123014", "DCM", "Target Region"), ("T-D3000", "SRT", "Chest")),
                _item("CODE", ("113820", "DCM", "CT Acquisition Type"), ("P5-08001", "SRT", "Spiral Acquisition")),
                _item("UIDREF", ("113769", "DCM", "Irradiation Event UID"), generate_uid()),
                _item("CONTAINER", ("113829", "DCM", "CT Dose"), dose),
                _item("DATETIME", ("111526", "DCM", "DateTime Started"), f"2026030{1 + number % 9}101500"),
            ],
        )
        accumulated = [_item("NUM", ("113812", "DCM", "Total Number of Irradiation Events"), ("1", "{events}"))]
        children = [
            _item("CODE", ("121058", "DCM", "Procedure reported"), ("77477000", "SCT", "CT"), "HAS CONCEPT MOD"),
            _item("CONTAINER", ("113811", "DCM", "CT Accumulated Dose Data"), accumulated),
            event,
        ]
        path = folder / f"ct-{number + 1}.dcm"
        _report(children, "10011", "CT1", f"2026030{1 + number % 9}").save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def projection_reports(folder: Path) -> list[Path]:
    from pydicom.uid import generate_uid

    event = _item(
        "CONTAINER",
        ("113706", "DCM", "Irradiation Event X-Ray Data"),
        [
            _item("CODE", ("113764", "DCM", "Acquisition Plane"), ("113622", "DCM", "Single Plane")),
            _item("UIDREF", ("113769", "DCM", "Irradiation Event UID"), generate_uid()),
            _item("DATETIME", ("111526", "DCM", "DateTime Started"), "20260302093000"),
            _item("CODE", ("113721", "DCM", "Irradiation Event Type"), ("P5-06000", "SRT", "Fluoroscopy")),
            _item("NUM", ("122130", "DCM", "Dose Area Product"), ("0.00125", "Gy.m2")),
            _item("NUM", ("113738", "DCM", "Dose (RP)"), ("0.0152", "Gy")),
            _item("NUM", ("113742", "DCM", "Irradiation Duration"), ("30.5", "s")),
        ],
    )
    accumulated = [
        _item("CODE", ("113764", "DCM", "Acquisition Plane"), ("113622", "DCM", "Single Plane")),
        _item("NUM", ("113722", "DCM", "Dose Area Product Total"), ("0.00125", "Gy.m2")),
        _item("NUM", ("113725", "DCM", "Dose (RP) Total"), ("0.0152", "Gy")),
        _item("NUM", ("113730", "DCM", "Total Fluoro Time"), ("30.5", "s")),
    ]
    children = [_item("CONTAINER", ("113702", "DCM", "Accumulated X-Ray Dose Data"), accumulated), event]
    path = folder / "ir-1.dcm"
    _report(children, "10001", "IR1", "20260302").save_as(path, enforce_file_format=True)
    return [path]


DICOM_SAMPLES: dict[str, Callable[[Path], list[Path]]] = {"ct-dose": ct_reports, "ir-dose": projection_reports}


def text_pdf(path: Path, text: str) -> Path:
    """A one-page PDF whose page says ``text`` (Helvetica), written by hand: pypdf writes no text."""
    stream = f"BT /F1 12 Tf 72 770 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    content = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(content))
        content += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(content)
    content += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    content += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    content += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(content))
    return path
