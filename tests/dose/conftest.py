"""Builders of dose records shaped like the ct-dose and ir-dose importers' (as records_for hands them out).

Fixtures, not helper modules: pytest runs with --import-mode=importlib.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

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
