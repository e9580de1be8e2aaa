"""Offline mapping suggestions: the statements a document most likely supports, from its text.

The ranking is BM25F over the catalogue (no network, no model): each statement is a document with
fields weighted by how much they say what it is about (name, statement, outcome, suggestions, notes);
words are lower-cased, stop words dropped and suffixes stripped by a small stemmer; a list of imaging
terms expands a document's abbreviations and jargon (``IR(ME)R``, ``PACS``, ``DRL``, ``REALM``...)
into the catalogue's words. Within the best statements, the suggestion whose own text matches best
is named. ``baseline`` is the plain keyword overlap this is measured against
(``tests/test_suggest.py``: precision at 1 and 3 on the labelled documents of ``tests/data/suggest``).

Rejected suggestions are kept per evidence item (``stored_table`` namespace :data:`REJECTED_NAMESPACE`)
and not offered again; accepting one makes a normal evidence link (``evidence.add_targets``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qsi_desktop.catalogue.model import Catalogue, Item, Statement
from qsi_desktop.services import evidence, stored_tables
from qsi_desktop.services.app import App
from qsi_desktop.services.errors import UserError
from qsi_desktop.services.records import EvidenceRecord
from qsi_desktop.store.workspace import Workspace
from qsi_desktop.textextract import document_text

REJECTED_NAMESPACE = "suggest_rejected"
# BM25F field weights: a statement's name says most about it, its notes least.
FIELD_WEIGHTS = {"name": 4.0, "statement": 2.5, "outcome": 1.5, "suggestions": 1.0, "notes": 0.5}
K1, B = 1.2, 0.75

_WORD = re.compile(r"[a-z][a-z0-9]+")
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "done",
        "during",
        "each",
        "either",
        "every",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "here",
        "how",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "may",
        "might",
        "more",
        "most",
        "must",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "per",
        "same",
        "shall",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "you",
        "your",
        "yes",
        "date",
        "version",
        "page",
        "title",
        "owner",
        "review",
        "reviewed",
        "approved",
        "document",
        "policy",
        "procedure",
        "trust",
        "nhs",
        "hospital",
        "foundation",
        "department",
        "include",
        "includes",
        "including",
        "ensure",
        "ensures",
        "service",
        "services",
        "appropriate",
        "where",
        "relevant",
        "use",
        "used",
        "using",
    ]
)

# Imaging terms documents use and the catalogue spells out (or the reverse): a document's word adds these.
SYNONYMS: dict[str, str] = {
    "irmer": "ionising radiation medical exposure regulations employer procedures",
    "ir(me)r": "ionising radiation medical exposure regulations employer procedures",
    "irr17": "ionising radiation worker protection public",
    "irr": "ionising radiation worker protection public",
    "rpa": "radiation protection adviser",
    "rps": "radiation protection supervisor",
    "mpe": "medical physics expert",
    "drl": "diagnostic reference levels dose optimisation",
    "drls": "diagnostic reference levels dose optimisation",
    "ldrl": "local diagnostic reference levels dose",
    "dosimetry": "dose monitoring radiation worker",
    "lmp": "pregnant pregnancy menstrual",
    "pregnancy": "pregnant breastfeeding",
    "pacs": "picture archiving communication system images",
    "ris": "radiology information system",
    "ai": "artificial intelligence",
    "algorithm": "artificial intelligence",
    "dpia": "data protection impact assessment",
    "cpd": "continuing professional development training education",
    "appraisal": "development training",
    "appraisals": "development training",
    "mandatory": "training competence",
    "induction": "training competence new staff",
    "preceptorship": "training development newly qualified",
    "students": "training learners education",
    "learners": "training education",
    "apprentice": "training learners education",
    "realm": "radiology events learning meetings discrepancies",
    "discrepancy": "radiology events learning meetings discrepancies",
    "discrepancies": "radiology events learning meetings",
    "mdt": "multidisciplinary team meeting",
    "ipc": "infection prevention control",
    "hygiene": "infection prevention control cleaning",
    "cleaning": "infection prevention control",
    "mrsa": "infection prevention control",
    "coshh": "health safety hazardous substances",
    "ergonomic": "moving handling",
    "hoist": "moving handling",
    "slide": "moving handling transfer",
    "qa": "quality assurance",
    "qc": "quality control",
    "phantom": "quality control testing image",
    "acceptance": "equipment commissioning testing",
    "commissioning": "equipment acceptance testing",
    "procurement": "equipment replacement purchase",
    "asset": "equipment inventory register",
    "chaperone": "dignity privacy respect",
    "gown": "dignity privacy changing",
    "gowns": "dignity privacy changing",
    "interpreter": "language accessible information communication",
    "leaflet": "patient information",
    "leaflets": "patient information",
    "easy": "accessible",
    "complaint": "feedback patient experience",
    "complaints": "feedback patient experience",
    "pals": "feedback patient advice liaison",
    "survey": "feedback patient experience",
    "fft": "friends family test feedback patient experience",
    "capacity": "consent mental",
    "contrast": "medicines administration",
    "pgd": "patient group directions medicines",
    "pgds": "patient group directions medicines",
    "gadolinium": "contrast medicines",
    "sedation": "medicines sedation",
    "paediatric": "children young people",
    "paediatrics": "children young people",
    "child": "children young",
    "safeguarding": "children vulnerable safeguarding",
    "turnaround": "timescales reporting times",
    "backlog": "timescales reporting capacity",
    "outsourcing": "outsourcing insourcing external provider",
    "teleradiology": "outsourcing reporting external",
    "carbon": "sustainability energy",
    "energy": "sustainability efficiency",
    "recycling": "sustainability waste",
    "waste": "sustainability management",
    "incident": "incidents risk learning",
    "incidents": "risk learning review",
    "datix": "incident reporting risk learning",
    "serious": "incident investigation",
    "risk": "risk register management",
    "rota": "staffing levels workforce",
    "vacancy": "staffing recruitment workforce",
    "vacancies": "staffing recruitment workforce",
    "sickness": "staff wellbeing absence",
    "burnout": "staff wellbeing",
    "wellbeing": "staff health",
    "radiologist": "reporting medical staff",
    "sonographer": "ultrasound",
    "transducer": "ultrasound probe",
    "mri": "magnetic resonance",
    "mr": "magnetic resonance",
    "ct": "computed tomography",
    "scanner": "equipment imaging",
    "fluoroscopy": "interventional screening",
    "forensic": "forensic post mortem",
    "skeletal": "survey forensic",
    "referral": "referrals referrers guidelines requests justification",
    "referrer": "referrals requests justification",
    "irefer": "referral guidelines",
    "vetting": "justification referral protocols",
    "protocol": "protocols pathway",
    "pathway": "protocols pathway",
    "kpi": "performance indicators data analytics",
    "dashboard": "data analytics performance",
    "research": "research innovation",
    "governance": "governance quality management",
    "iso": "quality management system",
    "night": "24 7 out hours",
    "resuscitation": "emergencies medical emergency",
    "anaphylaxis": "emergencies medical medicines",
    "unexpected": "unexpected diagnoses urgent findings",
    "critical": "urgent unexpected findings",
    "alert": "urgent unexpected findings communication",
}


def stem(word: str) -> str:
    """A light suffix stripper (plural, -ing, -ed, -ation...): enough for English policy text."""
    for suffix, keep in (
        ("isations", 3),
        ("ations", 3),
        ("isation", 3),
        ("ation", 3),
        ("ments", 3),
        ("ment", 3),
        ("ness", 3),
        ("ities", 3),
        ("ity", 3),
        ("ings", 3),
        ("ing", 3),
        ("ies", 3),
        ("ied", 3),
        ("ed", 3),
        ("es", 4),
        ("ly", 4),
        ("al", 4),
        ("s", 3),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            base = word[: -len(suffix)]
            if suffix in ("ies", "ied", "ities"):
                return base + "y" if suffix != "ities" else base
            if suffix == "s" and word.endswith("ss"):
                return word
            return base
    return word


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


def terms(text: str, *, expand: bool = False) -> list[str]:
    """Stemmed terms of ``text``; with ``expand``, each imaging term's synonyms are added once."""
    words = _words(text.lower().replace("(me)", "me"))  # IR(ME)R is one word
    found = [stem(w) for w in words]
    if expand:
        extra: list[str] = []
        for word in set(words):
            if word in SYNONYMS:
                extra.extend(stem(w) for w in _words(SYNONYMS[word]))
        found.extend(extra)
    return found


