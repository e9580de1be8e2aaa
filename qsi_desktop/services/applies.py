"""What applies to the service, beyond single statements: modalities, checklist templates, importers.

The checklist tabs, ``qsi checklist list`` and the importer the GUI offers first all follow the
service profile the same way: a template applies when its modality is provided (or it has none)
and at least one of its statements applies, overrides included; a
paediatric checklist leaves with the paediatric statements.
"""

from __future__ import annotations

from sqlalchemy import select

from qsi_desktop.plugins.types import ChecklistTemplate, Importer, Modality
from qsi_desktop.services import applicability
from qsi_desktop.services.app import App
from qsi_desktop.services.assessments import get_profile
from qsi_desktop.store.models import Assessment
from qsi_desktop.store.workspace import Workspace


def applicable_refs(ws: Workspace, app: App) -> set[str]:
    """References of the statements that apply to the service (profile and overrides)."""
    scopes = app.scopes()
    with ws.reading() as session:
        profile = get_profile(session)
        assessments = {
            a.statement_ref: a
            for a in session.scalars(select(Assessment).where(Assessment.framework_id == ws.framework_id))
        }
        return {
            statement.ref
            for section in app.catalogue.sections
            for statement in section.statements
            if applicability.effective(statement, section, profile, assessments.get(statement.ref), scopes).applicable
        }


def provided_modalities(ws: Workspace, app: App) -> list[Modality]:
    """The loaded modalities the profile provides, in catalogue section order."""
    with ws.reading() as session:
        provided = set(get_profile(session).modalities or [])
    return [modality for code, modality in app.modalities().items() if code in provided]


def applicable_templates(ws: Workspace, app: App) -> list[ChecklistTemplate]:
    refs = applicable_refs(ws, app)
    provided = {m.code for m in provided_modalities(ws, app)}
    return [t for t in app.plugins.checklists() if template_applies(t, provided, refs)]


def template_applies(template: ChecklistTemplate, provided: set[str], applicable: set[str]) -> bool:
    if template.modality is not None and template.modality not in provided:
        return False
    # The template's own statements decide; its items' only when the template names none.
    refs = set(template.statement_refs) or {ref for item in template.items for ref in item.statement_refs}
    return not refs or bool(refs & applicable)


def applicable_importers(ws: Workspace, app: App) -> list[Importer]:
    """Importers of the modalities provided (and those for every service), in registration order."""
    provided = {m.code for m in provided_modalities(ws, app)}
    return [i for i in app.plugins.importers() if i.modality is None or i.modality in provided]
