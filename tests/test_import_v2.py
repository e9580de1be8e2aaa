"""Plugin API 2 imports: streaming per file, replace groups, shape upgrades, guarded plugin code,
cancelled and failed runs that store nothing, runs kept with their issues and undone whole."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from qsi_desktop import hookimpl
from qsi_desktop.cli import main
from qsi_desktop.plugins.guard import PluginError
from qsi_desktop.plugins.types import ImportContext, ImportedRecord, Importer, ImportIssue
from qsi_desktop.services import import_reading, importing
from qsi_desktop.services.app import App
from qsi_desktop.services.report_context import WorkspaceReportContext
from qsi_desktop.store.workspace import NewProfile, Workspace
from tests.conftest import ALL_PLUGINS


def _read_dose(path: Path, context: ImportContext) -> Iterator[ImportedRecord | ImportIssue]:
    """A fake dose log: each line ``study,events,month`` is one cumulative report of a study."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("boom"):
            raise KeyError("column")  # a plugin bug met halfway through a file
        if not line.strip():
            yield ImportIssue(path.name, "blank line", number, "skipped")
            continue
        study, events, month = line.split(",")
        if not events.isdigit():
            yield ImportIssue(path.name, f"events {events!r} is not a number (NHS 943 476 5919)", number)
            continue
        yield ImportedRecord(
            key=context.keyed_hash("dose", study, events),
            data={"events": int(events), "dlp": 100 * int(events)},
            file=path.name,
            row=number,
            occurred_on=month,
            group=context.keyed_hash("dose-study", study),
            rank=int(events),
        )


def _upgrade(data: dict, stored: int) -> dict:
    if stored < 2:
        data = dict(data)
        data["dlp_total"] = data.pop("dlp")
    return data


def _plugin(version: int = 1) -> ModuleType:
    module = ModuleType("dx_plugin")
    module.PLUGIN_NAME = "dx"

    @hookimpl
    def qsi_register_importers() -> list[Importer]:
        return [
            Importer(
                name="dx-dose",
                title="Test dose log",
                patterns=("*.log",),
                read=_read_dose,
                version=version,
                upgrade=_upgrade if version > 1 else None,
            )
        ]

    module.qsi_register_importers = qsi_register_importers
    return module


@pytest.fixture
def ws(tmp_path: Path, backend) -> Iterator[Workspace]:
    workspace = Workspace.create(
        tmp_path / "ws", NewProfile("Test"), framework_id="qsi-2026-draft", actor="t", database=backend.new_database()
    )
    yield workspace
    workspace.close()


def _write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.backends
def test_cumulative_reports_replace_what_they_supersede_and_undo_restores(ws: Workspace, tmp_path: Path) -> None:
    app = App.load([_plugin()])
    first = importing.run_import(
        ws, app, "dx-dose", [_write(tmp_path, "a.log", "s1,2,2026-03", "s2,1,2026-03")], actor="t"
    )
    assert (first.imported, first.replaced) == (2, 0)
    grown = importing.run_import(ws, app, "dx-dose", [_write(tmp_path, "b.log", "s1,5,2026-03")], actor="t")
    assert (grown.imported, grown.replaced, grown.duplicates) == (1, 1, 0)
    late = importing.run_import(ws, app, "dx-dose", [_write(tmp_path, "c.log", "s1,3,2026-03")], actor="t")
    assert (late.imported, late.replaced) == (1, 0)  # an earlier, smaller report arriving late: history
    again = importing.run_import(ws, app, "dx-dose", [tmp_path / "b.log"], actor="t")
    assert (again.imported, again.duplicates) == (0, 1)  # the same report twice is a duplicate

    def current() -> list[int]:
        return sorted(r["events"] for r in importing.list_records(ws, "dx-dose"))

    assert current() == [1, 5]  # one record per study counts
    assert len(importing.list_records(ws, "dx-dose", history=True)) == 4
    importing.undo_run(ws, grown.run_id, actor="t")
    assert current() == [1, 3]  # the best of what is left is current again
    with pytest.raises(Exception, match="already undone"):
        importing.undo_run(ws, grown.run_id, actor="t")
    states = {r.id: r.state for r in importing.list_runs(ws)}
    assert states[grown.run_id] == "undone" and states[first.run_id] == "finished"


