"""Logs whose column names differ by vendor: more spellings of the decontamination log's columns, and the
user's own choices (``qsi import --map 'HEADER=COLUMN'``) for the rest, remembered for the importer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from qsi_desktop.services import importing
from qsi_desktop.services.app import App
from qsi_desktop.services.errors import UserError
from qsi_desktop.store.workspace import NewProfile, Workspace


def _workspace(path: Path) -> Workspace:
    return Workspace.create(path, NewProfile("Test", modalities=("US",)), framework_id="qsi-2026-draft", actor="t")


def test_an_automated_systems_export_maps_by_its_own_words(tmp_path: Path) -> None:
    """Spaulding class, HLD method, cycle result, a date with its time, a probe tag; the procedure id
    (a patient's) is not read."""
    book = Workbook()
    sheet = book.active
    sheet.append(["HLD audit export", None, None, None, None, None, None])
    header = "Probe Tag|Date/Time|Spaulding Classification|HLD Method|Cycle Result|Operator ID|Patient Procedure ID"
    sheet.append(header.split("|"))
    sheet.append(["TAG-0041", "05/03/2026 09:14", "Semi-critical", "trophon2", "Pass", "op17", "ACC99887766"])
    sheet.append(["TAG-0041", "05/03/2026 11:40", "Semi-critical", "trophon2", "Fail", "op17", "ACC99887767"])
    sheet.append(["TAG-0102", "06/03/2026 10:02", "Non-critical", "Low level wipe", "Pass", "op03", "ACC99887768"])
    path = tmp_path / "hld-audit.xlsx"
    book.save(path)
    ws = _workspace(tmp_path / "ws")
    summary = importing.run_import(ws, App.load(["qsi_plugin_us.plugin"]), "us-decontamination", [path], actor="t")
    assert (summary.imported, summary.rejected) == (3, [])
    records = importing.list_records(ws, "us-decontamination")
    assert [(r["probe"], r["date"], r["compliant"]) for r in records] == [
        ("TAG-0041", "2026-03-05", True),
        ("TAG-0041", "2026-03-05", False),
        ("TAG-0102", "2026-03-06", True),
    ]
    ws.close()
    assert not any(b"ACC998877" in p.read_bytes() for p in (tmp_path / "ws").rglob("*") if p.is_file())


HAND_KEPT = "Scope / probe,Day,Exam,How cleaned,OK?\nTV-01,05/03/2026,Transvaginal,Tristel Duo,Yes\n"


def test_a_hand_kept_sheet_is_mapped_by_the_user_and_remembered(tmp_path: Path, cli) -> None:
    log = tmp_path / "march.csv"
    log.write_text(HAND_KEPT, encoding="utf-8")
    ws = tmp_path / "ws"
    assert cli("init", ws, "--service", "Test", "--modalities", "US").code == 0

    refused = cli("import", ws, "us-decontamination", log)
    assert refused.code == 1
    assert "no header row found" in refused.out
    assert "--map 'HEADER=COLUMN'" in refused.out

    maps = ["Scope / probe=probe", "Day=date", "Exam=category", "How cleaned=method", "OK?=result"]
    mapped = cli("import", ws, "us-decontamination", log, *[f"--map={m}" for m in maps], "--json")
    assert mapped.code == 0, mapped.out + mapped.err
    summary = json.loads(mapped.out)
    assert summary["imported"] == 1 and summary["columns"]["How cleaned"] == "method"

    april = tmp_path / "april.csv"
    april.write_text(HAND_KEPT.replace("05/03/2026", "02/04/2026"), encoding="utf-8")
    again = cli("import", ws, "us-decontamination", april)  # the same sheet's next month: no --map needed
    assert again.code == 0 and "imported 1 record" in again.out and "'Exam' is category" in again.out

    forgot = cli("import", ws, "us-decontamination", april, "--map", "Exam=", "--dry-run")
    assert forgot.code == 1 and "required columns missing" in forgot.out


def test_choices_that_cannot_apply_are_refused_before_reading(tmp_path: Path, cli) -> None:
    ws = _workspace(tmp_path / "ws")
    app = App.load(["qsi_plugin_us.plugin", "qsi_plugin_ct.plugin"])
    log = tmp_path / "log.csv"
    log.write_text(HAND_KEPT, encoding="utf-8")
    with pytest.raises(UserError, match="has no column 'probe id' for 'Scope / probe'; its columns: probe, date"):
        importing.run_import(ws, app, "us-decontamination", [log], actor="t", columns={"Scope / probe": "probe id"})
    with pytest.raises(UserError, match="ct-dose does not read spreadsheet columns"):
        importing.run_import(ws, app, "ct-dose", [log], actor="t", columns={"Scope / probe": "probe"})
    assert importing.list_runs(ws) == []
    ws.close()
    bad = cli("import", tmp_path / "ws", "us-decontamination", log, "--map", "probe")
    assert bad.code == 2 and "write the file's header, '=', then the column" in bad.err


def test_a_missing_column_lists_the_headers_not_used_but_never_a_name_or_a_number(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("Probe ID,Date,Exam,Result,Ada Patientson,Ref 9434765919\nP1,05/03/2026,TV,pass,x,y\n")
    ws = _workspace(tmp_path / "ws")
    summary = importing.run_import(ws, App.load(["qsi_plugin_us.plugin"]), "us-decontamination", [log], actor="t")
    (issue,) = summary.rejected
    assert "required columns missing: category" in issue.reason and "method" in issue.reason
    assert issue.reason.endswith("Columns in the file not used: Exam")
    ws.close()


def test_a_chosen_header_names_its_column_and_no_other(tmp_path: Path) -> None:
    """'Device' is a spelling of the method; a sheet whose 'Device' is the probe says so."""
    log = tmp_path / "log.csv"
    log.write_text(
        "Device,Date,Category,Process,Result\nC5-1 serial 7781,05/03/2026,surface,wipe,pass\n", encoding="utf-8"
    )
    ws = _workspace(tmp_path / "ws")
    app = App.load(["qsi_plugin_us.plugin"])
    summary = importing.run_import(ws, app, "us-decontamination", [log], actor="t", columns={"Device": "probe"})
    assert summary.imported == 1
    (record,) = importing.list_records(ws, "us-decontamination")
    assert (record["probe"], record["method"]) == ("C5-1 serial 7781", "wipe")
    ws.close()


def test_a_third_party_table_importer_written_as_the_plugin_guide_shows_can_be_mapped(tmp_path: Path) -> None:
    """The example plugin's ``read`` is a function calling read_table_records(SPEC, ...), not SPEC.read."""
    from qsi_desktop.services import import_columns

    app = App.load(["qsi_plugin_example.plugin"])
    importer = importing.find_importer(app, "mg-phantom-log")
    spec = import_columns.table_spec(importer)
    assert spec is not None and spec.name == "mg-phantom-log"
    log = tmp_path / "qa.csv"
    log.write_text("Room no.,Test date,Result\nMammo 1,05/03/2026,Pass\n", encoding="utf-8")
    profile = NewProfile("T", modalities=("MG",))
    ws = Workspace.create(tmp_path / "ws", profile, framework_id=app.framework_id, actor="t")
    refused = importing.run_import(ws, app, "mg-phantom-log", [log], actor="t")
    assert refused.imported == 0 and "required columns missing: unit" in refused.rejected[0].reason
    mapped = importing.run_import(ws, app, "mg-phantom-log", [log], actor="t", columns={"Room no.": "unit"})
    assert mapped.imported == 1
    ws.close()
