"""Load and validate framework data files (JSON).

A framework file holds a ``framework`` block (id, title, version, owners, source) and a list of
``sections``. The core ships the XR sections; each modality plugin ships its own section in a file
with the same framework block. Files are validated on load so a broken data file fails loudly at
start-up, naming the file and the statement, instead of showing a half-empty standard.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from qsi_desktop.catalogue.model import Framework, Item, Section, Statement
from qsi_desktop.errors import QsiError

SCHEMA_VERSION = 1
DEFAULT_FRAMEWORK_ID = "qsi-2026-draft"
_SCOPE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")  # the plugin manager checks it is registered

_REF = re.compile(r"^[A-Z]{2}-[0-9]{3}$")
_SECTION_REF = re.compile(r"^[A-Z]{2}-[0-9]$")
# Leftovers of the PDF-to-text conversion that must never reach a user or an assessor.
_MARKUP = re.compile(r"</?[a-zA-Z][^>]*>|\]\(#\)|data-bbox|&nbsp;|&amp;|\*\*|^\s*\*|\*\s*$|\bDRAFT\b")


class CatalogueError(QsiError, ValueError):
    """A framework data file is missing, unreadable or does not match the schema."""


def core_framework_path(framework_id: str = DEFAULT_FRAMEWORK_ID) -> Path:
    """The core's data file for a framework, located from the package (never the working directory)."""
    return Path(str(resources.files("qsi_desktop.catalogue") / "data" / f"{framework_id}.json"))


def core_framework_ids() -> list[str]:
    """The frameworks the core ships a data file for (each a workspace can be created for)."""
    folder = Path(str(resources.files("qsi_desktop.catalogue") / "data"))
    return sorted(path.stem for path in folder.glob("*.json"))


def load_framework_file(path: Path | str) -> Framework:
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogueError(f"{path}: catalogue file not found") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogueError(f"{path}: cannot read catalogue file: {exc}") from exc
    try:
        return _framework(raw)
    except CatalogueError as exc:
        raise CatalogueError(f"{path}: {exc}") from None


def _framework(raw: Any) -> Framework:
    if not isinstance(raw, dict):
        raise CatalogueError("top level must be an object")
    if raw.get("schema") != SCHEMA_VERSION:
        raise CatalogueError(f"schema must be {SCHEMA_VERSION}, found {raw.get('schema')!r}")
    meta = _object(raw, "framework", "file")
    framework_id = _text(meta, "id", "framework")
    sections_raw = raw.get("sections")
    if not isinstance(sections_raw, list) or not sections_raw:
        raise CatalogueError("'sections' must be a non-empty list")
    sections = tuple(_section(item, framework_id) for item in sections_raw)
    refs = [s.ref for section in sections for s in section.statements]
    duplicates = sorted({ref for ref in refs if refs.count(ref) > 1})
    if duplicates:
        raise CatalogueError(f"duplicate statement references: {', '.join(duplicates)}")
    return Framework(
        id=framework_id,
        title=_text(meta, "title", "framework"),
        version=_text(meta, "version", "framework"),
        owners=_text(meta, "owners", "framework"),
        source=_text(meta, "source", "framework"),
        notice=str(meta.get("notice", "")),
        sections=sections,
    )


def _section(raw: Any, framework_id: str) -> Section:
    if not isinstance(raw, dict):
        raise CatalogueError("each section must be an object")
    ref = _text(raw, "ref", "section")
    if not _SECTION_REF.match(ref):
        raise CatalogueError(f"section reference {ref!r} is not like 'XR-5'")
    modality = raw.get("modality")
    if modality is not None and (not isinstance(modality, str) or modality != ref[:2]):
        raise CatalogueError(f"section {ref}: modality must be {ref[:2]!r} or null")
    statements_raw = raw.get("statements")
    if not isinstance(statements_raw, list) or not statements_raw:
        raise CatalogueError(f"section {ref}: 'statements' must be a non-empty list")
    statements = tuple(_statement(item, ref, framework_id) for item in statements_raw)
    return Section(
        ref=ref,
        title=_text(raw, "title", f"section {ref}"),
        modality=modality,
        introduction=_clean(str(raw.get("introduction", "")), f"section {ref} introduction"),
        statements=statements,
        framework_id=framework_id,
    )


def _statement(raw: Any, section_ref: str, framework_id: str) -> Statement:
    if not isinstance(raw, dict):
        raise CatalogueError(f"section {section_ref}: each statement must be an object")
    ref = _text(raw, "ref", f"section {section_ref} statement")
    where = f"statement {ref}"
    if not _REF.match(ref) or not ref.startswith(section_ref[:-1]) or ref[3] != section_ref[3]:
        raise CatalogueError(f"{where}: reference does not belong to section {section_ref}")
    scope = raw.get("scope", [])
    if not isinstance(scope, list) or not all(isinstance(s, str) and _SCOPE.match(s) for s in scope):
        raise CatalogueError(f"{where}: scope must be a list of scope ids such as 'paediatric'")
    return Statement(
        ref=ref,
        section_ref=section_ref,
        name=_text(raw, "name", where),
        statement=_text(raw, "statement", where),
        outcome=_text(raw, "outcome", where),
        suggestions=_items(raw, "suggestions", where),
        notes=_items(raw, "notes", where, allow_empty=True),
        scope=tuple(scope),
        framework_id=framework_id,
    )


def _items(raw: dict, key: str, where: str, allow_empty: bool = False) -> tuple[Item, ...]:
    value = raw.get(key)
    if not isinstance(value, list) or (not value and not allow_empty):
        raise CatalogueError(f"{where}: '{key}' must be a non-empty list")
    return tuple(_item(entry, f"{where} {key}") for entry in value)


def _item(raw: Any, where: str) -> Item:
    if isinstance(raw, str):
        raw = {"text": raw}
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: an item must be text or an object")
    children = raw.get("items", [])
    if not isinstance(children, list):
        raise CatalogueError(f"{where}: 'items' must be a list")
    return Item(
        text=_text(raw, "text", where),
        label=str(raw.get("label", "")),
        items=tuple(_item(child, where) for child in children),
    )


def _object(raw: dict, key: str, where: str) -> dict:
    value = raw.get(key)
    if not isinstance(value, dict):
        raise CatalogueError(f"{where}: '{key}' must be an object")
    return value


def _text(raw: dict, key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: '{key}' must be non-empty text")
    return _clean(value, f"{where} {key}")


def _clean(value: str, where: str) -> str:
    match = _MARKUP.search(value)
    if match:
        raise CatalogueError(f"{where}: conversion markup left in text: {match.group(0)!r}")
    return value.strip()
