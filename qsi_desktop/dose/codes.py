"""The DICOM codes and UIDs the dose reader matches, from DICOM PS3.16 (templates, context groups) and
PS3.4 (SOP classes).

Concepts are matched by ``(code value, coding scheme designator)``, never by their meaning text:
vendors vary the text ("Mean CTDIvol", "CTDIvol", "Mean CTDI vol") but not the code. A code whose
scheme changed between editions (SNOMED RT ``SRT`` to SNOMED CT ``SCT``) is listed under both.
"""

from __future__ import annotations

Code = tuple[str, str]  # (CodeValue, CodingSchemeDesignator)

# -- SOP classes (PS3.4 Annex B) -----------------------------------------------------------------
XRAY_DOSE_SR = "1.2.840.10008.5.1.4.1.1.88.67"  # X-Ray Radiation Dose SR
ENHANCED_SR = "1.2.840.10008.5.1.4.1.1.88.22"  # some GE CT scanners send TID 10011 as this
COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.88.33"
COMPREHENSIVE_3D_SR = "1.2.840.10008.5.1.4.1.1.88.34"
RADIOPHARMACEUTICAL_DOSE_SR = "1.2.840.10008.5.1.4.1.1.88.68"  # TID 10021: not ours
DOSE_SR_CLASSES = frozenset({XRAY_DOSE_SR, ENHANCED_SR, COMPREHENSIVE_SR, COMPREHENSIVE_3D_SR})
# Secondary Capture and its multi-frame variants: where Philips and others put a CT "dose info" page.
SECONDARY_CAPTURE_CLASSES = frozenset(
    {
        "1.2.840.10008.5.1.4.1.1.7",
        "1.2.840.10008.5.1.4.1.1.7.1",
        "1.2.840.10008.5.1.4.1.1.7.2",
        "1.2.840.10008.5.1.4.1.1.7.3",
        "1.2.840.10008.5.1.4.1.1.7.4",
    }
)
MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"  # DICOMDIR

# -- templates (PS3.16 TID) ----------------------------------------------------------------------
TID_PROJECTION = "10001"  # Projection X-Ray Radiation Dose
TID_CT = "10011"  # CT Radiation Dose
TID_RADIOPHARMACEUTICAL = "10021"

# -- document titles and containers (PS3.16 Annex D, DCM) ----------------------------------------
XRAY_DOSE_REPORT: Code = ("113701", "DCM")  # X-Ray Radiation Dose Report: TID 10001 and 10011 titles
RADIOPHARMACEUTICAL_DOSE_REPORT: Code = ("113500", "DCM")
CT_ACCUMULATED_DOSE_DATA: Code = ("113811", "DCM")  # TID 10012: says the report is CT
ACCUMULATED_XRAY_DOSE_DATA: Code = ("113702", "DCM")  # TID 10002: says the report is projection
CT_ACQUISITION: Code = ("113819", "DCM")  # TID 10013: one CT irradiation event
IRRADIATION_EVENT_XRAY_DATA: Code = ("113706", "DCM")  # TID 10003: one projection irradiation event

# -- items common to both templates --------------------------------------------------------------
ACQUISITION_PROTOCOL: Code = ("125203", "DCM")
TARGET_REGION: Code = ("123014", "DCM")
IRRADIATION_EVENT_UID: Code = ("113769", "DCM")
DATETIME_STARTED: Code = ("111526", "DCM")
START_OF_IRRADIATION: Code = ("113809", "DCM")

# -- CT (TID 10011-10014) --------------------------------------------------------------------------
CT_DLP_TOTAL: Code = ("113813", "DCM")
CT_ACQUISITION_TYPE: Code = ("113820", "DCM")
# TID 10013's CT Acquisition Parameters (exposure time, pitch, collimation, X-ray sources) hold nothing
# an audit reads: not descended into, which halves the sequences pydicom has to parse.
CT_ACQUISITION_PARAMETERS: Code = ("113822", "DCM")
MEAN_CTDIVOL: Code = ("113830", "DCM")
CTDIW_PHANTOM_TYPE: Code = ("113835", "DCM")
DLP: Code = ("113838", "DCM")

# CID 4052 Phantom Devices: the CTDI phantom a CTDIvol refers to.
PHANTOMS: dict[Code, str] = {("113690", "DCM"): "head", ("113691", "DCM"): "body"}

# CID 10013 CT Acquisition Type; the names are ours so that audits group them whatever the file says.
CONSTANT_ANGLE: Code = ("113805", "DCM")  # a localiser (scout, topogram, surview): no CTDIvol
CT_ACQUISITION_TYPES: dict[Code, str] = {
    ("113804", "DCM"): "Sequenced Acquisition",
    ("P5-08001", "SRT"): "Spiral Acquisition",
    ("116152004", "SCT"): "Spiral Acquisition",
    CONSTANT_ANGLE: "Constant Angle Acquisition",
    ("113806", "DCM"): "Stationary Acquisition",
    ("113807", "DCM"): "Free Acquisition",
    ("702569007", "SCT"): "Cone Beam Acquisition",
}

# -- projection X-ray (TID 10001-10007) ------------------------------------------------------------
DAP_TOTAL: Code = ("113722", "DCM")
RP_DOSE_TOTAL: Code = ("113725", "DCM")
FLUORO_DAP_TOTAL: Code = ("113726", "DCM")
ACQUISITION_DAP_TOTAL: Code = ("113727", "DCM")
FLUORO_RP_TOTAL: Code = ("113728", "DCM")
ACQUISITION_RP_TOTAL: Code = ("113729", "DCM")
TOTAL_FLUORO_TIME: Code = ("113730", "DCM")
ACQUISITION_PLANE: Code = ("113764", "DCM")
IRRADIATION_EVENT_TYPE: Code = ("113721", "DCM")
DOSE_AREA_PRODUCT: Code = ("122130", "DCM")
DOSE_RP: Code = ("113738", "DCM")
IRRADIATION_DURATION: Code = ("113742", "DCM")

# CID 10003 Equipment Plane Identification.
PLANES: dict[Code, str] = {("113620", "DCM"): "A", ("113621", "DCM"): "B", ("113622", "DCM"): "single"}

# CID 10002 Irradiation Event Types: fluoroscopy, or one of the acquisition kinds.
FLUOROSCOPY_EVENT_TYPES = frozenset({("P5-06000", "SRT"), ("44491008", "SCT")})
PROJECTION_EVENT_TYPES: dict[Code, str] = {
    ("113611", "DCM"): "Stationary Acquisition",
    ("113612", "DCM"): "Stepping Acquisition",
    ("113613", "DCM"): "Rotational Acquisition",
}
