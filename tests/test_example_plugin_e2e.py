"""The example plugin of docs/PLUGINS.md, installed (tools/setup-venv.sh installs it editable) and
found the way a third-party plugin is found: through its entry point, by the real ``qsi`` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from sqlalchemy import select, update

from qsi_desktop.cli import main
from qsi_desktop.plugins.manager import PluginManager
from qsi_desktop.services import importing
from qsi_desktop.services.app import App
from qsi_desktop.services.report_context import WorkspaceReportContext
from qsi_desktop.store.models import ImportedRecordRow

EXAMPLE = "qsi_plugin_example.plugin"
BUILTINS = [f"qsi_plugin_{m}.plugin" for m in ("ct", "ir", "mr", "nm", "us")]
PATIENT_NAME = "Mary Patientson"
NHS_NUMBER = "943 476 5919"  # a valid test number (modulus 11)


@pytest.fixture(autouse=True)
def _discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    # tests/conftest.py turns discovery off for every test; these tests are about discovery.
    monkeypatch.delenv("QSI_DISABLE_PLUGIN_DISCOVERY", raising=False)


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


@pytest.fixture
def qsi(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """The real command line, in-process, with installed plugins discovered."""

    def run(*args: str | Path) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def sample_log() -> Path:
    from qsi_plugin_example.phantom_log import SAMPLE

    return SAMPLE


def test_the_example_is_installed_with_an_entry_point() -> None:
    names = {ep.name: ep.value for ep in entry_points(group="qsi_desktop.plugins")}
    assert names.get("mg") == EXAMPLE, "run: bash tools/setup-venv.sh (it installs examples/qsi-plugin-example)"


def test_qsi_plugins_lists_the_example_from_a_fresh_process() -> None:
    env = {k: v for k, v in os.environ.items() if k != "QSI_DISABLE_PLUGIN_DISCOVERY"}
    done = subprocess.run(
        [sys.executable, "-m", "qsi_desktop", "plugins", "--json"], capture_output=True, text=True, env=env, check=True
    )
    data = json.loads(done.stdout)
    assert data["failed"] == [] and done.stderr == ""
    (mg,) = [p for p in data["plugins"] if p["name"] == "mg"]
    assert mg["module"] == EXAMPLE and mg["version"] == "0.1.0"
    assert mg["registers"] == {
        "scopes": ["breast-screening"],
        "standards_sections": ["MG-9"],
        "modalities": ["MG"],
        "checklists": ["mg.qa-checks"],
        "importers": ["mg-phantom-log"],
        "report_sections": ["mg.phantom-summary"],
    }


def test_a_workspace_with_mammography_end_to_end(qsi: Callable[..., Result], tmp_path: Path) -> None:
    ws = tmp_path / "WS"
    result = qsi("init", ws, "--service", "Riverside Breast Unit", "--modalities", "CT,MG")
    assert result.code == 0, result.err
    assert result.err == ""  # no plugin failed or warned

    profile = qsi("profile", ws, "--json").json()
    assert profile["modalities"] == ["CT", "MG"]
    assert profile["scopes"] == {"paediatric": True, "breast-screening": True}
    assert "MG (Mammography)" in qsi("profile", ws).out

    standards = qsi("standards", "--section", "MG-9")
    assert standards.code == 0
    assert "MG-9 Mammography (example) (4 statements)" in standards.out
    assert "MG-901  Mammography equipment quality assurance" in standards.out

    result = qsi("assess", ws, "MG-901", "--status", "met", "--owner", "Breast QA lead")
    assert result.code == 0, result.err
    statuses = {s["ref"]: s for s in qsi("status", ws, "--json").json()["statements"]}
    assert statuses["MG-901"]["status"] == "met" and statuses["MG-901"]["owner"] == "Breast QA lead"
    assert statuses["MG-903"]["applicable"]

    # The plugin's own scope: a service without screening work makes MG-903 not applicable.
    assert qsi("profile", ws, "--scope", "breast-screening=no").code == 0
    statuses = {s["ref"]: s for s in qsi("status", ws, "--json").json()["statements"]}
    assert not statuses["MG-903"]["applicable"]
    assert "NHS Breast Screening Programme work" in statuses["MG-903"]["reason"]

    checklists = qsi("checklist", "list", ws)
    assert "mg.qa-checks" in checklists.out
    result = qsi("checklist", "answer", ws, "mg.qa-checks", "phantom-log", "--answer", "yes")
    assert result.code == 0, result.err
    (qa,) = [c for c in qsi("checklist", "list", ws, "--json").json() if c["id"] == "mg.qa-checks"]
    assert (qa["answered"], qa["yes"], qa["total"]) == (1, 1, 5)

    summary = qsi("import", ws, "mg-phantom-log", sample_log(), "--json")
    assert summary.code == 0, summary.err
    assert summary.json() | {"run": None} == {
        "importer": "mg-phantom-log",
        "run": None,
        "state": "finished",
        "dry_run": False,
        "cancelled": False,
        "files": 1,
        "imported": 7,
        "duplicates": 0,
        "replaced": 0,
        "skipped": [],
        "rejected": [],
        "columns": {},  # no header -> column choices made (qsi import --map)
    }
    again = qsi("import", ws, "mg-phantom-log", sample_log(), "--json").json()
    assert (again["imported"], again["duplicates"]) == (0, 7)

    records = qsi("records", ws, "mg-phantom-log", "--json").json()
    assert len(records) == 7
    assert {k: v for k, v in records[3].items() if k != "id"} == {
        "occurred_on": "2026-03-09",
        "date": "2026-03-09",
        "month": "2026-03",
        "unit": "Room 2",
        "phantom": "TORMAM",
        "score": 8.0,
        "result": "fail",
        "operator_recorded": True,
    }
    table = qsi("records", ws, "mg-phantom-log").out.splitlines()
    assert table[0].split() == ["date", "unit", "phantom", "score", "result", "operator_recorded"]

    # The report section, on the real workspace: records by date range, pass rate per unit.
    app = App.load()
    with app.open_workspace(ws) as opened:
        (section,) = [s for s in app.plugins.report_sections() if s.id == "mg.phantom-summary"]
        rendered = section.render(WorkspaceReportContext(opened, app, as_of=date(2026, 4, 1)))
        later = section.render(WorkspaceReportContext(opened, app, as_of=date(2027, 6, 1)))
    assert rendered[1].rows == (
        ("Room 1", "3", "3", "0", "100%", "2026-03-16"),
        ("Room 2", "4", "3", "1", "75%", "2026-03-16"),
    )
    assert len(later) == 1 and "No phantom tests" in later[0].text  # since/until left March 2026 out


def test_patient_data_in_a_log_never_reaches_the_workspace(qsi: Callable[..., Result], tmp_path: Path) -> None:
    ws = tmp_path / "WS"
    assert qsi("init", ws, "--service", "Riverside Breast Unit", "--modalities", "MG").code == 0
    log = tmp_path / "phantom-with-patients.csv"
    log.write_text(
        "Date,Room,Phantom,Score,Result,Tested by,Patient name,NHS no,Comments\n"
        f"05/03/2026,Room 1,TORMAM,12,Pass,AR,{PATIENT_NAME},{NHS_NUMBER},after {PATIENT_NAME} {NHS_NUMBER}\n"
        f"06/03/2026,{PATIENT_NAME},TORMAM,12,Maybe {NHS_NUMBER},AR,,,\n",
        encoding="utf-8",
    )
    result = qsi("import", ws, "mg-phantom-log", log, "--json")
    assert result.code == 1  # the second row is rejected
    summary = result.json()
    assert summary["imported"] == 1
    assert [i["reason"] for i in summary["rejected"]] == ["the result is neither pass nor fail"]
    assert "Patient name, NHS no" in summary["skipped"][0]["reason"]  # named, never their values
    records = qsi("records", ws, "mg-phantom-log", "--json")
    outputs = result.out + result.err + records.out + records.err

    forbidden = [PATIENT_NAME, "Patientson", NHS_NUMBER, NHS_NUMBER.replace(" ", "")]
    for value in forbidden:
        assert value not in outputs
    files = [p for p in ws.rglob("*") if p.is_file()]
    assert any(p.name == "workspace.sqlite3" for p in files)
    for path in files:
        data = path.read_bytes()
        for value in forbidden:
            for encoding in ("utf-8", "utf-16-le"):
                assert value.encode(encoding) not in data, f"{value!r} found in {path.relative_to(ws)}"


def test_modalities_come_in_section_order_whatever_the_plugin_order() -> None:
    for plugins in ([*BUILTINS, EXAMPLE], [EXAMPLE, *reversed(BUILTINS)]):
        manager = PluginManager(plugins)
        manager.load_all()
        assert not manager.failures and not manager.warnings
        assert [m.code for m in manager.modalities()] == ["CT", "IR", "MG", "MR", "NM", "US"]
        sections = [s.ref for s in manager.catalogue().sections if s.ref[:2] != "XR"]
        assert sections == ["CT-9", "IR-9", "MG-9", "MR-9", "NM-9", "US-9"]


def test_discovered_plugins_keep_section_order_too() -> None:
    app = App.load()
    assert list(app.modalities()) == ["CT", "IR", "MG", "MR", "NM", "US"]


def test_qsi_records_shows_old_records_upgraded(qsi: Callable[..., Result], tmp_path: Path) -> None:
    ws = tmp_path / "WS"
    assert qsi("init", ws, "--service", "Riverside Breast Unit", "--modalities", "MG").code == 0
    assert qsi("import", ws, "mg-phantom-log", sample_log()).code == 0
    app = App.load()
    with app.open_workspace(ws) as opened:
        # Make the first record look as version 1 of the plugin stored it.
        with opened.transaction("test-user") as session:
            first = session.scalars(select(ImportedRecordRow.id).order_by(ImportedRecordRow.id)).first()
            old = {"date": "2026-03-02", "unit": "Room 1", "phantom": "TORMAM", "passed": True}
            session.execute(
                update(ImportedRecordRow).where(ImportedRecordRow.id == first).values(shape_version=1, data=old)
            )
        # Through the report context (records_for), the upgrade is applied ...
        upgraded = WorkspaceReportContext(opened, app).records("mg-phantom-log")[0]
        assert upgraded["result"] == "pass" and "passed" not in upgraded
        assert importing.records_for(opened, app, "mg-phantom-log")[0]["month"] == "2026-03"
    # ... but the command line shows the stored version 1 shape.
    shown = qsi("records", ws, "mg-phantom-log", "--json").json()[0]
    assert shown["result"] == "pass" and "passed" not in shown
