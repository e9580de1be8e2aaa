"""Modality leads' answers to the checklist templates plugins register."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from qsi_desktop.plugins.types import ChecklistTemplate
from qsi_desktop.services.app import App
from qsi_desktop.services.errors import ChangedElsewhere, UserError
from qsi_desktop.services.records import ChecklistAnswer, checklist_answer
from qsi_desktop.services.values import check_free_text
from qsi_desktop.store.models import ChecklistResponse, EvidenceItem
from qsi_desktop.store.workspace import Workspace

ANSWERS = ("yes", "partial", "no", "n/a")
_ANSWER_ALIASES = {"na": "n/a", "not applicable": "n/a", "y": "yes", "n": "no", "partially": "partial"}


def parse_answer(text: str) -> str:
    key = text.strip().lower()
    key = _ANSWER_ALIASES.get(key, key)
    if key not in ANSWERS:
        raise UserError(f"unknown answer {text!r}; use one of: {', '.join(ANSWERS)}")
    return key


def find_template(app: App, template_id: str) -> ChecklistTemplate:
    templates = {t.id: t for t in app.plugins.checklists()}
    if template_id not in templates:
        raise UserError(f"unknown checklist {template_id!r}; 'qsi checklist list' shows them")
    return templates[template_id]


def answer_item(
    ws: Workspace,
    app: App,
    template_id: str,
    item_key: str,
    answer: str,
    *,
    note: str | None = None,
    evidence_id: int | None = None,
    unlink_evidence: bool = False,
    actor: str,
    expected_version: int | None = None,
) -> ChecklistAnswer:
    """Store an answer; ``note``/``evidence_id`` None keep what is stored, ``unlink_evidence`` removes the link.

    With ``expected_version`` (the ``row_version`` the user read; 0 for an item not answered then) an
    answer saved meanwhile by someone else raises :class:`ChangedElsewhere` and nothing is saved."""
    template = find_template(app, template_id)
    check_free_text("note", note)
    if item_key not in {item.key for item in template.items}:
        keys = ", ".join(item.key for item in template.items)
        raise UserError(f"checklist {template_id} has no item {item_key!r}; its items are: {keys}")
    with ws.transaction(actor) as session:
        if evidence_id is not None and session.get(EvidenceItem, evidence_id) is None:
            raise UserError(f"no evidence with id {evidence_id}; 'qsi evidence list' shows them")
        response = session.scalars(
            select(ChecklistResponse).where(
                ChecklistResponse.template_id == template_id, ChecklistResponse.item_key == item_key
            )
        ).first()
        stored_version = response.version_id if response is not None else 0
        if expected_version is not None and stored_version != expected_version:
            theirs = checklist_answer(response) if response is not None else None
            who = f"by {theirs.updated_by} " if theirs and theirs.updated_by else ""
            raise ChangedElsewhere(
                f"this item was changed {who}after you opened it; nothing was saved. It is shown as it is now",
                theirs,
            )
        if response is None:
            response = ChecklistResponse(template_id=template_id, item_key=item_key, note="")
            session.add(response)
        response.answer = answer
        if note is not None:
            response.note = note.strip()
        if evidence_id is not None:
            response.evidence_id = evidence_id
        elif unlink_evidence:
            response.evidence_id = None
        response.updated_by = actor
        session.flush()
        return checklist_answer(response)


def responses(ws: Workspace, template_id: str | None = None) -> dict[tuple[str, str], ChecklistAnswer]:
    query = select(ChecklistResponse)
    if template_id is not None:
        query = query.where(ChecklistResponse.template_id == template_id)
    with ws.reading() as session:
        return {(r.template_id, r.item_key): checklist_answer(r) for r in session.scalars(query)}


def checklist_dict(template: ChecklistTemplate, answers: dict[tuple[str, str], ChecklistAnswer]) -> dict[str, Any]:
    items = []
    for item in template.items:
        response = answers.get((template.id, item.key))
        items.append(
            {
                "key": item.key,
                "text": item.text,
                "statements": list(item.statement_refs),
                "answer": response.answer if response else None,
                "note": response.note if response else "",
                "evidence_id": response.evidence_id if response else None,
                "updated_by": response.updated_by if response else None,
            }
        )
    answered = [i for i in items if i["answer"]]
    return {
        "id": template.id,
        "title": template.title,
        "modality": template.modality,
        "statements": list(template.statement_refs),
        "items": items,
        "answered": len(answered),
        "total": len(items),
        "yes": sum(1 for i in answered if i["answer"] == "yes"),
    }
