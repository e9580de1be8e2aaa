"""Malformed inputs for every importer and register import, a few per importer (``bench/malformed_probe.py``
runs hundreds): no traceback, a one-line message naming the file, no planted NHS number stored."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from qsi_desktop.selftest import mutate
from qsi_desktop.services.demo import build_demo
from qsi_desktop.store.workspace import NewProfile, Workspace
from tests.conftest import builtin_importers

PER_IMPORTER = 20
IMPORTERS = builtin_importers()


@pytest.fixture(scope="module")
def probe_ws(tmp_path_factory: pytest.TempPathFactory, full_app) -> Workspace:
    ws = Workspace.create(
        tmp_path_factory.mktemp("probe") / "ws",
        NewProfile("Probe", modalities=("CT", "IR", "MR", "NM", "US")),
        framework_id=full_app.framework_id,
        actor="probe",
    )
    yield ws
    ws.close()


@pytest.mark.parametrize("importer", IMPORTERS)
def test_malformed_files_get_a_message_naming_the_file(probe_ws, full_app, tmp_path: Path, importer: str) -> None:
    rng = random.Random(f"malformed-{importer}")
    seeds = mutate.table_seeds(importer, tmp_path / "seeds")
    outcome = mutate.probe_importer(probe_ws, full_app, importer, seeds, PER_IMPORTER, rng, tmp_path / "in")
    assert outcome.inputs == PER_IMPORTER
    assert not outcome.failures, "\n".join(outcome.failures)
    assert not mutate.planted_leaks(probe_ws.path)


def test_malformed_register_files_get_a_message_naming_the_file(full_app, tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    build_demo(demo, full_app, actor="probe")
    with Workspace.open(demo) as ws:
        seeds = mutate.register_seeds(ws, full_app, tmp_path / "seeds")
        assert {"mr.units", "mr.equipment", "us.transducers"} <= set(seeds)
        rng = random.Random("malformed-registers")
        for register_id, files in sorted(seeds.items()):
            outcome = mutate.probe_register(ws, full_app, register_id, files, 10, rng, tmp_path / register_id)
            assert not outcome.failures, "\n".join(outcome.failures)
        assert not mutate.planted_leaks(demo)


def test_an_unknown_value_representation_is_a_rejected_file_not_a_plugin_failure(
    probe_ws, full_app, tmp_path: Path
) -> None:
    from qsi_desktop.selftest.samples import write_samples
    from qsi_desktop.services import importing

    (path,) = write_samples("ir-dose", tmp_path)
    data = path.read_bytes()
    at = data.index(b"\x40\x00\x04\xa5SQ")  # Content Template Sequence (0040,A504), explicit VR
    path.write_bytes(data[: at + 4] + b"S\xd9" + data[at + 6 :])
    summary = importing.run_import(probe_ws, full_app, "ir-dose", [path], actor="probe")
    assert summary.imported == 0 and summary.rejected and summary.rejected[0].file == path.name


def test_a_header_cell_holding_an_nhs_number_is_not_remembered(full_app, tmp_path: Path) -> None:
    from qsi_desktop.services import register_io, registers

    demo = tmp_path / "demo"
    build_demo(demo, full_app, actor="probe")
    sheet = tmp_path / "units.csv"
    sheet.write_text(
        "Site,Room,Scanner,Field strength (T),Notes 943 476 5919\nMain,Room 9,Avanto,1.5,\n", encoding="utf-8"
    )
    with Workspace.open(demo) as ws:
        register = registers.find_register(full_app, "mr.units")
        result = register_io.preview(ws, register, sheet)
        register_io.commit(ws, register, result, actor="probe")
    assert not mutate.planted_leaks(demo)
