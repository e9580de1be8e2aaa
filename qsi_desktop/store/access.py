"""Who may change what: the roles of a team workspace, checked at one choke point, every flush.

Roles: a quality lead may change everything; a modality lead their modality's statements (its
section: assessments, actions, evidence links), its checklists, registers and importers; a reader
nothing. A workspace with no users (a SQLite workspace as it always was) allows everything.

Every write goes through ``Workspace.transaction``, which puts the caller's :class:`Access` in the
session; the ``before_flush`` listener installed here checks each new, changed and deleted row
against it, so a service cannot forget the check and a refused change leaves nothing written. On
PostgreSQL the server enforces the same roles too (:mod:`qsi_desktop.store.pg_roles`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from qsi_desktop.errors import QsiError
from qsi_desktop.store.models import (
    Action,
    Assessment,
    ChecklistResponse,
    EvidenceItem,
    EvidenceLink,
    ImportedRecordRow,
    ImportRun,
    ImportRunIssue,
    RegisterRow,
    StoredTable,
)

QUALITY_LEAD = "quality-lead"
MODALITY_LEAD = "modality-lead"
READER = "reader"
ROLES = (QUALITY_LEAD, MODALITY_LEAD, READER)
ACCESS = "qsi_access"  # session.info key
TYPED_ACTOR = "qsi_typed_actor"  # session.info key: the actor the caller passed, before the login replaced it
# Columns where services write the actor's name; they get the audit trail's name (the login) too.
BY_COLUMNS = ("updated_by", "added_by", "created_by", "retired_by", "undone_by", "actor")
# stored_tables namespaces a modality lead may write, and the modalities they belong to; any other
# namespace is the quality lead's (a safe default for a feature that has not said whose it is)
NAMESPACE_MODALITIES = {"dose": frozenset({"CT", "IR"}), "zone-map": frozenset({"MR"})}
# namespaces written only alongside rows checked on their own (where an evidence item was imported from)
FOLLOWING_NAMESPACES = frozenset({"evidence_source"})


class PermissionRefused(QsiError):
    """A write the user's role does not allow; the message names the role needed."""


@dataclass(frozen=True)
class ModalityMap:
    """Which modality each plugin id belongs to (from the loaded plugins); without an entry, the
    id's prefix by the built-in plugins' convention ("CT-901", "ct.drl-audit", "ct-dose")."""

    modalities: frozenset[str] = frozenset()
    templates: Mapping[str, str | None] = field(default_factory=dict)
    registers: Mapping[str, str | None] = field(default_factory=dict)
    importers: Mapping[str, str | None] = field(default_factory=dict)

    def of_statement(self, ref: str) -> str | None:
        prefix = ref.split("-", 1)[0].upper()
        known = prefix in self.modalities if self.modalities else prefix != "XR"
        return prefix if known and prefix.isalpha() else None

    def _lookup(self, table: Mapping[str, str | None], key: str, separator: str) -> str | None:
        if key in table:
            return table[key]
        return self.of_statement(key.split(separator, 1)[0]) if separator in key else None

    def of_template(self, template_id: str) -> str | None:
        return self._lookup(self.templates, template_id, ".")

    def of_register(self, register_id: str) -> str | None:
        return self._lookup(self.registers, register_id, ".")

    def of_importer(self, name: str) -> str | None:
        return self._lookup(self.importers, name, "-")


