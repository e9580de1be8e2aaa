"""Which exam type (a DRL table's row) a CT study is, from its study description or protocols.

The local DRL is the median for one protocol or clinical indication (DOMAIN.md section 3), but scanners
name studies freely ("CT HEAD", "Brain non-con", "CTPA"), so the user keeps a mapping: an ordered list of
``{"pattern", "exam_type"}`` rules in the workspace (stored_tables ``"dose"``/``"ct-exam-map"``; IR
procedures in ``"ir-procedure-map"``). A pattern is a case-insensitive substring, or a glob when it holds
``*``, ``?`` or ``[``; the first rule that matches wins. Keyword rules *suggest* an exam type for text no
rule maps; a suggestion is shown to the user and never applied on its own.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from qsi_desktop.services import stored_tables
from qsi_desktop.services.errors import UserError
from qsi_desktop.store.workspace import Workspace

NAMESPACE = "dose"
CT_MAP_KEY = "ct-exam-map"
IR_MAP_KEY = "ir-procedure-map"
_GLOB = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class MapRule:
    pattern: str
    exam_type: str

    def matches(self, text: str) -> bool:
        wanted, text = self.pattern.casefold(), text.casefold()
        if _GLOB.search(wanted):
            return fnmatch.fnmatchcase(text, wanted)
        return wanted in text

    def to_dict(self) -> dict[str, str]:
        return {"pattern": self.pattern, "exam_type": self.exam_type}


# Keyword rules for suggestions, most specific first (a CTPA is also a "chest"; a CAP is also an
# "abdo pelvis"). Written against the exam types of the UK adult CT NDRL table; words are matched
# whole on text lowercased with punctuation turned into spaces ("C-spine" reads "c spine").
SUGGESTION_RULES: tuple[tuple[str, str], ...] = (
    (r"colonograph|ct colon|virtual colon", "CT colonography"),
    (r"urogra|\bctu\b", "CT urogram"),
    (r"\bkub\b|renal colic|\bstones?\b", "KUB (stones)"),
    (r"\bctpa\b|pulmonary angio|\bpe\b|pulmonary embol", "CT pulmonary angiogram"),
    (r"\bhrct\b|high res|interstitial|\bild\b", "HRCT chest (ILD)"),
    (r"sinus", "Paranasal sinuses"),
    (r"\bc ?spine\b|cervical spine", "Cervical spine (fracture)"),
    (r"\bncap\b|neck chest abd", "Neck-chest-abdomen-pelvis (cancer)"),
    (r"\bcap\b|\btap\b|(chest|thorax) abdo(men)? (and )?pelvis", "Chest-abdomen-pelvis (cancer)"),
    (r"chest (and )?abdo|thorax (and )?abdo", "Chest-abdomen (lung cancer)"),
    (r"abdo(men)? (and )?pelvis|\bap\b|\babdo\b|abscess", "Abdomen-pelvis (abscess)"),
    (r"\bhead\b|\bbrain\b|stroke", "Head (acute stroke)"),
    (r"\bchest\b|\bthorax\b|\blungs?\b", "Chest (lung cancer)"),
)
_COMPILED = tuple((re.compile(pattern), exam_type) for pattern, exam_type in SUGGESTION_RULES)


def suggest(text: str | None) -> str | None:
    """An exam type the text suggests (never applied without the user), or None."""
    plain = " ".join(re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).split())
    return next((exam_type for pattern, exam_type in _COMPILED if pattern.search(plain)), None)


def map_text(rules: Sequence[MapRule], text: str | None) -> str | None:
    if not text:
        return None
    return next((rule.exam_type for rule in rules if rule.matches(text)), None)


def describe(record: dict[str, Any]) -> str | None:
    """What names a study: its description, else its first named protocol."""
    if record.get("study_description"):
        return str(record["study_description"])
    return next((str(e["protocol"]) for e in record.get("events") or () if e.get("protocol")), None)


def exam_type_of(rules: Sequence[MapRule], record: dict[str, Any]) -> str | None:
    """The exam type the user's rules give the study (description first, then each protocol)."""
    found = map_text(rules, record.get("study_description"))
    if found is None:
        found = next(
            (t for e in record.get("events") or () if (t := map_text(rules, e.get("protocol"))) is not None), None
        )
    return found


@dataclass(frozen=True)
class Description:
    text: str
    count: int
    exam_type: str | None  # from the user's rules
    suggestion: str | None  # only for unmapped text

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "count": self.count, "exam_type": self.exam_type, "suggestion": self.suggestion}


def descriptions(rules: Sequence[MapRule], records: Iterable[dict[str, Any]]) -> list[Description]:
    """Each distinct description with its count, what it maps to, or a suggestion; commonest first."""
    counts = Counter(describe(r) or "(no description)" for r in records)
    found = []
    for text, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        exam_type = map_text(rules, text)
        found.append(Description(text, count, exam_type, None if exam_type else suggest(text)))
    return found


# -- the user's mapping in the workspace --------------------------------------------------------------


def rules_from(raw: Any) -> list[MapRule]:
    if not isinstance(raw, list):
        return []
    return [
        MapRule(str(item["pattern"]), str(item["exam_type"]))
        for item in raw
        if isinstance(item, dict) and item.get("pattern") and item.get("exam_type")
    ]


def load_rules(ws: Workspace, key: str = CT_MAP_KEY) -> list[MapRule]:
    return rules_from(stored_tables.get(ws, NAMESPACE, key, []))


def set_rule(ws: Workspace, pattern: str, exam_type: str, *, actor: str, key: str = CT_MAP_KEY) -> list[MapRule]:
    """Map ``pattern`` to ``exam_type`` (replacing the rule for the same pattern, else added last)."""
    pattern, exam_type = " ".join(pattern.split()), " ".join(exam_type.split())
    if not pattern or not exam_type:
        raise UserError("give a pattern and an exam type: --set 'CT HEAD*=Head (acute stroke)'")
    rules = load_rules(ws, key)
    new = MapRule(pattern, exam_type)
    at = next((i for i, r in enumerate(rules) if r.pattern.casefold() == pattern.casefold()), None)
    if at is None:
        rules.append(new)
    else:
        rules[at] = new
    stored_tables.put(ws, NAMESPACE, key, [r.to_dict() for r in rules], actor=actor)
    return rules


def remove_rule(ws: Workspace, pattern: str, *, actor: str, key: str = CT_MAP_KEY) -> list[MapRule]:
    rules = load_rules(ws, key)
    kept = [r for r in rules if r.pattern.casefold() != " ".join(pattern.split()).casefold()]
    if len(kept) == len(rules):
        raise UserError(f"no mapping rule with the pattern {pattern!r}")
    stored_tables.put(ws, NAMESPACE, key, [r.to_dict() for r in kept], actor=actor)
    return kept
