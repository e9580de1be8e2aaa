"""DICOM radiation dose reports (RDSR) and dose audits, shared by the CT and IR plugins (Qt-free)."""