@pytest.mark.backends
def test_issues_are_kept_with_the_run_without_file_names_or_nhs_numbers(ws: Workspace, tmp_path: Path) -> None:
    app = App.load([_plugin()])
    log = _write(tmp_path, "Smith_John.log", "s1,2,2026-03", "", "s2,many,2026-03")
    summary = importing.run_import(ws, app, "dx-dose", [log], actor="t")
    assert (summary.imported, len(summary.skipped), len(summary.rejected)) == (1, 1, 1)
    run = importing.get_run(ws, summary.run_id)
    assert [(i.kind, i.file_number, i.row) for i in run.issues] == [("skipped", 1, 2), ("rejected", 1, 3)]
    assert "[NHS number removed]" in run.issues[1].reason
    data = b"".join(p.read_bytes() for p in ws.path.rglob("*") if p.is_file())
    assert b"Smith" not in data and b"943 476 5919" not in data


def test_a_plugin_bug_is_one_line_naming_plugin_importer_and_file_and_stores_nothing(
    ws: Workspace, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = App.load([_plugin()])
    good = _write(tmp_path, "a.log", *(f"s{i},1,2026-03" for i in range(1200)))  # more than two chunks
    bad = _write(tmp_path, "b.log", *(f"t{i},1,2026-03" for i in range(700)), "boom")
    with caplog.at_level(logging.ERROR), pytest.raises(PluginError) as failure:
        importing.run_import(ws, app, "dx-dose", [good, bad], actor="t")
    assert str(failure.value) == "importer dx-dose (plugin dx) failed on b.log: KeyError 'column'"
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)  # the details go to the log
    assert importing.list_records(ws, "dx-dose", history=True) == []
    (run,) = importing.list_runs(ws)
    assert run.state == "cancelled" and run.files == 2


@pytest.mark.backends
def test_cancel_stores_nothing_and_is_recorded(ws: Workspace, tmp_path: Path) -> None:
    app = App.load([_plugin()])
    files = [_write(tmp_path, f"{n}.log", f"s{n},1,2026-03") for n in range(3)]
    calls: list[str] = []

    def progress(done: int, total: int, message: str) -> None:
        calls.append(message)

    summary = importing.run_import(
        ws, app, "dx-dose", files, actor="t", on_progress=progress, cancel=lambda: len(calls) >= 2
    )
    assert summary.cancelled and summary.imported == 0
    assert importing.list_records(ws, "dx-dose") == []
    assert [r.state for r in importing.list_runs(ws)] == ["cancelled"]


def test_old_record_shapes_are_upgraded_when_read(ws: Workspace, tmp_path: Path) -> None:
    importing.run_import(ws, App.load([_plugin(1)]), "dx-dose", [_write(tmp_path, "a.log", "s1,2,2026-03")], actor="t")
    app = App.load([_plugin(2)])  # the plugin's next release renamed a field
    importing.run_import(ws, app, "dx-dose", [_write(tmp_path, "b.log", "s2,4,2026-04")], actor="t")
    records = importing.records_for(ws, app, "dx-dose")
    assert [r.get("dlp_total") for r in records] == [200, None]  # stored as version 2 already: untouched
    assert "dlp" not in records[0]


def test_report_context_records_by_date_range(ws: Workspace, tmp_path: Path) -> None:
    from datetime import date

    app = App.load([_plugin()])
    log = _write(tmp_path, "a.log", "s1,1,2026-01", "s2,1,2026-02-10", "s3,1,2026-02-20", "s4,1,2026-03")
    importing.run_import(ws, app, "dx-dose", [log], actor="t")
    context = WorkspaceReportContext(ws, app)
    assert len(context.records("dx-dose")) == 4
    feb = context.records("dx-dose", since=date(2026, 2, 15), until=date(2026, 2, 28))
    assert [r["occurred_on"] for r in feb] == ["2026-02-20"]
    assert [r["occurred_on"] for r in context.records("dx-dose", since=date(2026, 2, 15))] == [
        "2026-02-20",
        "2026-03",
    ]


