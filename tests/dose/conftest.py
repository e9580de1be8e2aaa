"""Dose test fixtures: builders of DICOM dose reports with pydicom, mirroring real structures and vendor
quirks (every file carries planted patient data, :data:`PLANTED`, that must never reach a workspace; use the
``dicom`` fixture: ``dicom.ct_rdsr(path, events=[dicom.ct_event(...)], ...)``), and builders of dose records
shaped like the ct-dose and ir-dose importers' (as ``records_for`` hands them out) for the audit tests.

Fixtures, not helper modules: pytest runs with --import-mode=importlib.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.tag import Tag
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid

from qsi_desktop import hookimpl
from qsi_desktop.cli import main
from qsi_desktop.plugins.types import Importer
from qsi_desktop.services.app import App
from qsi_desktop.store.models import ImportedRecordRow, ImportRun
from qsi_desktop.store.workspace import Workspace

ALL_PLUGINS = [f"qsi_plugin_{m}.plugin" for m in ("ct", "ir", "mr", "nm", "us")]

XRAY_DOSE_SR = "1.2.840.10008.5.1.4.1.1.88.67"
ENHANCED_SR = "1.2.840.10008.5.1.4.1.1.88.22"
RADIOPHARMACEUTICAL_SR = "1.2.840.10008.5.1.4.1.1.88.68"
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"

# Patient data planted in every file: none of it may appear in a workspace, a reason or a record.
PLANTED = {
    "PatientName": "Zebedee^Quartermain",
    "PatientID": "943 476 5919",  # NHS-number-like: passes the modulus-11 check
    "PatientBirthDate": "19781123",
    "AccessionNumber": "RXQ55501234",
    "OperatorsName": "Operatorova^Ophelia",
    "PerformingPhysicianName": "Physicianson^Phineas",
    "ReferringPhysicianName": "Referrer^Rosalind",
    "PatientAddress": "12 Quillwort Lane",
}
PLANTED_STRINGS = (
    "Zebedee",
    "Quartermain",
    "943 476 5919",
    "9434765919",
    "19781123",
    "RXQ55501234",
    "Operatorova",
    "Ophelia",
    "Physicianson",
    "Phineas",
    "Referrer",
    "Rosalind",
    "Quillwort",
)
SPIRAL = ("P5-08001", "SRT", "Spiral Acquisition")
SPIRAL_SCT = ("116152004", "SCT", "Helical scan")  # meaning text varies: the code decides
LOCALISER = ("113805", "DCM", "Constant Angle Acquisition")
SEQUENCED = ("113804", "DCM", "Sequenced Acquisition")
FLUOROSCOPY = ("P5-06000", "SRT", "Fluoroscopy")
STATIONARY = ("113611", "DCM", "Stationary Acquisition")
HEAD = ("113690", "DCM", "IEC Head Dosimetry Phantom")
BODY = ("113691", "DCM", "IEC Body Dosimetry Phantom")


def code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def item(value_type: str, concept: tuple[str, str, str], relationship: str = "CONTAINS", **value: Any) -> Dataset:
    """A content item: ``children=[...]`` (CONTAINER), ``num=(text, unit)``, ``code=(v, s, m)``,
    ``text=``, ``uid=``, ``datetime=``, ``person=``."""
    ds = Dataset()
    ds.RelationshipType = relationship
    ds.ValueType = value_type
    ds.ConceptNameCodeSequence = [code(*concept)]
    if value_type == "CONTAINER":
        ds.ContinuityOfContent = "SEPARATE"
        ds.ContentSequence = value.get("children", [])
    elif value_type == "NUM":
        number, unit = value["num"]
        measured = Dataset()
        raw = str(number).encode("latin-1")
        raw += b" " * (len(raw) % 2)
        # Raw bytes: vendors write decimal strings pydicom would refuse ("10.50/ 15.00", "12,5").
        measured[0x0040A30A] = RawDataElement(Tag(0x0040A30A), "DS", len(raw), raw, 0, False, True)
        measured.MeasurementUnitsCodeSequence = [code(unit, "UCUM", unit)]
        ds.MeasuredValueSequence = [measured]
    elif value_type == "CODE":
        ds.ConceptCodeSequence = [code(*value["code"])]
    elif value_type == "TEXT":
        ds.TextValue = value["text"]
    elif value_type == "UIDREF":
        ds.UID = value["uid"]
    elif value_type == "DATETIME":
        ds.DateTime = value["datetime"]
    elif value_type == "PNAME":
        ds.PersonName = value["person"]
    return ds


def ct_event(
    protocol: str = "Chest routine",
    kind: tuple[str, str, str] = SPIRAL,
    ctdivol: Any = "10.5",
    dlp: Any = "350.0",
    phantom: tuple[str, str, str] | None = BODY,
    units: tuple[str, str] = ("mGy", "mGy.cm"),
    uid: str | None = None,
    started: str | None = "20240315101500",
    region: str = "Chest",
    parameters: int = 0,
) -> Dataset:
    """TID 10013 CT Acquisition, with the dose in TID 10014 CT Dose (as Siemens and GE nest it);
    ``parameters``: that many TID 10013 acquisition parameters (to make big files)."""
    dose = [item("NUM", ("113830", "DCM", "Mean CTDIvol"), num=(ctdivol, units[0]))] if ctdivol is not None else []
    if phantom:
        dose.append(item("CODE", ("113835", "DCM", "CTDIw Phantom Type"), code=phantom))
    dose.append(item("NUM", ("113838", "DCM", "DLP"), num=(dlp, units[1])))
    children = [
        item("TEXT", ("125203", "DCM", "Acquisition Protocol"), text=protocol),
        item("CODE", ("123014", "DCM", "Target Region"), code=("T-D3000", "SRT", region)),
        item("CODE", ("113820", "DCM", "CT Acquisition Type"), code=kind),
        item("UIDREF", ("113769", "DCM", "Irradiation Event UID"), uid=uid or generate_uid()),
        item(
            "CONTAINER",
            ("113822", "DCM", "CT Acquisition Parameters"),
            children=[item("NUM", ("113824", "DCM", "Exposure Time"), num=(f"{n}.5", "s")) for n in range(parameters)],
        ),
        item("CONTAINER", ("113829", "DCM", "CT Dose"), children=dose),
        # TID 1020 Person Participant: an operator's name inside the tree, never read.
        item("PNAME", ("113870", "DCM", "Person Name"), person=PLANTED["OperatorsName"]),
    ]
    if started:
        children.append(item("DATETIME", ("111526", "DCM", "DateTime Started"), datetime=started))
    return item("CONTAINER", ("113819", "DCM", "CT Acquisition"), children=children)


def projection_event(
    kind: tuple[str, str, str] = FLUOROSCOPY,
    dap: Any = "0.00125",
    dap_unit: str = "Gy.m2",
    rp: Any = "0.0152",
    rp_unit: str = "Gy",
    seconds: Any = "30.5",
    plane: tuple[str, str, str] = ("113622", "DCM", "Single Plane"),
    uid: str | None = None,
    started: str = "20240402093000",
) -> Dataset:
    """TID 10003 Irradiation Event X-Ray Data."""
    return item(
        "CONTAINER",
        ("113706", "DCM", "Irradiation Event X-Ray Data"),
        children=[
            item("CODE", ("113764", "DCM", "Acquisition Plane"), code=plane),
            item("UIDREF", ("113769", "DCM", "Irradiation Event UID"), uid=uid or generate_uid()),
            item("DATETIME", ("111526", "DCM", "DateTime Started"), datetime=started),
            item("CODE", ("113721", "DCM", "Irradiation Event Type"), code=kind),
            item("TEXT", ("125203", "DCM", "Acquisition Protocol"), text="Abdomen 7.5 fps"),
            item("NUM", ("122130", "DCM", "Dose Area Product"), num=(dap, dap_unit)),
            item("NUM", ("113738", "DCM", "Dose (RP)"), num=(rp, rp_unit)),
            item("NUM", ("113742", "DCM", "Irradiation Duration"), num=(seconds, "s")),
        ],
    )


def header(ds: Dataset, sop_class: str, *, study_uid: str, sop_uid: str | None, study_date: str | None) -> None:
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid or generate_uid()
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = generate_uid()
    if study_date:
        ds.StudyDate = study_date
    ds.StudyTime = "101500"
    ds.Modality = "SR"
    ds.Manufacturer = "SIEMENS"
    ds.ManufacturerModelName = "SOMATOM Force"
    ds.StationName = "CT2"
    ds.StudyDescription = "CT Chest"
    ds.PatientAge = "045Y"
    ds.PatientSex = "F"
    ds.PatientWeight = "72.5"
    ds.PatientSize = "1.68"
    for keyword, value in PLANTED.items():
        setattr(ds, keyword, value)


def sr(
    sop_class: str,
    children: list[Dataset],
    *,
    template: str | None,
    title: tuple[str, str, str] = ("113701", "DCM", "X-Ray Radiation Dose Report"),
    study_uid: str | None = None,
    sop_uid: str | None = None,
    study_date: str | None = "20240315",
) -> Dataset:
    ds = Dataset()
    header(ds, sop_class, study_uid=study_uid or generate_uid(), sop_uid=sop_uid, study_date=study_date)
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = [code(*title)]
    ds.ContinuityOfContent = "SEPARATE"
    if template:
        tid = Dataset()
        tid.MappingResource, tid.TemplateIdentifier = "DCMR", template
        ds.ContentTemplateSequence = [tid]
    observer = [
        item("CODE", ("121005", "DCM", "Observer Type"), "HAS OBS CONTEXT", code=("121007", "DCM", "Device")),
        item("UIDREF", ("121012", "DCM", "Device Observer UID"), "HAS OBS CONTEXT", uid=generate_uid()),
    ]
    ds.ContentSequence = observer + children
    return ds


def ct_rdsr(
    events: Sequence[Dataset],
    *,
    dlp_total: Any = None,
    dlp_unit: str = "mGy.cm",
    template: str | None = "10011",
    sop_class: str = XRAY_DOSE_SR,
    **kw: Any,
) -> Dataset:
    accumulated = [item("NUM", ("113812", "DCM", "Total Number of Irradiation Events"), num=(len(events), "{events}"))]
    if dlp_total is not None:
        accumulated.append(item("NUM", ("113813", "DCM", "CT Dose Length Product Total"), num=(dlp_total, dlp_unit)))
    children = [
        item("CODE", ("121058", "DCM", "Procedure reported"), "HAS CONCEPT MOD", code=("77477000", "SCT", "CT")),
        item("CONTAINER", ("113811", "DCM", "CT Accumulated Dose Data"), children=accumulated),
        *events,
    ]
    return sr(sop_class, children, template=template, **kw)


def projection_rdsr(events: Sequence[Dataset], *, totals: dict[str, tuple[Any, str]], **kw: Any) -> Dataset:
    names = {
        "113722": "Dose Area Product Total",
        "113725": "Dose (RP) Total",
        "113726": "Fluoro Dose Area Product Total",
        "113727": "Acquisition Dose Area Product Total",
        "113728": "Fluoro Dose (RP) Total",
        "113729": "Acquisition Dose (RP) Total",
        "113730": "Total Fluoro Time",
    }
    accumulated = [item("CODE", ("113764", "DCM", "Acquisition Plane"), code=("113622", "DCM", "Single Plane"))]
    accumulated += [item("NUM", (c, "DCM", names[c]), num=value) for c, value in totals.items()]
    children = [item("CONTAINER", ("113702", "DCM", "Accumulated X-Ray Dose Data"), children=accumulated), *events]
    return sr(XRAY_DOSE_SR, children, template="10001", **kw)


def save(ds: Dataset, path: Path, *, implicit: bool = False, preamble: bool = True) -> Path:
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=preamble, implicit_vr=implicit, little_endian=True)
    return path


class Dicom:
    """The builders, as a fixture (tests run with --import-mode=importlib: no helper imports)."""

    code = staticmethod(code)
    item = staticmethod(item)
    ct_event = staticmethod(ct_event)
    projection_event = staticmethod(projection_event)
    ct_rdsr = staticmethod(ct_rdsr)
    projection_rdsr = staticmethod(projection_rdsr)
    header = staticmethod(header)
    save = staticmethod(save)
    PLANTED = PLANTED
    PLANTED_STRINGS = PLANTED_STRINGS
    SPIRAL, SPIRAL_SCT, LOCALISER, SEQUENCED = SPIRAL, SPIRAL_SCT, LOCALISER, SEQUENCED
    FLUOROSCOPY, STATIONARY, HEAD, BODY = FLUOROSCOPY, STATIONARY, HEAD, BODY
    XRAY_DOSE_SR, ENHANCED_SR, RADIOPHARMACEUTICAL_SR = XRAY_DOSE_SR, ENHANCED_SR, RADIOPHARMACEUTICAL_SR
    CT_IMAGE, SECONDARY_CAPTURE = CT_IMAGE, SECONDARY_CAPTURE

    @staticmethod
    def uid() -> str:
        return generate_uid()


@pytest.fixture
def dicom() -> type[Dicom]:
    return Dicom


class HashOnly:
    """An import context that only hashes, as the core gives a parallel ``read``."""

    def progress(self, done: int, total: int, message: str = "") -> None:
        pass

    def is_cancelled(self) -> bool:
        return False

    def keyed_hash(self, *values: str) -> str:
        import hashlib
        import hmac

        return hmac.new(b"test-secret", "\x1f".join(values).encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def context() -> HashOnly:
    return HashOnly()


@pytest.fixture
def qsi(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str]]:
    """The real command line, in process, with the CT and IR plugins: returns (exit code, stdout)."""
    import qsi_desktop.services.app as app_module

    original = app_module.App.load.__func__  # type: ignore[attr-defined]
    listed = [f"qsi_plugin_{m}.plugin" for m in ("ct", "ir", "mr", "nm", "us")]
    monkeypatch.setattr(app_module.App, "load", classmethod(lambda cls, plugins=None: original(cls, listed)))
    monkeypatch.setenv("QSI_DISABLE_PLUGIN_DISCOVERY", "1")
    monkeypatch.setenv("QSI_ACTOR", "test-user")

    def run(*args: str | Path) -> tuple[int, str]:
        capsys.readouterr()
        code_ = main([str(a) for a in args])
        return code_, capsys.readouterr().out

    return run


CtExam = Callable[..., dict[str, Any]]
IrStudy = Callable[..., dict[str, Any]]


def _sequence(
    ctdivol: float | None, dlp: float | None, phantom: str | None = "body", protocol: str | None = None
) -> dict[str, Any]:
    return {
        "protocol": protocol,
        "acquisition_type": "Spiral Acquisition",
        "localiser": False,
        "ctdivol_mgy": ctdivol,
        "dlp_mgycm": dlp,
        "phantom": phantom,
        "target_region": None,
    }


def _localiser(dlp: float = 5.0) -> dict[str, Any]:
    return {
        "protocol": "Scout",
        "acquisition_type": "Constant Angle Acquisition",
        "localiser": True,
        "ctdivol_mgy": None,
        "dlp_mgycm": dlp,
        "phantom": None,
        "target_region": None,
    }


@pytest.fixture
def sequence() -> Callable[..., dict[str, Any]]:
    return _sequence


@pytest.fixture
def localiser() -> Callable[..., dict[str, Any]]:
    return _localiser


@pytest.fixture
def ct_exam() -> CtExam:
    """``ct_exam(dlp_total, [(ctdivol, dlp, phantom)...], description=..., age=..., device=..., month=...)``."""
    ids = itertools.count(1)

    def make(
        dlp_total: float | None = None,
        sequences: list[tuple[float | None, float | None, str | None]] | None = None,
        *,
        description: str | None = "CT HEAD",
        age: float | None = 60.0,
        weight: float | None = None,
        device: str = "GE MEDICAL SYSTEMS Revolution CT",
        month: str = "2026-03",
        localisers: int = 1,
        protocol: str | None = None,
    ) -> dict[str, Any]:
        events = [_localiser() for _ in range(localisers)]
        events += [_sequence(c, d, p, protocol) for c, d, p in sequences or []]
        return {
            "id": next(ids),
            "occurred_on": month,
            "device": device,
            "station": "CT1",
            "study_description": description,
            "exam_month": month,
            "age_years": age,
            "sex": "F",
            "weight_kg": weight,
            "dlp_total_mgycm": dlp_total,
            "source": "rdsr",
            "events": events,
        }

    return make


@pytest.fixture
def ir_study() -> IrStudy:
    ids = itertools.count(1)

    def make(
        *,
        dap: float | None = 50.0,
        rp: float | None = 400.0,
        fluoro: float | None = 300.0,
        description: str | None = "Hepatic embolisation",
        device: str = "Siemens Artis Q",
        month: str = "2026-03",
    ) -> dict[str, Any]:
        return {
            "id": next(ids),
            "occurred_on": month,
            "device": device,
            "station": "IR1",
            "study_description": description,
            "exam_month": month,
            "age_years": 70.0,
            "sex": "M",
            "dap_total_gycm2": dap,
            "rp_dose_total_mgy": rp,
            "fluoro_time_s": fluoro,
            "fluoro_dap_total_gycm2": None,
            "acquisition_dap_total_gycm2": None,
            "events": [],
        }

    return make


# -- a real workspace with stored dose records ------------------------------------------------------


def _stub_plugin(names: list[str]) -> ModuleType:
    """Registers the dose importers the loaded plugins lack (all of them until the DICOM reader lands)."""
    module = ModuleType("dose_stub_plugin")
    module.PLUGIN_NAME = "dosestub"

    def read(path: Path, context: Any) -> list[Any]:
        return []

    @hookimpl
    def qsi_register_importers() -> list[Importer]:
        return [Importer(name=n, title=f"Stub {n}", patterns=("*.stub",), read=read) for n in names]

    module.qsi_register_importers = qsi_register_importers
    return module


def _plugins() -> list[Any]:
    real = App.load(ALL_PLUGINS)
    missing = [n for n in ("ct-dose", "ir-dose") if real.plugins.importer(n) is None]
    return [*ALL_PLUGINS, _stub_plugin(missing)] if missing else list(ALL_PLUGINS)


@pytest.fixture(scope="session")
def dose_app() -> App:
    return App.load(_plugins())


@pytest.fixture
def dose_cli(cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """The ``cli`` fixture with the dose importers loaded (stubs for those not yet in the plugins)."""
    import qsi_desktop.services.app as app_module

    plugins = _plugins()
    monkeypatch.setattr(app_module.App, "load", classmethod(lambda cls, plugins_=None: _LOAD(cls, plugins)))
    return cli


_LOAD = App.load.__func__  # type: ignore[attr-defined]


@pytest.fixture
def store_records(dose_app: App) -> Callable[[Path, str, list[dict[str, Any]]], None]:
    """Store record dicts as an importer's current records, the way the core's import stores them."""

    def store(path: Path, importer: str, records: list[dict[str, Any]]) -> None:
        version = dose_app.plugins.importer(importer).version
        ws = Workspace.open(path)
        try:
            with ws.transaction("test-user") as session:
                run = ImportRun(importer=importer, actor="test-user", files=1, imported=len(records))
                session.add(run)
                session.flush()
                for number, record in enumerate(records):
                    data = {k: v for k, v in record.items() if k not in ("id", "occurred_on")}
                    session.add(
                        ImportedRecordRow(
                            importer=importer,
                            record_key=f"{importer}-{number}-{record['id']}",
                            data=data,
                            occurred_on=record["occurred_on"],
                            import_run_id=run.id,
                            shape_version=version,
                        )
                    )
        finally:
            ws.close()

    return store
