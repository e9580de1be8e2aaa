"""The CT and IR audits over record dicts: quartiles worked out by hand, localisers, splits, DRL flags."""

from __future__ import annotations

import pytest

from qsi_desktop.dose import audit, drl
from qsi_desktop.dose.drl import Band, CtDrl, DrlTable, IrDrl
from qsi_desktop.dose.exam_types import MapRule

HEAD = [MapRule("head", "Head (acute stroke)")]


def test_quartiles_inclusive_worked_by_hand() -> None:
    # n=4: positions (n-1)p = 0.75, 1.5, 2.25 -> 100+0.75*100, (200+300)/2, 300+0.25*100
    stats = audit.summarise([400, 100, 300, 200])
    assert (stats.n, stats.minimum, stats.q1, stats.median, stats.q3, stats.maximum) == (4, 100, 175, 250, 325, 400)
    # n=6: positions 1.25, 2.5, 3.75 -> 20+0.25*10, (30+40)/2, 40+0.75*10
    stats = audit.summarise([60, 10, 50, 20, 40, 30])
    assert (stats.q1, stats.median, stats.q3) == (22.5, 35, 47.5)
    # n=5: positions 1, 2, 3 fall on values
    assert (audit.summarise([5, 1, 4, 2, 3]).q1, audit.summarise([5, 1, 4, 2, 3]).q3) == (2, 4)
    single = audit.summarise([7.5])
    assert (single.q1, single.median, single.q3) == (7.5, 7.5, 7.5)
    assert audit.summarise([]) is None


def test_head_audit_flags_a_median_dlp_above_the_national_drl(ct_exam) -> None:
    records = [ct_exam(dlp, [(50.0, dlp - 5, "head")]) for dlp in (700, 800, 900, 1000)]
    result = audit.ct_audit(records, drl.national_ct(), HEAD)
    (group,) = result.groups
    assert (group.exam_type, group.population, group.phantom) == ("Head (acute stroke)", "adult", "head")
    assert group.exams == 4
    assert (group.dlp.q1, group.dlp.median, group.dlp.q3) == (775, 850, 925)
    assert group.drl.dlp_mgycm == 790 and group.dlp_above
    assert group.drl.ctdivol_mgy == 47 and group.ctdivol.median == 50 and group.ctdivol_above
    assert any(audit.FEW_EXAMS_NOTE in note for note in group.notes)  # 4 < 10
    assert result.flagged == (group,)
    data = result.to_dict()
    assert data["above_drl"] == 1 and data["groups"][0]["dlp_mgycm"]["median"] == 850


def test_localisers_are_left_out_of_ctdivol_and_dlp_is_summed_without_a_total(ct_exam) -> None:
    # Two sequences each; the localiser's CTDIvol is None and it is not a sequence.
    record = ct_exam(None, [(40.0, 400.0, "head"), (20.0, 200.0, "head")], localisers=2)
    assert audit.sequences(record) == [("head", 40.0), ("head", 20.0)]
    assert audit.exam_dlp(record) == 610.0  # 400 + 200 + two localisers of 5
    (group,) = audit.ct_audit([record], drl.national_ct(), HEAD).groups
    assert group.ctdivol.n == 2 and group.ctdivol.median == 30.0 and not group.ctdivol_above


def test_phantom_split_keeps_mixed_exams_for_dlp_and_their_sequences_by_phantom(ct_exam) -> None:
    records = [
        ct_exam(300, [(10.0, 300.0, "body")], description="CT chest"),
        ct_exam(500, [(30.0, 200.0, "head"), (12.0, 300.0, "body")], description="CT chest"),
    ]
    result = audit.ct_audit(records, drl.national_ct(), [MapRule("chest", "Chest (lung cancer)")])
    by_phantom = {g.phantom: g for g in result.groups}
    assert set(by_phantom) == {"body", "head", "mixed"}
    assert by_phantom["body"].ctdivol.n == 2 and by_phantom["body"].ctdivol.median == 11.0
    assert by_phantom["body"].exams == 1 and by_phantom["body"].dlp.median == 300
    assert by_phantom["head"].exams == 0 and by_phantom["head"].ctdivol.median == 30.0
    assert by_phantom["mixed"].ctdivol is None and by_phantom["mixed"].dlp.median == 500
    assert by_phantom["body"].ctdivol_above  # 11 > 8.5


def test_paediatric_exams_are_split_and_not_compared_with_adult_drls(ct_exam) -> None:
    records = [ct_exam(900, [(50.0, 890.0, "head")], age=age) for age in (4.0, 15.9, 16.0, None)]
    result = audit.ct_audit(records, drl.national_ct(), HEAD)
    groups = {g.population: g for g in result.groups}
    assert groups["paediatric"].exams == 2 and groups["paediatric"].drl is None
    assert not groups["paediatric"].flagged
    assert any("no paediatric DRL" in n for n in groups["paediatric"].notes)
    assert groups["adult"].exams == 2 and groups["adult"].unknown_age == 1 and groups["adult"].dlp_above
    assert any("without an age counted as adult" in n for n in groups["adult"].notes)
    assert (result.paediatric, result.unknown_age) == (2, 1)


