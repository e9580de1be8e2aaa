"""Issue 19 part B: retries, orphaned copies, rejected runs, decoding, duplicate headers."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

from qsi_desktop.selftest.samples import csv_sample, write_samples
from qsi_desktop.store.evidence_files import INCOMING_PREFIX
from qsi_desktop.store.workspace import Workspace
from tests.conftest import builtin_importers


def _init(cli, tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "Riverside Imaging", "--modalities", "CT,MR,NM,US").code == 0
    return path


def _items(cli, path: Path) -> list[dict]:
    return json.loads(cli("evidence", "list", path, "--all", "--json").out)


# -- 1. retries -------------------------------------------------------------------------------------


def test_a_retried_evidence_add_reports_the_item_it_stored(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    policy = tmp_path / "policy.pdf"
    policy.write_bytes(b"%PDF-1.4 radiation protection policy")
    args = ("evidence", "add", path, policy, "--qs", "XR-501,XR-502", "--owner", "RPS", "--version", "2")
    first = cli(*args, "--json")
    assert first.code == 0, first.err
    stored = json.loads(first.out)
    assert stored["existing"] is False
    again = cli(*args, "--json")  # the first one committed, then the process was killed: retry
    assert again.code == 0, again.err
    retried = json.loads(again.out)
    assert retried["existing"] is True and retried["id"] == stored["id"]
    text = cli(*args)
    assert text.code == 0 and "nothing stored again" in text.out and f"#{stored['id']}" in text.out
    assert len(_items(cli, path)) == 1


def test_the_same_file_with_other_statements_or_details_is_a_new_add(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    policy = tmp_path / "policy.pdf"
    policy.write_bytes(b"%PDF-1.4 policy")
    assert cli("evidence", "add", path, policy, "--qs", "XR-501").code == 0
    other_statement = json.loads(cli("evidence", "add", path, policy, "--qs", "XR-502", "--json").out)
    other_title = json.loads(cli("evidence", "add", path, policy, "--qs", "XR-501", "--title", "T", "--json").out)
    assert not other_statement["existing"] and not other_title["existing"]
    assert len(_items(cli, path)) == 3


def test_a_retried_new_version_reports_the_version_it_stored(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    v1, v2 = tmp_path / "v1.pdf", tmp_path / "v2.pdf"
    v1.write_bytes(b"%PDF v1")
    v2.write_bytes(b"%PDF v2")
    first = json.loads(cli("evidence", "add", path, v1, "--qs", "XR-501", "--json").out)
    second = json.loads(cli("evidence", "add", path, v2, "--supersedes", str(first["id"]), "--json").out)
    retry = cli("evidence", "add", path, v2, "--supersedes", str(first["id"]), "--json")
    assert retry.code == 0, retry.err
    assert json.loads(retry.out) | {"existing": False} == second
    assert json.loads(retry.out)["existing"] is True
    assert len(_items(cli, path)) == 2


def test_orphaned_copies_are_cleaned_on_open_but_not_fresh_ones(make_workspace) -> None:
    ws = make_workspace()
    tmp = ws.path / "evidence" / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    old, fresh = tmp / f"{INCOMING_PREFIX}old", tmp / f"{INCOMING_PREFIX}fresh"
    old.write_bytes(b"half a file")
    fresh.write_bytes(b"being written by another process")
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    ws.close()
    Workspace.open(ws.path).close()
    assert not old.exists()
    assert fresh.exists()  # another process may still be writing it


# -- 2. a rejected run ------------------------------------------------------------------------------


def test_a_rejected_file_leaves_a_run_marked_rejected_that_cannot_be_undone(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    bad = tmp_path / "log.csv"
    bad.write_bytes(b"\x00\x01binary\x00" * 20)
    result = cli("import", path, "us-decontamination", bad)
    assert result.code == 1
    assert "rejected: nothing was stored" in result.out
    runs = json.loads(cli("import-runs", path, "--json").out)
    assert [run["state"] for run in runs] == ["rejected"]
    assert "rejected" in cli("import-runs", path).out
    undo = cli("import-undo", path, str(runs[0]["id"]))
    assert undo.code == 2 and "nothing to undo" in undo.err
    summary = json.loads(cli("import", path, "us-decontamination", bad, "--json").out)
    assert summary["state"] == "rejected"


def test_the_import_summary_says_a_rejected_run_stored_nothing() -> None:
    from qsi_desktop.gui.dialogs import import_summary_html
    from qsi_desktop.plugins.types import ImportIssue
    from qsi_desktop.services.importing import ImportSummary

    summary = ImportSummary("us-decontamination", files=1, rejected=[ImportIssue("a.csv", "empty")], run_id=4)
    assert "Rejected: nothing was stored" in import_summary_html(summary)


# -- 5. decoding, duplicate headers, placeholder dates, empty folders ---------------------------------

ENV_HEADER = "Date,Time,Room,Temperature (C),Humidity (%),O2 (%)\n"


def _env_rows(rooms: list[str]) -> str:
    return "".join(f"0{day}/03/2026,08:00,{room},20.5,45,20.9\n" for day, room in enumerate(rooms, start=1))


def _records(cli, path: Path, importer: str) -> list[dict]:
    return json.loads(cli("records", path, importer, "--json").out)


def test_a_utf8_file_with_a_bad_byte_keeps_its_accents_and_rejects_that_row(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    data = (ENV_HEADER + _env_rows(["Salle é", "Raum ö", "Zimmer ü", "Room X", "Sala ñ"])).encode("utf-8")
    data = data.replace(b"Room X", b"Room \xff")  # one damaged byte on line 5 (row 5)
    log = tmp_path / "env.csv"
    log.write_bytes(data)
    summary = json.loads(cli("import", path, "mr-environment", log, "--json").out)
    assert summary["imported"] == 4
    assert [(r["row"], r["reason"]) for r in summary["rejected"]] == [
        (5, "the room value holds bytes that are not valid UTF-8")
    ]
    assert any("line(s) 5" in s["reason"] for s in summary["skipped"])
    rooms = {r["room"] for r in _records(cli, path, "mr-environment")}
    assert rooms == {"Salle é", "Raum ö", "Zimmer ü", "Sala ñ"}  # not 'Salle Ã©'


def test_a_utf8_file_cut_in_the_middle_of_a_character_is_read_as_utf8(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    data = (ENV_HEADER + _env_rows(["Room 1", "Room 2"]) + "03/03/2026,08:00,Salle é").encode("utf-8")
    log = tmp_path / "env.csv"
    log.write_bytes(data[:-1])  # cut after the first byte of é
    summary = json.loads(cli("import", path, "mr-environment", log, "--json").out)
    assert summary["imported"] == 2
    assert [r["row"] for r in summary["rejected"]] == [4]


def test_a_real_cp1252_file_still_reads_as_cp1252(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    log = tmp_path / "env.csv"
    log.write_bytes((ENV_HEADER + _env_rows(["Salle é", "Raum ö", "Zimmer ü", "Sala ñ"])).encode("cp1252"))
    summary = json.loads(cli("import", path, "mr-environment", log, "--json").out)
    assert summary["imported"] == 4 and not summary["rejected"]
    assert {r["room"] for r in _records(cli, path, "mr-environment")} == {"Salle é", "Raum ö", "Zimmer ü", "Sala ñ"}


def test_duplicate_headers_reject_the_file_naming_both_columns(cli, tmp_path: Path) -> None:
    path = _init(cli, tmp_path)
    log = tmp_path / "decon.csv"
    log.write_text(
        "Probe ID,Date,Examination category,Method,Result,Outcome\nTV-01,05/03/2026,Transvaginal,Trophon 2,Pass,Fail\n"
    )
    result = cli("import", path, "us-decontamination", log)
    assert result.code == 1
    assert "two columns give the result: 'Result' (column 5) and 'Outcome' (column 6)" in result.out
    assert _records(cli, path, "us-decontamination") == []


IMPORTERS = builtin_importers()
TABLE_IMPORTERS = [name for name in IMPORTERS if not name.endswith("-dose")]


@pytest.mark.parametrize("importer", IMPORTERS)
def test_an_empty_folder_is_refused_by_every_importer(cli, tmp_path: Path, importer: str) -> None:
    path = _init(cli, tmp_path)
    (tmp_path / "empty").mkdir()
    result = cli("import", path, importer, tmp_path / "empty")
    assert result.code == 2 and "the folder is empty" in result.err
    assert json.loads(cli("import-runs", path, "--json").out) == []


@pytest.mark.parametrize("placeholder", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("importer", TABLE_IMPORTERS)
def test_placeholder_dates_are_refused_by_every_table_importer(
    cli, tmp_path: Path, importer: str, placeholder: str
) -> None:
    path = _init(cli, tmp_path)
    lines = csv_sample(importer).read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = re.sub(r"\d\d/\d\d/\d{4}", placeholder, lines[1], count=1)
    log = tmp_path / f"{importer}.csv"
    log.write_text("".join(lines), encoding="utf-8")
    summary = json.loads(cli("import", path, importer, log, "--json").out)
    assert [r["row"] for r in summary["rejected"]] == [2]
    assert f"'{placeholder}' is outside 1900 to 2100" in summary["rejected"][0]["reason"]


@pytest.mark.parametrize("importer", ["ct-dose", "ir-dose"])
def test_placeholder_study_dates_are_not_taken_by_the_dose_importers(cli, tmp_path: Path, importer: str) -> None:
    import pydicom

    path = _init(cli, tmp_path)
    folder = tmp_path / "in"
    files = write_samples(importer, folder)[:2]
    for file, placeholder in zip(files, ("00010101", "99991231"), strict=False):
        ds = pydicom.dcmread(file)
        ds.StudyDate = ds.ContentDate = placeholder
        ds.save_as(file)
    assert cli("import", path, importer, *files).code == 0
    months = {r["occurred_on"] for r in _records(cli, path, importer)}
    assert months and all(m is None or "1900" <= m <= "2100" for m in months)


@pytest.mark.parametrize("placeholder", ["0001-01-01", "9999-12-31"])
def test_placeholder_dates_are_refused_by_register_imports(cli, full_app, tmp_path: Path, placeholder: str) -> None:
    from datetime import date

    from openpyxl import Workbook

    from qsi_desktop.services.registers import ValueProblem, find_register, parse_value

    path = _init(cli, tmp_path)
    header = "Item,Location,MR label,Last checked"
    sheet = tmp_path / "equipment.csv"
    sheet.write_text(f"{header}\nWheelchair,MR1,MR Safe,{placeholder}\nTrolley,MR1,MR Safe,05/03/2026\n")
    result = json.loads(cli("register", "import", path, "mr.equipment", sheet, "--json").out)
    assert [issue["row"] for issue in result["rejected"]] == [2]
    book = Workbook()  # a real date cell, not text
    book.active.append(header.split(","))
    book.active.append(["Hoist", "MR1", "MR Safe", date.fromisoformat(placeholder)])
    book.save(tmp_path / "equipment.xlsx")
    cli("register", "import", path, "mr.equipment", tmp_path / "equipment.xlsx")
    stored = cli("register", "show", path, "mr.equipment", "--json").out
    assert placeholder not in stored and "Hoist" not in stored and "Trolley" in stored
    field = next(f for f in find_register(full_app, "mr.equipment").fields if f.kind == "date")
    with pytest.raises(ValueProblem, match="outside 1900 to 2100"):
        parse_value(field, date.fromisoformat(placeholder))
