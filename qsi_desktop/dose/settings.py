"""The user's dose-audit settings kept in the workspace (stored_tables namespace ``"dose"``).

- ``"ir-high-dose-threshold"``: the cumulative reference-point air kerma (mGy) above which an IR study
  is listed for skin-dose follow-up; 5 Gy when unset (issue 14).
- ``"audit-tables"``: ``{"ct": name, "ir": name}``, the DRL table each audit compares with; the national
  adult CT table, and the first fluoroscopy table by name, when unset.
"""

from __future__ import annotations

from qsi_desktop.dose import drl
from qsi_desktop.dose.audit import DEFAULT_HIGH_DOSE_MGY
from qsi_desktop.services import stored_tables
from qsi_desktop.services.errors import UserError
from qsi_desktop.store.workspace import Workspace

THRESHOLD_KEY = "ir-high-dose-threshold"
TABLES_KEY = "audit-tables"
MAX_THRESHOLD_MGY = 100_000.0  # 100 Gy: anything above is a typing slip (mGy for uGy, say)


def threshold_mgy(ws: Workspace) -> float:
    value = stored_tables.get(ws, drl.NAMESPACE, THRESHOLD_KEY)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else DEFAULT_HIGH_DOSE_MGY


def set_threshold_mgy(ws: Workspace, value: float | None, *, actor: str) -> float:
    """Set the high-dose threshold (mGy); None returns to the default."""
    if value is not None and not 0 < value <= MAX_THRESHOLD_MGY:
        raise UserError(f"the threshold must be above 0 and at most {MAX_THRESHOLD_MGY:g} mGy, not {value:g}")
    stored_tables.put(ws, drl.NAMESPACE, THRESHOLD_KEY, value, actor=actor)
    return threshold_mgy(ws)


def audit_table(ws: Workspace, kind: drl.Kind, name: str | None = None) -> drl.DrlTable | None:
    """The table an audit compares with: ``name`` if given, else the user's choice, else the default."""
    if name is None:
        chosen = stored_tables.get(ws, drl.NAMESPACE, TABLES_KEY, {}) or {}
        name = chosen.get(kind) if isinstance(chosen, dict) else None
        known = {t.name for t in drl.tables(ws)}
        name = name if name in known else None  # a chosen table since removed: back to the default
    if name is not None:
        table = drl.get(ws, name)
        if table.kind != kind:
            raise UserError(f"{name} is a {table.kind.upper()} table; the {kind.upper()} audit needs a {kind} table")
        return table
    if kind == "ct":
        return drl.national_ct()
    return next((t for t in drl.tables(ws) if t.kind == "ir"), None)


def use_table(ws: Workspace, name: str, *, actor: str) -> drl.DrlTable:
    """Make ``name`` the table its kind's audit (and the report) compares with."""
    table = drl.get(ws, name)
    chosen = stored_tables.get(ws, drl.NAMESPACE, TABLES_KEY, {}) or {}
    stored_tables.put(ws, drl.NAMESPACE, TABLES_KEY, {**chosen, table.kind: table.name}, actor=actor)
    return table
