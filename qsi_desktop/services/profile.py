"""The service profile: who the service is and what it provides (which drives applicability)."""

from __future__ import annotations

from dataclasses import dataclass

from qsi_desktop.services.assessments import get_profile
from qsi_desktop.services.values import check_free_text
from qsi_desktop.store.workspace import Workspace


@dataclass
class ProfileChange:
    """Fields to change; None leaves a field as it is."""

    name: str | None = None
    organisation: str | None = None
    sites: tuple[str, ...] | None = None
    modalities: tuple[str, ...] | None = None
    scopes: dict[str, bool] | None = None  # scope id -> provided; scopes not named keep their answer


def profile_dict(ws: Workspace) -> dict:
    with ws.reading() as session:
        profile = get_profile(session)
        return {
            "name": profile.name,
            "organisation": profile.organisation,
            "sites": list(profile.sites or []),
            "modalities": list(profile.modalities or []),
            "scopes": dict(profile.scope_flags or {}),
            "paediatric": (profile.scope_flags or {}).get("paediatric", True),
            "workspace_id": ws.workspace_id,
            "framework": ws.framework_id,
        }


def update_profile(ws: Workspace, change: ProfileChange, *, actor: str) -> None:
    for what, text in (
        ("service name", change.name),
        ("organisation", change.organisation),
        ("sites", "\n".join(change.sites or ())),
    ):
        check_free_text(what, text)
    with ws.transaction(actor) as session:
        profile = get_profile(session)
        if change.name is not None and change.name.strip():
            profile.name = change.name.strip()
        if change.organisation is not None:
            profile.organisation = change.organisation.strip()
        if change.sites is not None:
            profile.sites = list(change.sites)
        if change.modalities is not None:
            profile.modalities = sorted(set(change.modalities))
        if change.scopes:
            # A new dict: SQLAlchemy tracks JSON columns by assignment, not by in-place mutation.
            profile.scope_flags = {**(profile.scope_flags or {}), **change.scopes}
