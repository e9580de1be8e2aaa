"""Action plans: what will be done, by whom and by when, for anything not yet met."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from qsi_desktop.services.app import App
from qsi_desktop.services.errors import ChangedElsewhere, UserError
from qsi_desktop.services.records import ActionRecord, action_record
from qsi_desktop.services.values import check_free_text
from qsi_desktop.store.models import Action
from qsi_desktop.store.workspace import Workspace


def add_action(
    ws: Workspace,
    app: App,
    ref: str,
    description: str,
    *,
    owner: str = "",
    due_on: date | None = None,
    status: str = "open",
    actor: str,
) -> ActionRecord:
    statement = app.statement(ref)
    if not description.strip():
        raise UserError("an action needs a description")
    check_free_text("description", description)
    check_free_text("owner", owner)
    action = Action(
        framework_id=ws.framework_id,
        statement_ref=statement.ref,
        description=description.strip(),
        owner=owner.strip(),
        due_on=due_on,
        status=status,
        created_by=actor,
        completed_on=date.today() if status == "done" else None,
    )
    with ws.transaction(actor) as session:
        session.add(action)
        session.flush()
        return action_record(action)


def update_action(
    ws: Workspace,
    action_id: int,
    *,
    status: str | None = None,
    owner: str | None = None,
    due_on: date | None = None,
    actor: str,
    expected_version: int | None = None,
) -> ActionRecord:
    """Change an action. With ``expected_version`` (the ``row_version`` the user read) a change saved
    meanwhile by someone else raises :class:`ChangedElsewhere` and nothing is saved."""
    with ws.transaction(actor) as session:
        action = session.get(Action, action_id)
        if action is None:
            raise UserError(f"no action with id {action_id}; 'qsi action list' shows them")
        if expected_version is not None and action.version_id != expected_version:
            raise ChangedElsewhere(
                f"action #{action_id} ({action.statement_ref}) was changed by someone else after you opened it; "
                "nothing was saved. It is shown as it is now",
                action_record(action),
            )
        if status is not None and status != action.status:  # saving "done" again keeps its completion date
            action.status = status
            action.completed_on = date.today() if status == "done" else None
        if owner is not None:
            check_free_text("owner", owner)
            action.owner = owner.strip()
        if due_on is not None:
            action.due_on = due_on
        session.flush()
        return action_record(action)


def list_actions(ws: Workspace, ref: str | None = None) -> list[ActionRecord]:
    query = select(Action).order_by(Action.due_on.is_(None), Action.due_on, Action.id)
    if ref is not None:
        query = query.where(Action.statement_ref == ref)
    with ws.reading() as session:
        return [action_record(action) for action in session.scalars(query)]


def action_dict(action: ActionRecord, today: date | None = None) -> dict:
    return {
        "id": action.id,
        "ref": action.statement_ref,
        "description": action.description,
        "owner": action.owner,
        "due_on": action.due_on.isoformat() if action.due_on else None,
        "status": action.status,
        "overdue": action.overdue(today),
        "completed_on": action.completed_on.isoformat() if action.completed_on else None,
    }
