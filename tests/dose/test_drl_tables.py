"""The shipped national CT DRL table, its validation, and user tables kept in the workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qsi_desktop.dose import drl, settings
from qsi_desktop.services import stored_tables
from qsi_desktop.services.errors import UserError

# DOMAIN.md section 3: UK adult CT NDRLs (UKHSA, from 20 November 2024), adopted 2022.
EXPECTED = {
    "Head (acute stroke)": (47, 790),
    "Paranasal sinuses": (12, 160),
    "Cervical spine (fracture)": (16, 400),
    "Neck-chest-abdomen-pelvis (cancer)": (None, 850),
    "Chest (lung cancer)": (8.5, 290),
    "Chest-abdomen (lung cancer)": (None, 470),
    "HRCT chest (ILD)": (8, 300),
    "Chest-abdomen-pelvis (cancer)": (None, 660),
    "CT pulmonary angiogram": (9.1, 310),
    "Abdomen-pelvis (abscess)": (10, 530),
    "CT colonography": (None, 690),
    "KUB (stones)": (6.3, 290),
    "CT urogram": (None, 890),
}


def test_the_national_table_is_domain_md_section_3() -> None:
    table = drl.national_ct()
    assert {e.exam_type: (e.ctdivol_mgy, e.dlp_mgycm) for e in table.ct} == EXPECTED
    assert all(e.adopted == 2022 and not e.paediatric for e in table.ct)
    assert table.shipped and table.kind == "ct" and "20 November 2024" in table.citation()


def test_a_broken_table_file_fails_naming_the_file_and_entry(tmp_path: Path) -> None:
    raw = json.loads(Path(drl.__file__).with_name("data").joinpath(f"{drl.NATIONAL_CT}.json").read_text())
    raw["entries"][2]["dlp_mgycm"] = -4
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(drl.DrlError, match=r"bad\.json: entry 3: dlp_mgycm must be a positive number"):
        drl.load_file(path)
    path.write_text("{not json")
    with pytest.raises(drl.DrlError, match=r"bad\.json: cannot read"):
        drl.load_file(path)


def _csv(tmp_path: Path, text: str, name: str = "local.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_ct_table_from_csv_with_bands_then_removed(make_workspace, tmp_path: Path) -> None:
    ws = make_workspace()
    path = _csv(
        tmp_path,
        "Exam type,CTDIvol (mGy),DLP (mGy.cm),Age band,Phantom\n"
        "Head (acute stroke),30,400,1-5,head\n"
        "Head (acute stroke),35,500,5-10,head\n"
        "\n"
        "Chest (lung cancer),,150,,\n",
    )
    table = drl.import_csv(ws, "paeds-2026", path, actor="t")
    assert table.kind == "ct" and len(table.ct) == 3 and table.ct[0].age_band == drl.Band(1, 5)
    assert [t.name for t in drl.tables(ws)] == [drl.NATIONAL_CT, "paeds-2026"]
    assert stored_tables.get(ws, "dose", "drl:paeds-2026")["entries"][1]["age_band"] == "5-10"
    assert drl.get(ws, "paeds-2026") == table
    drl.remove(ws, "paeds-2026", actor="t")
    assert [t.name for t in drl.tables(ws)] == [drl.NATIONAL_CT]
    with pytest.raises(UserError, match="cannot be removed"):
        drl.remove(ws, drl.NATIONAL_CT, actor="t")


def test_bad_csv_rows_are_reported_by_row_number_and_nothing_is_saved(make_workspace, tmp_path: Path) -> None:
    ws = make_workspace()
    path = _csv(
        tmp_path,
        "exam_type,ctdivol_mgy,dlp_mgycm,phantom\n"
        "Head,40,700,head\n"
        ",10,100,\n"
        "Chest,lots,200,\n"
        "KUB,,,\n"
        "Sinus,10,100,skull\n",
    )
    with pytest.raises(UserError) as caught:
        drl.import_csv(ws, "local", path, actor="t")
    message = str(caught.value)
    assert "4 bad row(s), nothing saved" in message
    for expected in ("row 3: exam_type", "row 4: ctdivol_mgy 'lots'", "row 5: KUB: give a CTDIvol", "row 6: phantom"):
        assert expected in message
    assert [t.name for t in drl.tables(ws)] == [drl.NATIONAL_CT]


def test_fluoroscopy_table_is_a_user_table_empty_by_default(make_workspace, tmp_path: Path) -> None:
    ws = make_workspace()
    assert settings.audit_table(ws, "ir") is None  # no invented fluoroscopy numbers
    path = _csv(tmp_path, "procedure,dap_gycm2,rp_dose_mgy,fluoro_time_s\nHepatic embolisation,150,1000,\n")
    table = drl.import_csv(ws, "local-fluoro", path, actor="t")
    assert table.kind == "ir" and table.ir[0].rp_dose_mgy == 1000 and table.ir[0].fluoro_time_s is None
    assert settings.audit_table(ws, "ir") == table
    assert settings.audit_table(ws, "ct") == drl.national_ct()
    with pytest.raises(UserError, match="needs a ct table"):
        settings.audit_table(ws, "ct", "local-fluoro")


def test_csv_without_a_known_first_column_and_bad_names(make_workspace, tmp_path: Path) -> None:
    ws = make_workspace()
    with pytest.raises(UserError, match="no exam_type"):
        drl.import_csv(ws, "x", _csv(tmp_path, "name,value\na,1\n"), actor="t")
    with pytest.raises(UserError, match="lowercase"):
        drl.import_csv(ws, "My Table", _csv(tmp_path, "exam_type,dlp\nHead,1\n"), actor="t")
    with pytest.raises(UserError, match="no DRL table named"):
        drl.get(ws, "missing")


def test_threshold_default_set_and_refused(make_workspace) -> None:
    ws = make_workspace()
    assert settings.threshold_mgy(ws) == 5000.0
    assert settings.set_threshold_mgy(ws, 3000, actor="t") == 3000.0
    with pytest.raises(UserError, match="threshold"):
        settings.set_threshold_mgy(ws, -1, actor="t")
    assert settings.set_threshold_mgy(ws, None, actor="t") == 5000.0
