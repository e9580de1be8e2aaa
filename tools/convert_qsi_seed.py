#!/usr/bin/env python3
"""Convert the text conversion of the QSI 2026 consultation draft into framework data files.

Usage::

    python tools/convert_qsi_seed.py SEED_PATH [--out-dir REPO_ROOT]

The seed is a lossy PDF-to-text conversion: some quality statements are Markdown-like blocks,
others are single lines of HTML inside table rows, notes are split across table fragments, page
furniture ("DRAFT", "Ref  Standard", separator rows) is scattered through it and a few statements
lost their reference number. This script turns it into one stream of tokens (headings, references,
labels, list items and paragraphs), parses that stream into sections and statements, recovers
missing references from their neighbours and writes:

* ``qsi_desktop/catalogue/data/qsi-2026-draft.json`` with sections XR-1 to XR-8;
* ``plugins/<m>/qsi_plugin_<m>/data/qsi-2026-draft-<m>.json`` with the CT-9, IR-9, MR-9, NM-9 and
  US-9 sections, one per file.

It is deterministic (the same seed gives byte-identical files) and stops with a non-zero exit status
and a message when the seed does not parse cleanly (a missing field, a duplicate or out-of-sequence
reference, an unexpected line).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

FRAMEWORK_ID = "qsi-2026-draft"
FRAMEWORK = {
    "id": FRAMEWORK_ID,
    "title": "Quality Standard for Imaging (QSI) 2026",
    "version": "2026 consultation draft",
    "owners": "The Royal College of Radiologists and the College of Radiographers",
    "source": ("QSI 2026 consultation draft (PDF), converted to text and cleaned by tools/convert_qsi_seed.py"),
    "notice": (
        "Text of the Quality Standard for Imaging © The Royal College of Radiologists and the College "
        "of Radiographers; reproduced for self-assessment against the standard."
    ),
}
CORE_PREFIX = "XR"
MODALITIES = ("CT", "IR", "MR", "NM", "US")
PREFIXES = (CORE_PREFIX, *MODALITIES)
PAEDIATRIC_NAME = "Paediatric imaging"

# Conversion artefacts that no general rule can repair: (seed text, replacement). Each must occur in
# the seed exactly once, so a different seed fails loudly instead of being silently "fixed".
FIXUPS: tuple[tuple[str, str], ...] = (
    # IR-905: hyphens of "24-hour", "consultant-directed" and "patient-flow" scattered by the PDF.
    (
        "timely 24hour, -seven-day access to -consultant directed",
        "timely 24-hour, seven-day access to consultant-directed",
    ),
    ("admissions and -patient flow- process", "admissions and patient flow process"),
    ("Out of- -hours emergency transfers", "Out-of-hours emergency transfers"),
    # XR-101 note 14: a stray quote left behind by the link.
    ("Act 2008](#) ' in England;", "Act 2008](#) in England;"),
    # XR-204 note 12: "Plan" and "NHS England" run together.
    ("NHS Long Term Workforce Planngland 2023", "NHS Long Term Workforce Plan, NHS England 2023"),
)

_PREFIX_GROUP = "(" + "|".join(PREFIXES) + ")"
_SECTION_HEADING = re.compile(rf"^{_PREFIX_GROUP}-([0-9])\s+(\S.*)$")
_REF_LINE = re.compile(rf"^{_PREFIX_GROUP}[- ]?([0-9]{{3}})(?:\s+(<.*))?$")
_LABEL = re.compile(
    r"^(quality statement|statement|outcome measure|suggestions|notes|introduction)\s*:?$", re.IGNORECASE
)
_LABEL_PREFIX = re.compile(r"^(quality statement|outcome measure)\s*:?\s+(\S.*)$", re.IGNORECASE)
_BOLD_LABEL = re.compile(r"\*\*(Quality statement|Statement)\*\*")
_FURNITURE = re.compile(r"^(DRAFT|Ref|Standard|Ref\s+Standard|Quality Standard for Imaging|Return to \[Index\]\(#\))$")
_SEPARATOR = re.compile(r"^[\s|:-]+$")  # table rules: "--------\t---", "|--|--|", "- | | |"
_HTML_LINE = re.compile(r"<(?:p|ol|ul|li|h[1-6])\b", re.IGNORECASE)
_MD_BULLET = re.compile(r"^( *)- (.*)$")
_NUMBER = re.compile(r"^([0-9]{1,2})\.\s+(.*)$", re.DOTALL)
_LETTER = re.compile(r"^([a-z])([.)])\s+(.*)$", re.DOTALL)
_INLINE_TAG = re.compile(r"</?(?:i|u|b|em|strong|span|a|sup|sub|br)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"(<[^>]+>)")
_TAG_NAME = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")

_LABEL_KEYS = {
    "quality statement": "statement",
    "statement": "statement",
    "outcome measure": "outcome",
    "suggestions": "suggestions",
    "notes": "notes",
    "introduction": "introduction",
}


class ConversionError(Exception):
    """The seed does not parse into a complete, consistent set of statements."""


# --------------------------------------------------------------------------------------------------
# Text cleaning


_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_LINK = re.compile(r"\[([^\]]*)\]\((?:#|https?://[^)\s]*)\)")
_MD_ESCAPE = re.compile(r"\\([()\[\]*_.\-#])")
_ANY_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_WILDCARD_REF = re.compile(r"\bXR-\*{3}")  # "all the XR-*** quality statements"
_SPACED_REF = re.compile(rf"\b{_PREFIX_GROUP} ?([0-9]{{3}})\b")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:])(?=\s|$)")


def clean(text: str) -> str:
    """Plain text: no tags, entities, Markdown links or emphasis; references as ``XR-705``."""
    text = _AUTOLINK.sub(r"\1", text)
    text = _ANY_TAG.sub(" ", text)
    text = html.unescape(text)
    text = _LINK.sub(r"\1", text)
    text = _MD_ESCAPE.sub(r"\1", text)
    text = _WILDCARD_REF.sub("XR", text)
    text = text.replace("*", "")
    text = _SPACED_REF.sub(r"\1-\2", text)
    text = text.replace("\u00a0", " ")
    text = re.sub(r"\s+", " ", text).strip()
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)


# --------------------------------------------------------------------------------------------------
# Tokens


@dataclass
class Tok:
    kind: str  # "heading", "ref", "label", "item", "text"
    text: str
    lineno: int
    depth: int = 0  # list nesting of an item: 0 top level, 1 sub-item
    number: int | None = None  # "3." of a numbered note
    letter: str = ""  # "a" of "a)" / "a."
    glued: bool = False  # text that continues the previous list item (no paragraph break)

    def where(self) -> str:
        return f"seed line {self.lineno}"


def _item_tok(text: str, depth: int, lineno: int) -> Tok:
    number = _NUMBER.match(text)
    if number:
        return Tok("item", number.group(2), lineno, depth=depth, number=int(number.group(1)))
    letter = _LETTER.match(text)
    if letter:
        return Tok("item", letter.group(3), lineno, depth=depth, letter=letter.group(1))
    return Tok("item", text, lineno, depth=depth)


def _next_number(text: str, expected: int, start: int) -> int | None:
    """Where ``"<expected>. "`` starts a new numbered entry in ``text`` (at or after ``start``)."""
    candidates = []
    plain = re.compile(rf"(?<![0-9]){expected}\.(?=\s|[A-Za-z])")
    # "... report 202110. Homeworking": a year runs into the next number.
    after_year = re.compile(rf"(?<![0-9])(?:19|20)[0-9]{{2}}({expected})\.(?=\s|[A-Za-z])")
    found = plain.search(text, start)
    if found:
        candidates.append(found.start())
    found = after_year.search(text, start)
    if found:
        candidates.append(found.start(1))
    return min(candidates) if candidates else None


def split_sequence(text: str) -> list[tuple[str, str]] | None:
    """Split ``"1. foo 2. bar"`` or ``"a) foo b) bar"`` run together in one HTML list.

    Returns ``[(marker, text), ...]`` with markers ``"1"`` or ``"a"``, or None if ``text`` does not
    start with a marker. Only the next expected marker is looked for, so numbers and letters inside
    the text are left alone.
    """
    text = text.strip()
    number = _NUMBER.match(text)
    letter = _LETTER.match(text)
    if number:
        current = int(number.group(1))
        markers: list[tuple[str, int, int]] = [(str(current), 0, len(number.group(1)) + 1)]
        while True:
            position = _next_number(text, current + 1, markers[-1][2])
            if position is None:
                break
            current += 1
            markers.append((str(current), position, position + len(str(current)) + 1))
    elif letter:
        style = letter.group(2)
        current_letter = letter.group(1)
        markers = [(current_letter, 0, 2)]
        while current_letter < "z":
            current_letter = chr(ord(current_letter) + 1)
            found = re.compile(rf"(?<=\s){current_letter}{re.escape(style)}(?=\s)").search(text, markers[-1][2])
            if not found:
                break
            markers.append((current_letter, found.start(), found.end()))
    else:
        return None
    parts = []
    for index, (marker, _start, end) in enumerate(markers):
        stop = markers[index + 1][1] if index + 1 < len(markers) else len(text)
        parts.append((marker, text[end:stop].strip()))
    return parts


def _paragraph_toks(text: str, lineno: int) -> list[Tok]:
    text = text.strip()
    if not text:
        return []
    heading = _SECTION_HEADING.match(text)
    if heading:
        return [Tok("heading", text, lineno)]
    label = _LABEL.match(text)
    if label:
        return [Tok("label", _LABEL_KEYS[label.group(1).lower()], lineno)]
    prefixed = _LABEL_PREFIX.match(text)
    if prefixed:
        return [
            Tok("label", _LABEL_KEYS[prefixed.group(1).lower()], lineno),
            Tok("text", prefixed.group(2), lineno),
        ]
    if _NUMBER.match(text):
        return [_item_tok(text, 0, lineno)]
    return [Tok("text", text, lineno)]


def _list_toks(text: str, depth: int, at_item: bool, lineno: int) -> list[Tok]:
    """Text inside an HTML list: ``<li>`` items, ``•`` bullets or markers run together."""
    text = text.strip()
    if not text:
        return []
    if "•" in text:
        head, *bullets = text.split("•")
        toks = []
        if head.strip():
            toks.extend(_list_toks(head, depth, at_item, lineno))
        toks.extend(Tok("item", b.strip(), lineno, depth=depth) for b in bullets if b.strip())
        return toks
    sequence = split_sequence(text)
    if sequence is not None:
        toks = []
        for marker, body in sequence:
            if marker.isdigit():
                toks.append(Tok("item", body, lineno, depth=depth, number=int(marker)))
            else:
                toks.append(Tok("item", body, lineno, depth=depth, letter=marker))
        return toks
    if at_item:
        return [Tok("item", text, lineno, depth=depth)]
    return [Tok("text", text, lineno, glued=True)]


def html_toks(fragment: str, lineno: int) -> list[Tok]:
    """Tokens of one line of HTML (a table cell of the PDF conversion)."""
    fragment = _INLINE_TAG.sub("", fragment)
    toks: list[Tok] = []
    lists: list[str] = []
    styles: list[str | None] = []  # "bullet", "letter" or "number": how each open list marks items
    at_item = False
    for part in _TAG.split(fragment):
        if not part:
            continue
        if part.startswith("<"):
            tag = _TAG_NAME.match(part)
            if not tag:
                raise ConversionError(f"seed line {lineno}: cannot read tag {part[:40]!r}")
            closing, name = tag.group(1) == "/", tag.group(2).lower()
            if name in ("ul", "ol"):
                if closing:
                    if not lists:
                        raise ConversionError(f"seed line {lineno}: unbalanced </{name}>")
                    lists.pop()
                    styles.pop()
                else:
                    lists.append(name)
                    styles.append(None)
                at_item = False
            elif name == "li":
                at_item = not closing
            elif name in ("p", "div") or re.fullmatch(r"h[1-6]", name):
                # The conversion leaves some lists unclosed: a paragraph always ends them.
                if not closing:
                    lists.clear()
                    styles.clear()
                at_item = False
            else:
                raise ConversionError(f"seed line {lineno}: unexpected tag <{name}>")
            continue
        if not lists:
            toks.extend(_paragraph_toks(part, lineno))
            continue
        if "•" in part and len(lists) > 1:
            # "• x <ol> a) y b) z • w": the conversion dropped the closing tag of the lettered
            # list; a bullet is always an item of the enclosing bulleted list.
            head, rest = part.split("•", 1)
            head_toks = _list_toks(head, len(lists) - 1, at_item, lineno)
            style = styles[-1] or next((_style(tok) for tok in head_toks if tok.kind == "item"), None)
            if style in ("letter", "number"):
                toks.extend(head_toks)
                while len(lists) > 1 and (styles[-1] or style) in ("letter", "number"):
                    lists.pop()
                    styles.pop()
                part, at_item = "•" + rest, False
        new = _list_toks(part, len(lists) - 1, at_item, lineno)
        if styles[-1] is None:
            styles[-1] = next((_style(tok) for tok in new if tok.kind == "item"), None)
        toks.extend(new)
        at_item = False
    return toks


def _style(tok: Tok) -> str:
    if tok.number is not None:
        return "number"
    return "letter" if tok.letter else "bullet"


def tokenize(lines: list[str], first_lineno: int) -> list[Tok]:
    """Tokens of the body of the standard (from the first section heading to the glossary)."""
    toks: list[Tok] = []
    previous_was_item = False
    for offset, raw in enumerate(lines):
        lineno = first_lineno + offset
        for line in _BOLD_LABEL.sub(r"\n\1", raw).split("\n"):
            previous_was_item = _tokenize_line(line, lineno, previous_was_item, toks)
    return toks


def _tokenize_line(raw: str, lineno: int, previous_was_item: bool, toks: list[Tok]) -> bool:
    """Append the tokens of one line; return whether it was a Markdown list item."""
    line = raw.rstrip()
    if line.lstrip().startswith("|"):
        line = re.sub(r"^[\s|]+", "", line)
        line = re.sub(r"[\s|]+$", "", line)
    stripped = line.strip()
    if not stripped:
        return False
    if _FURNITURE.match(stripped) or _SEPARATOR.match(stripped):
        return False
    ref = _REF_LINE.match(stripped)
    if ref:
        toks.append(Tok("ref", f"{ref.group(1)}-{ref.group(2)}", lineno))
        if ref.group(3):
            toks.extend(html_toks(ref.group(3), lineno))
        return False
    if _HTML_LINE.search(stripped):
        toks.extend(html_toks(stripped, lineno))
        return False
    bullet = _MD_BULLET.match(line.rstrip())
    if bullet:
        depth = 1 if bullet.group(1) else 0
        toks.append(_item_tok(bullet.group(2).strip(), depth, lineno))
        return True
    if _NUMBER.match(stripped):
        toks.append(_item_tok(stripped, 0, lineno))
        return True
    if previous_was_item:
        toks.append(Tok("text", stripped, lineno, glued=True))
        return True
    toks.extend(_paragraph_toks(stripped, lineno))
    return False


# --------------------------------------------------------------------------------------------------
# Parsing


@dataclass
class Node:
    text: str
    label: str = ""
    children: list[Node] = field(default_factory=list)

    def to_json(self) -> dict:
        data: dict = {}
        if self.label:
            data["label"] = self.label
        data["text"] = clean(self.text)
        if self.children:
            data["items"] = [child.to_json() for child in self.children]
        return data


@dataclass
class Draft:
    ref: str | None
    name: str
    lineno: int
    statement: list[str] = field(default_factory=list)
    outcome: list[str] = field(default_factory=list)
    suggestions: list[Node] = field(default_factory=list)
    notes: list[Node] = field(default_factory=list)
    note_numbers: list[int | None] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    mode: str = "name"
    group: Node | None = None  # current subheading ("Outsourcing") inside the suggestions
    last: Node | None = None  # the node that continuation text is appended to

    @property
    def label(self) -> str:
        return self.ref or f"statement {self.name!r} (seed line {self.lineno})"


@dataclass
class SectionDraft:
    ref: str
    title: str
    lineno: int
    introduction: list[str] = field(default_factory=list)
    statements: list[Draft] = field(default_factory=list)


_LABEL_ORDER = ("statement", "outcome", "suggestions", "notes")
_TERMINAL = (".", ";", "!", "?", ":")


def _join_paragraphs(paragraphs: list[str]) -> str:
    text = ""
    for paragraph in paragraphs:
        if not text:
            text = paragraph
        elif paragraph[:1].islower():
            text = f"{text} {paragraph}"
        else:
            text = f"{text}\n\n{paragraph}"
    return text


class Parser:
    def __init__(self, toks: list[Tok]) -> None:
        self.toks = toks
        self.sections: list[SectionDraft] = []
        self.statement: Draft | None = None

    def parse(self) -> list[SectionDraft]:
        for index, tok in enumerate(self.toks):
            following = self.toks[index + 1] if index + 1 < len(self.toks) else None
            self._feed(tok, following)
        self._finish_statement()
        return self.sections

    # -- dispatch

    def _feed(self, tok: Tok, following: Tok | None) -> None:
        if tok.kind == "heading":
            self._finish_statement()
            match = _SECTION_HEADING.match(tok.text)
            assert match is not None
            self.sections.append(SectionDraft(f"{match.group(1)}-{match.group(2)}", match.group(3).strip(), tok.lineno))
            return
        if not self.sections:
            raise ConversionError(f"{tok.where()}: {tok.kind} {tok.text[:60]!r} before the first section")
        section = self.sections[-1]
        if tok.kind == "ref":
            self._finish_statement()
            self.statement = Draft(tok.text, "", tok.lineno)
            return
        starts_statement = (
            tok.kind == "text"
            and following is not None
            and following.kind == "label"
            and following.text == "statement"
            and (self.statement is None or self.statement.mode != "name")
        )
        if starts_statement:
            # A statement whose reference was lost in the conversion: recovered later from its neighbours.
            self._finish_statement()
            self.statement = Draft(None, tok.text, tok.lineno, mode="named")
            return
        statement = self.statement
        if statement is None:
            if tok.kind == "label" and tok.text == "introduction":
                return
            if tok.kind == "text":
                section.introduction.append(tok.text)
                return
            raise ConversionError(f"{tok.where()}: unexpected {tok.kind} in the introduction of {section.ref}")
        if tok.kind == "label":
            self._label(statement, tok)
        elif tok.kind == "text":
            self._text(statement, tok)
        elif tok.kind == "item":
            self._item(statement, tok)
        else:  # pragma: no cover - every kind is handled above
            raise ConversionError(f"{tok.where()}: unknown token {tok.kind}")

    def _label(self, statement: Draft, tok: Tok) -> None:
        key = tok.text
        if key not in _LABEL_ORDER:
            raise ConversionError(f"{tok.where()}: unexpected label {key!r} in {statement.label}")
        expected = _LABEL_ORDER[len(statement.labels)] if len(statement.labels) < 4 else None
        if key != expected or statement.mode == "name":
            raise ConversionError(
                f"{tok.where()}: {statement.label}: label {key!r} out of order (expected {expected!r})"
            )
        statement.labels.append(key)
        statement.mode = key
        statement.group = None
        statement.last = None

    def _text(self, statement: Draft, tok: Tok) -> None:
        mode = statement.mode
        if mode == "name":
            statement.name = tok.text
            statement.mode = "named"
        elif mode == "statement":
            statement.statement.append(tok.text)
        elif mode == "outcome":
            statement.outcome.append(tok.text)
        elif mode == "suggestions":
            self._suggestion_text(statement, tok)
        elif mode == "notes":
            self._note_text(statement, tok)
        else:
            raise ConversionError(f"{tok.where()}: {statement.label}: unexpected text {tok.text[:60]!r}")

    def _suggestion_text(self, statement: Draft, tok: Tok) -> None:
        if not tok.glued:
            # A subheading inside the suggestions ("Outsourcing", "Quality Control (QC):"): the
            # bullets after it become its items.
            statement.group = Node(tok.text)
            statement.suggestions.append(statement.group)
            statement.last = statement.group
            return
        last = statement.last
        if last is None:
            raise ConversionError(f"{tok.where()}: {statement.label}: text before the first suggestion")
        if tok.text[:1].islower():
            last.text = f"{last.text} {tok.text}"
            return
        # A bullet that lost its marker ("...footprint\nAdoption of a circular economy model ...").
        node = Node(tok.text)
        siblings = self._siblings_of(statement, last)
        siblings.append(node)
        statement.last = node

    def _siblings_of(self, statement: Draft, node: Node) -> list[Node]:
        if node in statement.suggestions:
            return statement.suggestions
        for parent in statement.suggestions:
            if node in parent.children:
                return parent.children
        raise ConversionError(f"{statement.label}: cannot place a suggestion")  # pragma: no cover

    def _note_text(self, statement: Draft, tok: Tok) -> None:
        last = statement.last
        if last is None:
            raise ConversionError(f"{tok.where()}: {statement.label}: text before the first note")
        if not tok.text[:1].islower() and last.text.rstrip(" *").endswith(_TERMINAL):
            raise ConversionError(
                f"{tok.where()}: {statement.label}: {tok.text[:60]!r} does not continue the previous note"
            )
        last.text = f"{last.text} {tok.text}"

    def _item(self, statement: Draft, tok: Tok) -> None:
        node = Node(tok.text, label=tok.letter)
        if statement.mode == "suggestions":
            if tok.number is not None:
                raise ConversionError(f"{tok.where()}: {statement.label}: numbered suggestion")
            if tok.depth == 0 and not tok.letter:
                target = statement.group.children if statement.group else statement.suggestions
            elif tok.depth == 1 and statement.group is None and statement.suggestions:
                target = statement.suggestions[-1].children
            else:
                raise ConversionError(f"{tok.where()}: {statement.label}: misplaced suggestion {tok.text[:60]!r}")
            target.append(node)
        elif statement.mode == "notes":
            if tok.depth == 0 and not tok.letter:
                expected = len(statement.notes) + 1
                if tok.number is not None and tok.number != expected:
                    raise ConversionError(
                        f"{tok.where()}: {statement.label}: note {tok.number} where note {expected} was expected"
                    )
                statement.notes.append(node)
                statement.note_numbers.append(tok.number)
            elif tok.depth == 1 and tok.number is None and statement.notes:
                statement.notes[-1].children.append(node)
            else:
                raise ConversionError(f"{tok.where()}: {statement.label}: misplaced note {tok.text[:60]!r}")
        else:
            raise ConversionError(
                f"{tok.where()}: {statement.label}: list item {tok.text[:60]!r} outside suggestions and notes"
            )
        statement.last = node

    def _finish_statement(self) -> None:
        statement = self.statement
        if statement is None:
            return
        self.statement = None
        missing = [label for label in _LABEL_ORDER if label not in statement.labels]
        if missing or not statement.name:
            raise ConversionError(f"{statement.label}: missing {', '.join(missing) or 'name'}")
        numbered = [n for n in statement.note_numbers if n is not None]
        if numbered and len(numbered) != len(statement.note_numbers):
            raise ConversionError(f"{statement.label}: notes are partly numbered")
        _nest_orphan_sub_items(statement.suggestions)
        self.sections[-1].statements.append(statement)


def _nest_orphan_sub_items(items: list[Node]) -> None:
    """Re-nest sub-bullets that lost their indentation (XR-409's list of timescales).

    A suggestion that ends with a colon but has no items of its own introduces a list: the
    following suggestions without closing punctuation are its items.
    """
    index = 0
    while index < len(items):
        item = items[index]
        if item.text.rstrip().endswith(":") and not item.children:
            while index + 1 < len(items):
                candidate = items[index + 1]
                if candidate.children or candidate.text.rstrip(" *").endswith(_TERMINAL):
                    break
                item.children.append(items.pop(index + 1))
        index += 1


# --------------------------------------------------------------------------------------------------
# Whole document


@dataclass
class Result:
    sections: list[dict]
    recovered: list[tuple[str, str, str, str]]  # (ref, name, previous ref, next ref)
    paediatric: list[str]


def _statement_number(ref: str) -> int:
    return int(ref.split("-", 1)[1][1:])


def _recover_refs(section: SectionDraft) -> list[tuple[str, str, str, str]]:
    recovered = []
    prefix, digit = section.ref.split("-")
    statements = section.statements
    for index, statement in enumerate(statements):
        if statement.ref is not None:
            continue
        previous = statements[index - 1].ref if index > 0 else None
        following = statements[index + 1].ref if index + 1 < len(statements) else None
        if index > 0 and previous is None:
            raise ConversionError(f"{statement.label}: two statements in a row without a reference")
        number = _statement_number(previous) + 1 if previous else 1
        if following is not None and _statement_number(following) != number + 1:
            raise ConversionError(f"{statement.label}: cannot recover its reference between {previous} and {following}")
        statement.ref = f"{prefix}-{digit}{number:02d}"
        recovered.append((statement.ref, statement.name, previous or "-", following or "-"))
    return recovered


def _check_refs(section: SectionDraft) -> None:
    prefix, digit = section.ref.split("-")
    for index, statement in enumerate(section.statements, start=1):
        expected = f"{prefix}-{digit}{index:02d}"
        if statement.ref != expected:
            seen = [s.ref for s in section.statements]
            duplicates = sorted({ref for ref in seen if ref is not None and seen.count(ref) > 1})
            problem = f"duplicate reference {', '.join(duplicates)}" if duplicates else "out of sequence"
            raise ConversionError(
                f"section {section.ref}: found {statement.ref} where {expected} was expected ({problem})"
            )


def _xr_titles(lines: list[str]) -> dict[str, str]:
    """XR section titles from the "Sections" table (the headings lost some punctuation)."""
    titles = {}
    for line in lines:
        match = re.match(r"^(XR-[0-9])\t+(\S.*?)\s*$", line)
        if match:
            titles[match.group(1)] = match.group(2)
    return titles


def _find_line(lines: list[str], text: str, start: int = 0) -> int:
    for index in range(start, len(lines)):
        if lines[index].strip() == text:
            return index
    raise ConversionError(f"cannot find the line {text!r} in the seed")


def _paediatric_xr_ref(text: str) -> str:
    """The XR statement the standard itself says is only for services imaging children."""
    match = re.search(r"does not deliver paediatric imaging,\s+standard\s+(XR)[- ]?([0-9]{3})\s+may not apply", text)
    if not match:
        raise ConversionError("cannot find which XR statement applies only to paediatric imaging")
    return f"{match.group(1)}-{match.group(2)}"


def apply_fixups(text: str) -> str:
    for old, new in FIXUPS:
        count = text.count(old)
        if count != 1:
            raise ConversionError(f"fix-up {old!r} matches {count} times in the seed (expected once)")
        text = text.replace(old, new)
    return text


def convert(seed_text: str) -> Result:
    text = apply_fixups(seed_text.replace("\r\n", "\n"))
    lines = text.split("\n")
    sections_table = _find_line(lines, "The quality statements are in the following sections:")
    body_start = _find_line(lines, "Return to [Index](#)", sections_table) + 1
    body_end = _find_line(lines, "Glossary of Terms and Abbreviations", body_start)
    xr_titles = _xr_titles(lines[sections_table:body_start])

    toks = tokenize(lines[body_start:body_end], body_start + 1)
    drafts = Parser(toks).parse()

    paediatric_xr = _paediatric_xr_ref("\n".join(lines[:body_start]))
    recovered: list[tuple[str, str, str, str]] = []
    paediatric: list[str] = []
    sections: list[dict] = []
    seen_sections: set[str] = set()
    seen_refs: set[str] = set()
    for draft in drafts:
        if draft.ref in seen_sections:
            raise ConversionError(f"section {draft.ref} appears twice (seed line {draft.lineno})")
        seen_sections.add(draft.ref)
        if not draft.statements:
            raise ConversionError(f"section {draft.ref} has no statements")
        recovered.extend(_recover_refs(draft))
        _check_refs(draft)
        prefix = draft.ref[:2]
        if prefix == CORE_PREFIX:
            title = xr_titles.get(draft.ref)
            if title is None or _letters(title) != _letters(draft.title):
                raise ConversionError(f"section {draft.ref}: heading {draft.title!r} not in the sections table")
            modality = None
        else:
            title = draft.title
            modality = prefix
        statements = []
        for statement in draft.statements:
            assert statement.ref is not None
            if statement.ref in seen_refs:
                raise ConversionError(f"{statement.ref} appears twice")
            seen_refs.add(statement.ref)
            scope = (
                ["paediatric"]
                if statement.ref == paediatric_xr or (modality and clean(statement.name) == PAEDIATRIC_NAME)
                else []
            )
            if scope:
                paediatric.append(statement.ref)
            statements.append(_statement_json(statement, scope))
        sections.append(
            {
                "ref": draft.ref,
                "title": clean(title),
                "modality": modality,
                "introduction": "\n\n".join(clean(p) for p in draft.introduction if clean(p)),
                "statements": statements,
            }
        )
    expected_sections = [f"XR-{n}" for n in range(1, 9)] + [f"{m}-9" for m in MODALITIES]
    if [s["ref"] for s in sections] != expected_sections:
        raise ConversionError(f"sections found: {[s['ref'] for s in sections]}, expected {expected_sections}")
    if paediatric_xr not in paediatric:
        raise ConversionError(f"{paediatric_xr} (paediatric only) is not in the seed")
    return Result(sections, recovered, paediatric)


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _statement_json(statement: Draft, scope: list[str]) -> dict:
    data = {
        "ref": statement.ref,
        "name": clean(statement.name),
        "statement": clean(_join_paragraphs(statement.statement)),
        "outcome": clean(_join_paragraphs(statement.outcome)),
        "suggestions": [node.to_json() for node in statement.suggestions],
        "notes": [node.to_json() for node in statement.notes],
        "scope": scope,
    }
    for key in ("name", "statement", "outcome"):
        if not data[key]:
            raise ConversionError(f"{statement.ref}: empty {key}")
    if not data["suggestions"]:
        raise ConversionError(f"{statement.ref}: no suggestions")
    if not data["notes"]:
        raise ConversionError(f"{statement.ref}: no notes")
    for item in _walk(data["suggestions"] + data["notes"]):
        if not item["text"]:
            raise ConversionError(f"{statement.ref}: empty suggestion or note")
    return data


def _walk(items: list[dict]) -> Iterator[dict]:
    for item in items:
        yield item
        yield from _walk(item.get("items", []))


# --------------------------------------------------------------------------------------------------
# Output


def output_files(result: Result, out_dir: Path) -> dict[Path, str]:
    """The data files to write, as path -> exact file content."""
    by_prefix: dict[str, list[dict]] = {}
    for section in result.sections:
        by_prefix.setdefault(section["ref"][:2], []).append(section)
    files = {out_dir / "qsi_desktop" / "catalogue" / "data" / f"{FRAMEWORK_ID}.json": by_prefix[CORE_PREFIX]}
    for modality in MODALITIES:
        m = modality.lower()
        path = out_dir / "plugins" / m / f"qsi_plugin_{m}" / "data" / f"{FRAMEWORK_ID}-{m}.json"
        files[path] = by_prefix[modality]
    return {
        path: json.dumps({"schema": 1, "framework": FRAMEWORK, "sections": sections}, indent=2, ensure_ascii=False)
        + "\n"
        for path, sections in files.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seed", type=Path, help="the text conversion of the QSI 2026 draft")
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=Path(__file__).resolve().parents[1],
        help="repository root to write the data files under (default: this script's repository)",
    )
    args = parser.parse_args(argv)
    try:
        seed_text = args.seed.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {args.seed}: {exc}", file=sys.stderr)
        return 1
    try:
        result = convert(seed_text)
    except ConversionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path, content in output_files(result, args.out_dir).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
        print(f"wrote {path}")
    total = 0
    for section in result.sections:
        count = len(section["statements"])
        total += count
        print(f"{section['ref']:<5} {count:>3} statements  {section['title']}")
    print(f"total {total} statements in {len(result.sections)} sections")
    for ref, name, previous, following in result.recovered:
        where = f"between {previous} and {following}" if following != "-" else f"after {previous}, last"
        print(f"recovered {ref} {name!r}: statement without a reference, {where} in its section")
    print(f"paediatric scope: {', '.join(result.paediatric)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