def _item_text(items: Iterable[Item]) -> str:
    return "\n".join(f"{item.text} {_item_text(item.items)}" for item in items)


@dataclass(frozen=True)
class Suggestion:
    ref: str
    suggestion: str  # the best-matching suggestion's key ("7.a"), or "" for the statement as a whole
    score: float
    name: str = ""
    text: str = ""  # the suggestion's own text (or the statement's)

    @property
    def target(self) -> str:
        return f"{self.ref}:{self.suggestion}" if self.suggestion else self.ref

    def to_dict(self) -> dict:
        return {"ref": self.ref, "suggestion": self.suggestion, "score": round(self.score, 3), "name": self.name}


class Index:
    """BM25F over a catalogue's statements; built once per catalogue (0.2 s for 80 statements here;
    ranking a document then takes under a millisecond)."""

    def __init__(self, statements: Iterable[Statement]) -> None:
        self.statements = list(statements)
        self.fields: list[dict[str, Counter[str]]] = []
        for s in self.statements:
            self.fields.append(
                {
                    "name": Counter(terms(s.name)),
                    "statement": Counter(terms(s.statement)),
                    "outcome": Counter(terms(s.outcome)),
                    "suggestions": Counter(terms(_item_text(s.suggestions))),
                    "notes": Counter(terms(_item_text(s.notes))),
                }
            )
        count = len(self.fields) or 1
        average = {f: sum(sum(d[f].values()) for d in self.fields) / count or 1.0 for f in FIELD_WEIGHTS}
        # Postings: term -> {statement index: its field-weighted, length-normalised frequency} (BM25F).
        self.postings: dict[str, dict[int, float]] = {}
        for index, doc in enumerate(self.fields):
            for name, weight in FIELD_WEIGHTS.items():
                norm = 1 - B + B * sum(doc[name].values()) / average[name]
                for term, tf in doc[name].items():
                    entry = self.postings.setdefault(term, {})
                    entry[index] = entry.get(index, 0.0) + weight * tf / norm
        self.idf = {t: math.log(1 + (count - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}
        # Each statement's suggestions, for naming the best one: (key, text, terms).
        self.suggestions = [list(_suggestion_terms(s)) for s in self.statements]

    def rank(self, text: str, top: int = 5, exclude: Iterable[str] = ()) -> list[Suggestion]:
        query = Counter(terms(text, expand=True))
        skip = {index for index, s in enumerate(self.statements) if s.ref in set(exclude)}
        scores: dict[int, float] = {}
        for term, qtf in query.items():
            postings = self.postings.get(term)
            if postings is None:
                continue
            boost = self.idf[term] * (1 + math.log(qtf))
            for index, weighted in postings.items():
                scores[index] = scores.get(index, 0.0) + boost * weighted / (K1 + weighted)
        ranked = sorted((pair for pair in scores.items() if pair[0] not in skip), key=lambda p: (-p[1], p[0]))
        return [self._suggestion(index, score, query) for index, score in ranked[:top]]

    def _suggestion(self, index: int, score: float, query: Counter[str]) -> Suggestion:
        statement = self.statements[index]
        best, best_score = ("", statement.statement), 0.0
        for key, text, found in self.suggestions[index]:
            overlap = sum(self.idf.get(t, 0.0) for t in found if t in query) / math.sqrt(len(found) or 1)
            if overlap > best_score:
                best, best_score = (key, text), overlap
        return Suggestion(statement.ref, best[0], score, statement.name, best[1])


def _suggestion_terms(statement: Statement) -> Iterable[tuple[str, str, set[str]]]:
    keys = iter(statement.suggestion_keys())
    for item in statement.suggestions:
        yield next(keys), item.text, set(terms(item.text))
        for sub in item.items:
            yield next(keys), sub.text, set(terms(f"{item.text} {sub.text}"))


_INDEXES: dict[int, tuple[Catalogue, Index]] = {}


def index_for(app: App) -> Index:
    """The index of the app's catalogue, built at first use and kept (a few catalogues at most)."""
    held = _INDEXES.get(id(app.catalogue))
    if held is None or held[0] is not app.catalogue:
        if len(_INDEXES) >= 4:
            _INDEXES.clear()
        held = _INDEXES[id(app.catalogue)] = (app.catalogue, Index(app.catalogue.statements()))
    return held[1]


def suggest_text(app: App, text: str, *, top: int = 5, exclude: Iterable[str] = ()) -> list[Suggestion]:
    return index_for(app).rank(text, top, exclude)


def baseline(catalogue: Catalogue, text: str, top: int = 5) -> list[str]:
    """Plain keyword overlap: statements by how many distinct words (stop words out) they share with
    ``text``, no stemming, weighting or synonyms. What the ranking is measured against."""
    words = set(_words(text))
    scored = []
    for order, s in enumerate(catalogue.statements()):
        own = set(_words(" ".join((s.name, s.statement, s.outcome, _item_text(s.suggestions), _item_text(s.notes)))))
        scored.append((len(words & own), -order, s.ref))
    scored.sort(reverse=True)
    return [ref for score, _, ref in scored[:top] if score > 0]


# -- a file, or an evidence item in the workspace ---------------------------------------------------------


def suggest_file(app: App, path: Path, *, top: int = 5) -> list[Suggestion]:
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    return suggest_text(app, document_text(path), top=top)


def suggest_item(ws: Workspace, app: App, item_id: int, *, top: int = 5) -> list[Suggestion]:
    """Suggestions for a stored evidence item: neither the statements it is linked to nor those rejected."""
    item = evidence.get_evidence(ws, item_id)
    if not item.is_file or item.file_sha256 is None:
        raise UserError(f"evidence #{item_id} is a link: there is no document to read")
    text = document_text(ws.files.path_for(item.file_sha256), item.file_name or "")
    return suggest_text(app, text, top=top, exclude=item.refs | set(rejected(ws, item_id)))


def rejected(ws: Workspace, item_id: int) -> list[str]:
    return list(stored_tables.get(ws, REJECTED_NAMESPACE, str(item_id), {"refs": []})["refs"])


def reject(ws: Workspace, app: App, item_id: int, ref: str, *, actor: str) -> None:
    """Not offered again for this item (audited, like every change)."""
    evidence.get_evidence(ws, item_id)  # a clear message for an unknown id
    ref = app.statement(ref).ref
    with ws.transaction(actor) as session:
        have = stored_tables.get_in(session, REJECTED_NAMESPACE, str(item_id), {"refs": []})["refs"]
        if ref not in have:
            stored_tables.put_in(session, REJECTED_NAMESPACE, str(item_id), {"refs": [*have, ref]}, actor=actor)


def accept(ws: Workspace, app: App, item_id: int, suggestion: Suggestion, *, actor: str) -> EvidenceRecord:
    """Link the item to the suggested statement: a normal evidence link."""
    return evidence.add_targets(ws, app, item_id, [suggestion.ref], actor=actor)