def test_streaming_keeps_a_big_file_in_chunks(ws: Workspace, tmp_path: Path) -> None:
    """30,000 rows in one file: stored whole, in one transaction, read lazily."""
    app = App.load([_plugin()])
    log = _write(tmp_path, "big.log", *(f"s{i},1,2026-03" for i in range(30_000)))
    summary = importing.run_import(ws, app, "dx-dose", [log], actor="t")
    assert summary.imported == 30_000 and importing.list_runs(ws)[0].imported == 30_000


def test_cli_import_runs_and_undo(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    import qsi_desktop.services.app as app_module

    original = app_module.App.load.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(app_module.App, "load", classmethod(lambda cls, plugins=None: original(cls, [_plugin()])))
    path = tmp_path / "ws"
    assert main(["init", str(path), "--service", "Test"]) == 0
    capsys.readouterr()
    log = _write(tmp_path, "a.log", "s1,2,2026-03", "s1,x,2026-03")
    assert main(["import", str(path), "dx-dose", str(log), "--json"]) == 1  # a rejected row
    out = json.loads(capsys.readouterr().out)
    assert (out["imported"], out["replaced"], out["run"]) == (1, 0, 1)
    assert main(["import-runs", str(path), "1"]) == 0
    shown = capsys.readouterr().out
    assert "rejected file 1 row 2: events 'x' is not a number" in shown
    assert main(["import-undo", str(path), "1"]) == 0
    assert "undone" in capsys.readouterr().out
    assert main(["records", str(path), "dx-dose", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_cli_shows_a_plugin_bug_in_one_line_and_logs_the_traceback(tmp_path: Path) -> None:
    """A real ``qsi`` process: one line on stderr, the traceback in the log file only."""
    import os
    import subprocess
    import sys

    script = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent.parent)!r})