def test_paediatric_bands_of_a_user_table(ct_exam) -> None:
    table = DrlTable(
        name="paeds",
        kind="ct",
        title="Local paediatric",
        version="1",
        source="local",
        ct=(
            CtDrl("Head (acute stroke)", 30.0, 400.0, age_band=Band(1, 5)),
            CtDrl("Head (acute stroke)", 35.0, 500.0, age_band=Band(5, 10)),
        ),
    )
    records = [ct_exam(450, [(28.0, 440.0, "head")], age=age) for age in (2.0, 3.0, 7.0, 12.0)]
    groups = {g.population: g for g in audit.ct_audit(records, table, HEAD).groups}
    assert set(groups) == {"paediatric, age 1-5 y", "paediatric, age 5-10 y", "paediatric"}
    assert groups["paediatric, age 1-5 y"].dlp_above and groups["paediatric, age 1-5 y"].drl.dlp_mgycm == 400
    assert not groups["paediatric, age 5-10 y"].dlp_above
    assert groups["paediatric"].drl is None


def test_groups_per_scanner_and_unmapped_descriptions_with_suggestions(ct_exam) -> None:
    records = [
        ct_exam(500, [(40.0, 495.0, "head")], device="Scanner A"),
        ct_exam(600, [(40.0, 595.0, "head")], device="Scanner B"),
        ct_exam(300, [(9.0, 295.0, "body")], description="CTPA"),
        ct_exam(300, [(9.0, 295.0, "body")], description="CTPA"),
        ct_exam(100, [(9.0, 95.0, "body")], description="Something else"),
    ]
    result = audit.ct_audit(records, drl.national_ct(), HEAD)
    assert [g.device for g in result.groups] == ["Scanner A", "Scanner B"]
    assert result.unmapped == (("CTPA", 2, "CT pulmonary angiogram"), ("Something else", 1, None))
    assert (result.exams, result.mapped) == (5, 2)


def test_exam_type_without_a_drl_is_noted_not_flagged(ct_exam) -> None:
    records = [ct_exam(5000, [(100.0, 4995.0, "body")], description="Cardiac")]
    (group,) = audit.ct_audit(records, drl.national_ct(), [MapRule("cardiac", "Cardiac CTA")]).groups
    assert group.drl is None and not group.flagged
    assert any("no adult DRL for this exam type" in n for n in group.notes)


def test_dlp_by_exam_type_and_median_by_month_are_for_adults(ct_exam) -> None:
    records = [
        ct_exam(600, [], month="2026-01"),
        ct_exam(800, [], month="2026-01"),
        ct_exam(700, [], month="2026-02"),
        ct_exam(2000, [], month="2026-02", age=3.0),
    ]
    result = audit.ct_audit(records, drl.national_ct(), HEAD)
    (box,) = result.by_exam_type
    assert box.dlp.median == 700 and box.drl_dlp_mgycm == 790
    monthly = [(m.month, m.exams, m.median_dlp_mgycm) for m in result.monthly]
    assert monthly == [("2026-01", 2, 700), ("2026-02", 1, 700)]


def test_ir_audit_against_a_user_table_and_the_high_dose_list(ir_study) -> None:
    table = DrlTable(
        name="fluoro",
        kind="ir",
        title="Local fluoroscopy",
        version="1",
        source="local",
        ir=(IrDrl("Hepatic embolisation", 100.0, None, 900.0),),
    )
    records = [
        ir_study(dap=90.0, rp=1200.0, fluoro=1000.0, month="2026-02", device="Room 1"),
        ir_study(dap=150.0, rp=6200.0, fluoro=1100.0, month="2026-03", device="Room 2"),
        ir_study(dap=120.0, rp=5000.0, fluoro=800.0, month="2026-01", device="Room 1"),
        ir_study(dap=10.0, rp=None, fluoro=60.0, description="PICC line"),
    ]
    result = audit.ir_audit(records, table, [])
    groups = {g.procedure: g for g in result.groups}
    hepatic = groups["Hepatic embolisation"]
    assert (hepatic.studies, hepatic.dap.median, hepatic.rp_dose.median, hepatic.fluoro_time.median) == (
        3,
        120.0,
        5000.0,
        1000.0,
    )
    assert hepatic.above == ("DAP", "fluoroscopy time")
    assert groups["PICC line"].drl is None and any("no reference level" in n for n in groups["PICC line"].notes)
    # 5000 mGy is not above 5 Gy; only the 6.2 Gy study is listed, by month and device only.
    assert result.high_dose == (audit.HighDoseStudy("2026-03", "Room 2", 6200.0),)
    assert set(result.to_dict()["high_dose"]["studies"][0]) == {"month", "device", "rp_dose_mgy"}
    assert [s.rp_dose_mgy for s in audit.high_dose(records, 1000.0)] == [5000.0, 1200.0, 6200.0]


def test_ir_procedures_mapped_like_ct_and_no_table(ir_study) -> None:
    records = [ir_study(description="Embolisation liver"), ir_study(description="TACE")]
    rules = [MapRule("emboli*", "Hepatic embolisation"), MapRule("tace", "Hepatic embolisation")]
    result = audit.ir_audit(records, None, rules)
    (group,) = result.groups
    assert group.procedure == "Hepatic embolisation" and group.studies == 2 and group.drl is None
    assert result.table is None and result.threshold_mgy == pytest.approx(5000.0)
