"""Exam-type mapping rules the user keeps, and suggestions never applied on their own."""

from __future__ import annotations

import pytest

from qsi_desktop.dose import drl, exam_types
from qsi_desktop.dose.exam_types import MapRule
from qsi_desktop.services.errors import UserError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CT HEAD", "Head (acute stroke)"),
        ("Brain non-contrast", "Head (acute stroke)"),
        ("Stroke protocol", "Head (acute stroke)"),
        ("CTPA", "CT pulmonary angiogram"),
        ("CT Pulmonary Angiogram", "CT pulmonary angiogram"),
        ("CT KUB", "KUB (stones)"),
        ("CT Colonography", "CT colonography"),
        ("CT Urogram", "CT urogram"),
        ("Sinuses", "Paranasal sinuses"),
        ("C-Spine", "Cervical spine (fracture)"),
        ("Cervical spine trauma", "Cervical spine (fracture)"),
        ("CT CAP", "Chest-abdomen-pelvis (cancer)"),
        ("Chest Abdo Pelvis", "Chest-abdomen-pelvis (cancer)"),
        ("Neck chest abdo pelvis", "Neck-chest-abdomen-pelvis (cancer)"),
        ("HRCT", "HRCT chest (ILD)"),
        ("CT chest abdomen", "Chest-abdomen (lung cancer)"),
        ("Abdo pelvis", "Abdomen-pelvis (abscess)"),
        ("CT Chest", "Chest (lung cancer)"),
        ("Cardiac calcium score", None),
        (None, None),
    ],
)
def test_suggestions(text: str | None, expected: str | None) -> None:
    assert exam_types.suggest(text) == expected


def test_every_suggestion_names_a_national_exam_type() -> None:
    names = {e.exam_type for e in drl.national_ct().ct}
    assert {exam_type for _, exam_type in exam_types.SUGGESTION_RULES} <= names


def test_rules_substring_or_glob_first_match_wins() -> None:
    rules = [MapRule("HEAD*ANGIO", "CT angiogram head"), MapRule("head", "Head (acute stroke)")]
    assert exam_types.map_text(rules, "head and neck angio") == "CT angiogram head"
    assert exam_types.map_text(rules, "CT HEAD") == "Head (acute stroke)"
    assert exam_types.map_text(rules, "Chest") is None
    record = {"study_description": None, "events": [{"protocol": None}, {"protocol": "1.1 Head Routine"}]}
    assert exam_types.describe(record) == "1.1 Head Routine"
    assert exam_types.exam_type_of(rules, record) == "Head (acute stroke)"


def test_descriptions_count_and_only_unmapped_get_suggestions(ct_exam) -> None:
    records = [ct_exam(description="CT HEAD"), ct_exam(description="CT HEAD"), ct_exam(description="CTPA")]
    found = exam_types.descriptions([MapRule("head", "Head (acute stroke)")], records)
    assert [d.to_dict() for d in found] == [
        {"text": "CT HEAD", "count": 2, "exam_type": "Head (acute stroke)", "suggestion": None},
        {"text": "CTPA", "count": 1, "exam_type": None, "suggestion": "CT pulmonary angiogram"},
    ]


def test_rules_kept_in_the_workspace(make_workspace) -> None:
    ws = make_workspace()
    exam_types.set_rule(ws, "ctpa", "CT pulmonary angiogram", actor="t")
    exam_types.set_rule(ws, "head", "Head (acute stroke)", actor="t")
    exam_types.set_rule(ws, "CTPA", "CT pulmonary angiogram ", actor="t")  # same pattern: replaced in place
    assert exam_types.load_rules(ws) == [
        MapRule("CTPA", "CT pulmonary angiogram"),
        MapRule("head", "Head (acute stroke)"),
    ]
    assert exam_types.remove_rule(ws, "ctpa", actor="t") == [MapRule("head", "Head (acute stroke)")]
    with pytest.raises(UserError, match="no mapping rule"):
        exam_types.remove_rule(ws, "ctpa", actor="t")
    assert exam_types.load_rules(ws, exam_types.IR_MAP_KEY) == []
