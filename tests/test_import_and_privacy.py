"""``qsi import`` and ``qsi records`` through a real plugin importer, and the patient-data rule:
nothing identifying reaches the database, the audit trail or the command's output."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from qsi_desktop.services import importing
from qsi_desktop.store.workspace import Workspace

PATIENT_NAME = "QUIMBY^ZEBEDEE"
PATIENT_ID = "RXQ9876543"
NHS_NUMBER = "9434765919"
HEADER = [
    "Probe ID",
    "Date",
    "Time",
    "Examination category",
    "Method",
    "Cycle ID",
    "Operator",
    "Result",
    "Patient Name",
    "Patient ID",
    "NHS Number",
]


def _log(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _row(probe: str, day: str, category: str = "intracavity", result: str = "Pass", cycle: str = "C1") -> list[str]:
    return [
        probe,
        day,
        "09:30",
        category,
        "Trophon EPR",
        cycle,
        "Jane Sonographer",
        result,
        PATIENT_NAME,
        PATIENT_ID,
        NHS_NUMBER,
    ]


def _workspace(cli, tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "Riverside", "--modalities", "US").code == 0
    return path


def _all_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file())


def test_import_summary_duplicates_and_records(cli, tmp_path: Path) -> None:
    path = _workspace(cli, tmp_path)
    logs = tmp_path / "logs"
    logs.mkdir()
    _log(
        logs / "march.csv",
        [
            _row("TV-01", "2026-03-02"),
            _row("TV-01", "03/03/2026", cycle="C2"),
            _row("C5-01", "2026-03-03", category="surface", cycle=""),
        ],
    )
    _log(
        logs / "april.csv",
        [_row("TV-02", "2026-04-01", result="Fail", cycle="C3"), _row("TV-02", "not a date", cycle="C4")],
    )
    (logs / "readme.txt").write_text("not picked up: the importer takes *.csv")

    result = cli("import", path, "us-decontamination", logs, "--json")
    summary = json.loads(result.out)
    assert result.code == 1  # a row was rejected; the rest of the batch went in
    assert (summary["files"], summary["imported"], summary["duplicates"]) == (2, 4, 0)
    (rejected,) = summary["rejected"]
    assert rejected["file"].endswith("april.csv") and rejected["row"] == 3 and "not a date" in rejected["reason"]

    again = json.loads(cli("import", path, "us-decontamination", logs / "march.csv", "--json").out)
    assert (again["imported"], again["duplicates"]) == (0, 3)

    records = json.loads(cli("records", path, "us-decontamination", "--json").out)
    assert len(records) == 4
    failed = next(r for r in records if r["probe"] == "TV-02")
    assert failed["compliant"] is False and failed["result"] == "fail"
    table = cli("records", path, "us-decontamination").out
    assert "TV-01" in table and "C5-01" in table


def test_dry_run_reports_but_changes_nothing(cli, tmp_path: Path) -> None:
    path = _workspace(cli, tmp_path)
    log = _log(tmp_path / "log.csv", [_row("TV-01", "2026-03-02")])
    audit_before = json.loads(cli("audit", path, "--json").out)
    summary = json.loads(cli("import", path, "us-decontamination", log, "--json", "--dry-run").out)
    assert summary["dry_run"] is True and summary["imported"] == 1
    assert json.loads(cli("records", path, "us-decontamination", "--json").out) == []
    assert json.loads(cli("audit", path, "--json").out) == audit_before


def test_bad_files_are_rejected_by_name_and_the_batch_goes_on(cli, tmp_path: Path) -> None:
    path = _workspace(cli, tmp_path)
    good = _log(tmp_path / "good.csv", [_row("TV-01", "2026-03-02")])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    workbook = tmp_path / "log.csv.xlsx"
    workbook.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    truncated = tmp_path / "truncated.csv"
    truncated.write_bytes(good.read_bytes()[:-30])
    summary = json.loads(cli("import", path, "us-decontamination", empty, workbook, good, truncated, "--json").out)
    reasons = {Path(r["file"]).name: r["reason"] for r in summary["rejected"]}
    assert set(reasons) >= {"empty.csv", "log.csv.xlsx"}
    assert "empty" in reasons["empty.csv"].lower()
    assert "excel" in reasons["log.csv.xlsx"].lower()
    assert summary["imported"] >= 1


def test_a_cancelled_import_stores_nothing(full_app, make_workspace, tmp_path: Path) -> None:
    ws: Workspace = make_workspace(modalities=("US",))
    logs = [_log(tmp_path / f"log{i}.csv", [_row(f"TV-0{i}", "2026-03-02")]) for i in range(3)]
    calls: list[int] = []
    summary = importing.run_import(
        ws,
        full_app,
        "us-decontamination",
        logs,
        actor="t",
        on_progress=lambda done, total, msg: calls.append(done),
        cancel=lambda: len(calls) >= 1,
    )
    assert summary.cancelled and summary.files < 3
    assert importing.list_records(ws, "us-decontamination") == []


def test_patient_data_never_reaches_the_workspace_or_the_output(cli, tmp_path: Path) -> None:
    path = _workspace(cli, tmp_path)
    log = _log(tmp_path / "log.csv", [_row("TV-01", "2026-03-02"), _row("TV-01", "bad date", cycle="C9")])
    outputs = [
        cli("import", path, "us-decontamination", log, "--json"),
        cli("import", path, "us-decontamination", log),
        cli("records", path, "us-decontamination", "--json"),
        cli("records", path, "us-decontamination"),
        cli("audit", path, "--json"),
        cli("status", path, "--json"),
    ]
    text = "".join(r.out + r.err for r in outputs)
    stored = _all_bytes(path)  # database, WAL, evidence, backups
    for secret in (PATIENT_NAME, "QUIMBY", "ZEBEDEE", PATIENT_ID, NHS_NUMBER, "Jane Sonographer"):
        assert secret not in text
        assert secret.encode() not in stored
    assert "TV-01" in text  # the import did happen


def test_two_imports_of_the_same_log_at_once_store_it_once(full_app, make_workspace, tmp_path: Path) -> None:
    import threading

    ws: Workspace = make_workspace(modalities=("US",))
    log = _log(tmp_path / "log.csv", [_row("TV-01", f"2026-03-{day:02d}", cycle=f"C{day}") for day in range(1, 29)])
    other = Workspace.open(ws.path)
    results: list[importing.ImportSummary] = []
    threads = [
        threading.Thread(
            target=lambda w=w: results.append(importing.run_import(w, full_app, "us-decontamination", [log], actor="t"))
        )
        for w in (ws, other)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    other.close()
    assert sorted((r.imported, r.duplicates) for r in results) == [(0, 28), (28, 0)]
    assert len(importing.list_records(ws, "us-decontamination")) == 28