ANY_WRITER = frozenset({"*"})  # a row any user who may write can touch (it follows another row)
LEAD_ONLY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Access:
    """The logged-in user and their role; ``role=None``: no users defined, everything allowed."""

    login: str
    role: str | None = None
    modalities: frozenset[str] = frozenset()
    map: ModalityMap = field(default_factory=ModalityMap)

    @property
    def restricted(self) -> bool:
        return self.role is not None

    def may_write(self) -> bool:
        return self.role != READER

    def describe(self) -> str:
        if self.role is None:
            return f"{self.login} (no users defined: everything allowed)"
        if self.role == MODALITY_LEAD:
            return f"{self.login}, modality lead for {', '.join(sorted(self.modalities)) or 'no modality'}"
        return f"{self.login}, {self.role.replace('-', ' ')}"

    def audit_name(self, actor: str, defaults: Iterable[str]) -> str:
        """The name the audit trail records. Without users: ``actor`` as given. With users: the login
        (``defaults``, the names a caller passes when nobody typed one, count as the login); a quality
        lead may record work entered for someone else (``--actor``) as "NAME (entered by LOGIN)"."""
        if not self.restricted:
            return actor
        self.require_writer()
        if not actor or actor == self.login or actor in set(defaults):
            return self.login
        if self.role != QUALITY_LEAD:
            raise PermissionRefused(
                f"{self.login}: recording a change under another name ({actor}) needs the quality lead role"
            )
        return f"{actor} (entered by {self.login})"

    def require_writer(self, what: str = "this workspace") -> None:
        if not self.may_write():
            raise PermissionRefused(
                f"{self.login} is a reader: changing {what} needs the quality lead or a modality lead role"
            )

    def require(self, need: frozenset[str], what: str) -> None:
        """Refuse unless the role allows a change that ``need`` describes (modalities allowed)."""
        if not self.restricted or self.role == QUALITY_LEAD:
            return
        self.require_writer(what)
        if need == ANY_WRITER or self.modalities & need:
            return
        role = "the quality lead role"
        if need:
            role = f"the quality lead or the {' or '.join(sorted(need))} modality lead role"
        raise PermissionRefused(f"{self.login} may not change {what}: that needs {role}")

    def refusal(self, need: frozenset[str], what: str) -> str:
        """Why the user may not make a change ``need`` describes ("" when they may): for the window,
        which shows such fields read-only rather than refusing a save."""
        try:
            self.require(need, what)
        except PermissionRefused as refused:
            return str(refused)
        return ""

    def statement_refusal(self, ref: str) -> str:
        """Why the user may not change the assessment, evidence links or actions of ``ref`` ("" if they may)."""
        return self.refusal(_one(self.map.of_statement(ref)), ref)

    # -- what a row touches ----------------------------------------------------------------------

    def need_of(self, obj: Any, *, new: bool = False) -> tuple[frozenset[str], str]:
        """The modalities whose leads may change ``obj`` (LEAD_ONLY: quality leads only), and a label."""
        if isinstance(obj, Assessment | Action | EvidenceLink):
            return _one(self.map.of_statement(obj.statement_ref)), obj.statement_ref
        if isinstance(obj, EvidenceItem):
            refs = {link.statement_ref for link in obj.links}
            if new or not refs:  # a new item's links are checked one by one
                return ANY_WRITER, f"evidence '{obj.title}'"  # the unsorted inbox
            codes = {self.map.of_statement(ref) for ref in refs}
            need = frozenset(c for c in codes if c) if None not in codes and len(codes) == 1 else LEAD_ONLY
            return need, f"evidence '{obj.title}' (used by {', '.join(sorted(refs))})"
        if isinstance(obj, ChecklistResponse):
            return _one(self.map.of_template(obj.template_id)), f"checklist {obj.template_id}"
        if isinstance(obj, RegisterRow):
            return _one(self.map.of_register(obj.register_id)), f"register {obj.register_id}"
        if isinstance(obj, ImportRun | ImportedRecordRow):
            return _one(self.map.of_importer(obj.importer)), f"imports of {obj.importer}"
        if isinstance(obj, ImportRunIssue):
            return ANY_WRITER, "an import run's issues"  # written only with its run, checked above
        if isinstance(obj, StoredTable):
            if obj.namespace == "registers" and isinstance(obj.value, dict):
                return _one(self.map.of_register(str(obj.value.get("register", "")))), "a register mapping"
            if obj.namespace == "register-snapshots":  # keyed by register: whoever keeps the register
                return _one(self.map.of_register(obj.key)), f"snapshots of {obj.key}"
            if obj.namespace == "import-columns":  # keyed by importer: whoever may import with it
                return _one(self.map.of_importer(obj.key)), f"column choices of {obj.key}"
            if obj.namespace in NAMESPACE_MODALITIES:
                return NAMESPACE_MODALITIES[obj.namespace], f"{obj.namespace} {obj.key}"
            if obj.namespace in FOLLOWING_NAMESPACES:
                return ANY_WRITER, f"{obj.namespace} {obj.key}"
            return LEAD_ONLY, f"{obj.namespace} {obj.key}"
        return LEAD_ONLY, type(obj).__tablename__.replace("_", " ")


def _one(code: str | None) -> frozenset[str]:
    return frozenset({code}) if code else LEAD_ONLY


def install(session_class: type[Session]) -> None:
    if not event.contains(session_class, "before_flush", _before_flush):
        event.listen(session_class, "before_flush", _before_flush)
        event.listen(session_class, "do_orm_execute", _on_execute)


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    _name_rows(session)
    access: Access | None = session.info.get(ACCESS)
    if access is None or not access.restricted or access.role == QUALITY_LEAD:
        return
    with session.no_autoflush:
        for obj in chain(session.new, session.dirty, session.deleted):
            # A collection change alone (a link added to an item) is checked on the link itself.
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            need, what = access.need_of(obj, new=obj in session.new)
            access.require(need, what)


def check_rows(session: Session, model: type[Any], rows: Iterable[dict[str, Any]], *, new: bool) -> None:
    """What the flush check does, for rows of ``model`` inserted or updated without a flush
    (:mod:`qsi_desktop.store.bulk`): the audit trail's name in "by" columns (``rows`` are changed), then
    the role check, on a transient object made from each row only when the role limits what it may change."""
    typed, recorded = session.info.get(TYPED_ACTOR), session.info.get("actor")
    if typed is not None and typed != recorded:
        for row in rows:
            for column in BY_COLUMNS:
                if row.get(column) == typed:
                    row[column] = recorded
    access: Access | None = session.info.get(ACCESS)
    if access is None or not access.restricted or access.role == QUALITY_LEAD:
        return
    for row in rows:
        need, what = access.need_of(model(**row), new=new)
        access.require(need, what)


def _name_rows(session: Session) -> None:
    """ "Added by", "updated by"...: the name the audit trail records, not the one the caller typed."""
    typed, recorded = session.info.get(TYPED_ACTOR), session.info.get("actor")
    if typed is None or typed == recorded:
        return
    for obj in chain(session.new, session.dirty):
        for column in BY_COLUMNS:
            if getattr(obj, column, None) == typed:
                setattr(obj, column, recorded)


def _on_execute(state: Any) -> None:
    # Bulk UPDATE/DELETE statements (an import's "current" flags, an undo) skip the flush: a reader
    # is refused here; a modality lead's are always part of an import run checked at its flush.
    access: Access | None = state.session.info.get(ACCESS)
    if access is not None and (state.is_update or state.is_delete or state.is_insert):
        access.require_writer()