from tests.test_import_v2 import _plugin
import qsi_desktop.services.app as app_module
original = app_module.App.load.__func__
app_module.App.load = classmethod(lambda cls, plugins=None: original(cls, [_plugin()]))
from qsi_desktop.cli import main
sys.exit(main(sys.argv[1:]))
"""
    env = {k: v for k, v in os.environ.items() if k != "QSI_PORTABLE"} | {"XDG_DATA_HOME": str(tmp_path)}
    data = tmp_path / "QSI Desktop"  # platformdirs' user data folder under XDG_DATA_HOME
    ws = tmp_path / "ws"
    bad = _write(tmp_path, "b.log", "boom")

    def qsi(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env)

    assert qsi("init", str(ws), "--service", "Test").returncode == 0
    done = qsi("import", str(ws), "dx-dose", str(bad))
    assert done.returncode == 2
    first, second = done.stderr.splitlines()
    assert first == "qsi: error: importer dx-dose (plugin dx) failed on b.log: KeyError 'column'"
    assert second.startswith("qsi: this is a fault in the dx plugin, not in your files: details are in ")
    log = (data / "logs" / "qsi.log").read_text(encoding="utf-8")
    assert "Traceback" in log and 'raise KeyError("column")' in log


def test_third_party_modality_from_plugins(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    """A plugin's modality is as good as a built-in one: init, profile and validation know it."""
    from qsi_desktop.catalogue.model import Item, Section, Statement
    from qsi_desktop.plugins.types import Modality

    statement = Statement(
        "DX-901", "DX-9", "Bone densitometry", "Scans are safe.", "Audit.", (Item("A log"),), (), (), "qsi-2026-draft"
    )

    @hookimpl
    def qsi_register_standards_sections(framework_id: str) -> list[Section]:
        return [Section("DX-9", "Bone densitometry", (statement,), "DX", framework_id=framework_id)]

    @hookimpl
    def qsi_register_modalities() -> list[Modality]:
        return [Modality("DX", "Bone densitometry", "DX-9")]

    module = ModuleType("dx_modality")
    module.PLUGIN_NAME = "dx"
    module.qsi_register_standards_sections = qsi_register_standards_sections
    module.qsi_register_modalities = qsi_register_modalities
    import qsi_desktop.services.app as app_module

    original = app_module.App.load.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(
        app_module.App, "load", classmethod(lambda cls, plugins=None: original(cls, [*ALL_PLUGINS, module]))
    )
    path = tmp_path / "ws"
    assert main(["init", str(path), "--service", "Test", "--modalities", "CT,DX"]) == 0
    capsys.readouterr()
    assert main(["profile", str(path)]) == 0
    assert "DX (Bone densitometry)" in capsys.readouterr().out
    assert main(["status", str(path), "--json"]) == 0
    states = {s["ref"]: s for s in json.loads(capsys.readouterr().out)["statements"]}
    assert states["DX-901"]["applicable"] and not states["MR-901"]["applicable"]
    assert main(["profile", str(path), "--modalities", "CT,ZZ"]) == 2
    assert "unknown modality ZZ; use some of CT,DX,IR,MR,NM,US" in capsys.readouterr().err
    assert main(["profile", str(path), "--scope", "paediatric=no"]) == 0
    capsys.readouterr()
    assert main(["profile", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["scopes"] == {"paediatric": False}


def test_a_corrected_register_export_replaces_the_entries_it_corrects(ws: Workspace, tmp_path: Path) -> None:
    app = App.load(ALL_PLUGINS)
    header = "Type,Holder,Reference,Issued,Expires\n"
    rows = [
        "ARSAC employer licence,Riverside NHS Trust,EMP-0001,01/04/2021,31/03/2026",
        "ARSAC practitioner licence,Dr A Consultant,PRA-1234,15/06/2021,20/05/2026",
    ]
    first = _write(tmp_path, "licences.csv", header + "\n".join(rows))
    assert importing.run_import(ws, app, "nm-licences", [first], actor="t").imported == 2
    rows[1] = rows[1].replace("20/05/2026", "20/05/2031")  # the typo in the expiry date, corrected
    corrected = _write(tmp_path, "licences-corrected.csv", header + "\n".join(rows))
    summary = importing.run_import(ws, app, "nm-licences", [corrected], actor="t")
    assert (summary.imported, summary.replaced, summary.duplicates) == (1, 1, 1)
    expiries = sorted(r["expires"] for r in importing.list_records(ws, "nm-licences"))
    assert expiries == ["2026-03-31", "2031-05-20"]  # counted once, the correction current
    assert len(importing.list_records(ws, "nm-licences", history=True)) == 3


def test_report_sections_apply_by_modality_and_render_through_the_guard(ws: Workspace) -> None:
    from qsi_desktop.plugins.types import Paragraph, ReportSection
    from qsi_desktop.services.report_context import applicable_sections, render_section

    def broken(context) -> list:
        return [Paragraph("fine"), context.records("nope")]  # unknown importer: a UserError (ours)

    def buggy(context) -> list:
        raise ZeroDivisionError("division by zero")

    module = ModuleType("rx_plugin")
    module.PLUGIN_NAME = "rx"

    @hookimpl
    def qsi_register_report_sections() -> list[ReportSection]:
        return [
            ReportSection("rx.buggy", "Buggy", buggy),
            ReportSection("rx.ct-only", "CT only", lambda c: [Paragraph("CT")], modality="CT"),
            ReportSection("rx.strange", "Strange", lambda c: ["not a block"]),
            ReportSection("rx.broken", "Broken", broken),
        ]

    module.qsi_register_report_sections = qsi_register_report_sections
    app = App.load([module])
    context = WorkspaceReportContext(ws, app)
    sections = {s.id: s for s in applicable_sections(app, context)}
    assert set(sections) == {"rx.buggy", "rx.strange", "rx.broken"}  # the service provides no CT
    with pytest.raises(PluginError, match=r"^report section rx.buggy \(plugin rx\) failed: ZeroDivisionError"):
        render_section(app, sections["rx.buggy"], context)
    with pytest.raises(PluginError, match="must return a list of report blocks"):
        render_section(app, sections["rx.strange"], context)
    with pytest.raises(Exception, match="unknown importer 'nope'"):
        render_section(app, sections["rx.broken"], context)


def test_dry_run_names_the_file_a_plugin_failed_on(ws: Workspace, tmp_path: Path) -> None:
    app = App.load([_plugin()])
    bad = _write(tmp_path, "b.log", "boom")
    with pytest.raises(PluginError, match=r"failed on b.log: KeyError 'column'"):
        importing.run_import(ws, app, "dx-dose", [bad], actor="t", dry_run=True)
    assert importing.list_runs(ws) == []  # a dry run records nothing


def test_reasons_are_blanked_where_the_user_sees_them_and_reserved_fields_refused(ws: Workspace, tmp_path: Path):
    app = App.load([_plugin()])
    summary = importing.run_import(ws, app, "dx-dose", [_write(tmp_path, "a.log", "s1,x,2026-03")], actor="t")
    assert "943 476 5919" not in json.dumps(summary.to_dict())
    assert "[NHS number removed]" in summary.rejected[0].reason
    bad = ImportedRecord("k" * 10, {"id": 3}, "a.log")
    assert "uses a field the core keeps" in import_reading.invalid(bad)[0]


def test_api_1_importers_and_sections_still_load() -> None:
    """An API 1 plugin: positional Importer, a hand-built section without a framework id, GUI_MODULE."""
    from qsi_desktop.catalogue.model import Item, Section, Statement
    from qsi_desktop.plugins.manager import PluginManager
    from qsi_desktop.plugins.types import ImportBatch

    statement = Statement("QQ-901", "QQ-9", "Old", "Old text.", "Shown.", (Item("A log"),), ())

    @hookimpl
    def qsi_register_standards_sections() -> list[Section]:
        return [Section("QQ-9", "Old section", (statement,), "QQ")]

    @hookimpl
    def qsi_register_importers() -> list[Importer]:
        return [Importer("qq-log", "Old log", lambda paths, ctx: ImportBatch(), ("*.csv",))]

    module = ModuleType("old_plugin")
    module.PLUGIN_NAME = "qq"
    module.QSI_PLUGIN_API_VERSION = 1
    module.GUI_MODULE = "old_plugin.gui"
    module.qsi_register_standards_sections = qsi_register_standards_sections
    module.qsi_register_importers = qsi_register_importers
    pm = PluginManager([module])
    pm.load_all()
    assert not pm.failures
    assert pm.catalogue().get("QQ-901").framework_id == "qsi-2026-draft"
    assert pm.importer("qq-log").run is not None
    assert "GUI_MODULE is no longer read" in pm.warnings[0].error


@pytest.mark.backends
def test_a_corrected_log_row_replaces_the_row_it_corrects(ws: Workspace, tmp_path: Path) -> None:
    app = App.load(ALL_PLUGINS)
    header = "Probe ID,Date,Time,Examination category,Method,Cycle ID,Operator,Result"
    rows = [
        "TV-01,05/03/2026,09:10,Transvaginal,Trophon 2,C1001,J Sonographer,Pass",
        "TV-01,05/03/2026,09:10,Transvaginal,Trophon 2,C1002,J Sonographer,Pass",  # a second use that minute
        "AB-07,05/03/2026,09:30,Surface (abdomen),Low level wipe,,S Operator,Fail",
    ]
    first = _write(tmp_path, "decon.csv", header, *rows)
    assert importing.run_import(ws, app, "us-decontamination", [first], actor="t").imported == 3
    rows[2] = rows[2].replace(",Fail", ",Pass")  # the result was entered wrongly and corrected
    summary = importing.run_import(
        ws, app, "us-decontamination", [_write(tmp_path, "d2.csv", header, *rows)], actor="t"
    )
    assert (summary.imported, summary.replaced, summary.duplicates) == (1, 1, 2)
    results = sorted((r["probe"], r["result"]) for r in importing.list_records(ws, "us-decontamination"))
    assert results == [("AB-07", "pass"), ("TV-01", "pass"), ("TV-01", "pass")]


def _parallel_plugin() -> ModuleType:
    module = ModuleType("px_plugin")
    module.PLUGIN_NAME = "dx"

    @hookimpl
    def qsi_register_importers() -> list[Importer]:
        return [Importer(name="dx-dose", title="Dose", patterns=("*.log",), read=_read_dose, parallel=True)]

    module.qsi_register_importers = qsi_register_importers
    return module


@pytest.mark.backends
def test_a_parallel_importer_reads_in_other_processes_and_stores_in_order(ws: Workspace, tmp_path: Path) -> None:
    app = App.load([_parallel_plugin()])
    files = [_write(tmp_path, f"{n:02d}.log", f"s{n},{n % 3 + 1},2026-03", f"t{n},1,2026-04") for n in range(20)]
    summary = importing.run_import(ws, app, "dx-dose", files, actor="t")
    assert (summary.files, summary.imported) == (20, 40)
    again = importing.run_import(ws, app, "dx-dose", files, actor="t")
    assert (again.imported, again.duplicates) == (0, 40)
    bad = _write(tmp_path, "21.log", "boom")
    with pytest.raises(PluginError, match=r"failed on 21.log: KeyError 'column'"):
        importing.run_import(ws, app, "dx-dose", [*files[:10], bad], actor="t")
    assert len(importing.list_records(ws, "dx-dose")) == 40  # the failed run took out what it stored


def test_a_workspace_of_a_framework_the_app_lacks_is_refused_on_open(tmp_path: Path, capsys) -> None:
    path = tmp_path / "later"
    Workspace.create(path, NewProfile("Later"), framework_id="qsi-2030", actor="t").close()
    app = App.load(ALL_PLUGINS)
    with pytest.raises(Exception, match="assessed against framework 'qsi-2030', which this QSI Desktop does not have"):
        app.open_workspace(path)
    assert app.framework_id == "qsi-2026-draft" and len(app.catalogue) == 80
    assert main(["status", str(path)]) == 2
    assert "does not have (it has: qsi-2026-draft)" in capsys.readouterr().err


def test_a_kept_value_holding_an_nhs_number_is_never_stored(ws: Workspace, tmp_path: Path) -> None:
    app = App.load(ALL_PLUGINS)
    log = _write(
        tmp_path,
        "decon.csv",
        "Probe ID,Date,Time,Examination category,Method,Cycle ID,Operator,Result",
        "943.476.5919,05/03/2026,09:10,Transvaginal,Trophon 2,C1,J S,Pass",  # a patient's number in the probe column
        "TV-01,05/03/2026,09:20,Transvaginal,Trophon 2,C2,J S,Pass",
    )
    summary = importing.run_import(ws, app, "us-decontamination", [log], actor="t")
    assert summary.imported == 1
    assert summary.rejected[0].reason == "the probe value looks like an NHS number: the row was not stored"
    data = b"".join(p.read_bytes() for p in ws.path.rglob("*") if p.is_file())
    assert b"943.476.5919" not in data and b"9434765919" not in data


def test_a_folder_with_nothing_to_import_says_so(ws: Workspace, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not a log", encoding="utf-8")
    with pytest.raises(Exception, match=r"empty: no files the importer reads \(\*\.log\)"):
        importing.run_import(ws, App.load([_plugin()]), "dx-dose", [tmp_path / "empty"], actor="t")
