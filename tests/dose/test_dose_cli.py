"""`qsi dose audit|drl|map|threshold` end to end on a real workspace with stored dose records."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from qsi_desktop.services import evidence
from qsi_desktop.services.report_context import WorkspaceReportContext, render_section
from qsi_desktop.store.workspace import Workspace


def _workspace(dose_cli, tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    assert dose_cli("init", path, "--service", "Riverside", "--modalities", "CT,IR").code == 0
    return path


def _head_and_ctpa(ct_exam) -> list[dict]:
    heads = [ct_exam(dlp, [(50.0, dlp - 5, "head")], month="2026-02") for dlp in (700, 800, 900, 1000)]
    ctpa = [ct_exam(250, [(7.0, 245.0, "body")], description="CTPA", month="2026-03")]
    return heads + ctpa


def test_map_lists_descriptions_sets_and_removes_rules(dose_cli, tmp_path, store_records, ct_exam) -> None:
    path = _workspace(dose_cli, tmp_path)
    store_records(path, "ct-dose", _head_and_ctpa(ct_exam))
    result = dose_cli("dose", "map", path, "--json")
    assert result.code == 0
    listed = json.loads(result.out)
    assert listed["rules"] == [] and listed["descriptions"][0] == {
        "text": "CT HEAD",
        "count": 4,
        "exam_type": None,
        "suggestion": "Head (acute stroke)",
    }
    result = dose_cli("dose", "map", path, "--set", "head=Head (acute stroke)", "--set", "CTPA=Made up")
    assert result.code == 0 and "no DRL table has the exam type 'Made up'" in result.err
    assert "Head (acute stroke)" in result.out and "suggested: " not in result.out
    assert dose_cli("dose", "map", path, "--remove", "ctpa").code == 0
    result = dose_cli("dose", "map", path, "--remove", "ctpa")
    assert (
        result.code == 2 and result.err.startswith("qsi: error: no mapping rule") and len(result.err.splitlines()) == 1
    )
    assert dose_cli("dose", "map", path, "--set", "no equals sign").code == 2


def test_audit_prints_json_and_saves_a_reproducible_evidence_item(
    dose_cli, tmp_path, store_records, ct_exam, ir_study
) -> None:
    path = _workspace(dose_cli, tmp_path)
    store_records(path, "ct-dose", _head_and_ctpa(ct_exam))
    store_records(path, "ir-dose", [ir_study(rp=6000.0, device="Room 2"), ir_study(rp=100.0)])
    assert dose_cli("dose", "map", path, "--set", "head=Head (acute stroke)").code == 0
    result = dose_cli("dose", "audit", path, "--from", "2026-01-01", "--to", "2026-12-31", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    (group,) = data["ct"]["groups"]
    assert (
        group["dlp_mgycm"]["median"] == 850 and group["dlp_above_drl"] and data["ct"]["unmapped"][0]["text"] == "CTPA"
    )
    assert data["ir"]["high_dose"]["studies"] == [{"month": "2026-03", "device": "Room 2", "rp_dose_mgy": 6000.0}]
    assert data["evidence"] is None

    result = dose_cli("dose", "audit", path, "--from", "2026-01-01", "--to", "2026-12-31", "--save-evidence")
    assert result.code == 0, result.err
    assert "ABOVE DRL" in result.out and "High-dose studies (RP air kerma above 5000 mGy): 1" in result.out
    ws = Workspace.open(path)
    try:
        (item,) = evidence.list_evidence(ws)
        assert item.title == "CT DRL audit 2026-01-01-2026-12-31"
        assert sorted(t.ref for t in item.targets) == ["CT-904", "XR-501", "XR-604"]
        assert item.file_name == "ct-drl-audit-2026-01-01-to-2026-12-31.csv"
        text = ws.files.path_for(item.file_sha256).read_bytes().decode("utf-8-sig")
        # The CT checklist items the audit shows now point to it; their answers are left to the CT lead.
        from qsi_desktop.services import checklists

        linked = checklists.responses(ws, "ct.drl-audit")
        assert {key for (_, key), a in linked.items() if a.evidence_id == item.id} == {
            "local-drls",
            "national-comparison",
        }
    finally:
        ws.close()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[4][:2] == ["DRL table", "uk-ndrl-adult-ct-2022"]
    assert ["head", "Head (acute stroke)"] in rows
    assert "qsi dose audit WORKSPACE --from 2026-01-01 --to 2026-12-31" in rows[8][1]
    (head,) = [r for r in rows if r[:2] == ["Head (acute stroke)", "GE MEDICAL SYSTEMS Revolution CT"]]
    assert head[12:17] == ["775.0", "850.0", "925.0", "790.0", "yes"]


def test_audit_without_records_refuses_to_save(dose_cli, tmp_path) -> None:
    path = _workspace(dose_cli, tmp_path)
    result = dose_cli("dose", "audit", path)
    assert result.code == 0 and "0 exams" in result.out
    result = dose_cli("dose", "audit", path, "--save-evidence")
    assert result.code == 2 and "no CT dose records" in result.err


def test_drl_tables_import_use_remove(dose_cli, tmp_path) -> None:
    path = _workspace(dose_cli, tmp_path)
    result = dose_cli("dose", "drl", path)
    assert "uk-ndrl-adult-ct-2022" in result.out and "no fluoroscopy (IR) table" in result.out
    good = tmp_path / "fluoro.csv"
    good.write_text("procedure,dap_gycm2,rp_dose_mgy,fluoro_time_s\nHepatic embolisation,150,1000,900\n")
    assert dose_cli("dose", "drl", path, "--import", good, "--name", "local-fluoro").code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("exam_type,ctdivol_mgy,dlp_mgycm\nHead,x,1\n")
    result = dose_cli("dose", "drl", path, "--import", bad, "--name", "bad")
    assert result.code == 2 and "row 2: ctdivol_mgy 'x' is not a number" in result.err
    assert dose_cli("dose", "drl", path, "--import", good).code == 2  # no --name
    tables = json.loads(dose_cli("dose", "drl", path, "--json").out)
    assert [(t["name"], t["in_use"]) for t in tables] == [("uk-ndrl-adult-ct-2022", True), ("local-fluoro", True)]
    assert dose_cli("dose", "drl", path, "--remove", "local-fluoro").code == 0
    assert dose_cli("dose", "drl", path, "--remove", "uk-ndrl-adult-ct-2022").code == 2


def test_threshold(dose_cli, tmp_path) -> None:
    path = _workspace(dose_cli, tmp_path)
    assert "5000 mGy (5 Gy)" in dose_cli("dose", "threshold", path).out
    assert "3000 mGy (3 Gy)" in dose_cli("dose", "threshold", path, "--set", "3000").out
    assert dose_cli("dose", "threshold", path, "--set", "lots").code == 2
    assert "5000 mGy" in dose_cli("dose", "threshold", path, "--set", "default").out


def test_sections_render_on_the_workspace_with_the_users_mapping(
    dose_cli, dose_app, tmp_path, store_records, ct_exam, ir_study
) -> None:
    from datetime import date

    path = _workspace(dose_cli, tmp_path)
    store_records(path, "ct-dose", _head_and_ctpa(ct_exam))
    store_records(path, "ir-dose", [ir_study(rp=6000.0)])
    assert dose_cli("dose", "map", path, "--set", "head=Head (acute stroke)").code == 0
    assert dose_cli("dose", "threshold", path, "--set", "7000").code == 0
    ws = dose_app.open_workspace(path)
    try:
        context = WorkspaceReportContext(ws, dose_app, as_of=date(2026, 12, 31))
        sections = {s.id: s for s in dose_app.plugins.report_sections()}
        ct_blocks = render_section(dose_app, sections["ct.drl-audit"], context)
        assert "4 mapped" in ct_blocks[0].text and ct_blocks[1].style == "warning"
        high = render_section(dose_app, sections["ir.high-dose"], context)
        assert "above 7 Gy" in high[0].text and "None of 1" in high[0].text
        assert render_section(dose_app, sections["ir.dose-audit"], context)
    finally:
        ws.close()


def test_the_pack_lays_out_the_dose_sections(dose_cli, tmp_path, store_records, ct_exam, ir_study) -> None:
    from docx import Document

    path = _workspace(dose_cli, tmp_path)
    store_records(path, "ct-dose", _head_and_ctpa(ct_exam))
    store_records(path, "ir-dose", [ir_study(rp=6000.0)])
    assert dose_cli("dose", "map", path, "--set", "head=Head (acute stroke)").code == 0
    out = tmp_path / "pack.docx"
    result = dose_cli("export", path, out, "--as-of", "2026-12-31", "--sections", "CT-9,IR-9", "--no-scan")
    assert result.code == 0, result.err
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    for title in ("CT dose audit against diagnostic reference levels", "IR high-dose studies for skin-dose follow-up"):
        assert title in text
