"""Which statements apply to a service: from its profile, unless a user overrode it with a reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from qsi_desktop.catalogue.model import Section, Statement
from qsi_desktop.plugins.types import Scope
from qsi_desktop.services.records import AssessmentRecord
from qsi_desktop.store.models import Assessment, ServiceProfile


@dataclass(frozen=True)
class Applicability:
    applicable: bool
    reason: str = ""  # why not applicable, or why a user overrode the profile
    source: str = "profile"  # "profile" or "override"


def from_profile(
    statement: Statement, section: Section, profile: ServiceProfile, scopes: Mapping[str, Scope]
) -> Applicability:
    """Whether the profile makes ``statement`` apply; ``scopes`` (registered, by id) give the labels."""
    if section.modality and section.modality not in (profile.modalities or []):
        return Applicability(False, f"{section.modality} is not provided by this service (service profile)")
    flags = profile.scope_flags or {}
    for flag in statement.scope:
        scope = scopes.get(flag)
        if flags.get(flag, scope.default if scope else True) is False:
            label = scope.label if scope else flag
            return Applicability(False, f"the service does not provide {label} (service profile)")
    return Applicability(True)


def effective(
    statement: Statement,
    section: Section,
    profile: ServiceProfile,
    assessment: Assessment | AssessmentRecord | None,
    scopes: Mapping[str, Scope],
) -> Applicability:
    if assessment is not None and assessment.applicability_override == "applicable":
        return Applicability(True, assessment.justification, "override")
    if assessment is not None and assessment.applicability_override == "not_applicable":
        return Applicability(False, assessment.justification, "override")
    return from_profile(statement, section, profile, scopes)


def effective_status(stored: str, applicability: Applicability) -> str:
    """The status shown and counted: "not_applicable" whenever the statement does not apply, and a stored
    "not_applicable" that no longer holds (the profile or an override changed since) counts as not started."""
    if not applicability.applicable:
        return "not_applicable"
    return "not_started" if stored == "not_applicable" else stored
