"""Builders of dose records shaped like the ct-dose and ir-dose importers' (as records_for hands them out).

Fixtures, not helper modules: pytest runs with --import-mode=importlib.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from qsi_desktop import hookimpl
from qsi_desktop.plugins.types import Importer
from qsi_desktop.services.app import App
from qsi_desktop.store.models import ImportedRecordRow, ImportRun
from qsi_desktop.store.workspace import Workspace
from tests.conftest import ALL_PLUGINS

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
