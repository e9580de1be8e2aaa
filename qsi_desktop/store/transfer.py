"""Copy a workspace's database to another engine (SQLite to PostgreSQL and back), losing nothing.

Every row of every table, ids kept (the audit trail's references stay true), in one transaction on
the target; then every row is read back from both sides and compared in that same transaction, so
a copy that differs in any value is rolled back, not left half right. PostgreSQL's id sequences
are moved past the copied ids. The source is read inside its write lock: nobody writes meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import zip_longest
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, func, insert, select, text, update

from qsi_desktop.store.engine import WRITE_OPTION
from qsi_desktop.store.models import Base

BATCH = 2_000
Progress = Callable[[int, int, str], None]


class TransferError(RuntimeError):
    """The copy differs from its source, or the target was not empty; nothing was kept."""


def tables() -> list[Table]:
    """Every table of the models, parents before children."""
    return list(Base.metadata.sorted_tables)


def copy_database(
    source: Engine,
    target: Engine,
    *,
    before_commit: Callable[[Connection], None] | None = None,
    on_progress: Progress | None = None,
) -> dict[str, int]:
    """Copy all rows from ``source`` into ``target`` (migrated to the same revision, empty) and compare.

    ``before_commit`` runs in the target's transaction after the comparison (the caller's last
    step that must succeed for the copy to count). Returns the row count per table."""
    counts: dict[str, int] = {}
    with (
        source.connect().execution_options(**{WRITE_OPTION: True}) as src,
        src.begin(),
        target.connect().execution_options(**{WRITE_OPTION: True}) as dst,
        dst.begin(),
    ):
        all_tables = tables()
        for number, table in enumerate(all_tables, start=1):
            if dst.execute(select(func.count()).select_from(table)).scalar():
                raise TransferError(f"the target table {table.name} is not empty")
            counts[table.name] = _copy_table(src, dst, table)
            if on_progress:
                on_progress(number, len(all_tables) * 2, f"copied {table.name}")
        if dst.dialect.name == "postgresql":
            _reset_sequences(dst, all_tables)
        for number, table in enumerate(all_tables, start=len(all_tables) + 1):
            difference = _difference(src, dst, table)
            if difference:
                raise TransferError(difference)
            if on_progress:
                on_progress(number, len(all_tables) * 2, f"compared {table.name}")
        if before_commit is not None:
            before_commit(dst)
    return counts


def compare_databases(a: Engine, b: Engine) -> list[str]:
    """The differences between two databases' rows, table by table (empty: identical)."""
    found = []
    with a.connect() as left, b.connect() as right:
        for table in tables():
            difference = _difference(left, right, table)
            if difference:
                found.append(difference)
    return found


def _self_references(table: Table) -> list[str]:
    # A row may point at a later row of its own table (an evidence item superseded by a newer one):
    # such columns are filled in after every row is in.
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _copy_table(src: Connection, dst: Connection, table: Table) -> int:
    later = _self_references(table)
    pending: list[dict[str, Any]] = []
    count = 0
    for batch in _batches(src, table):
        rows = [dict(row) for row in batch]
        if later:
            linked = [row for row in rows if any(row[c] is not None for c in later)]
            pending.extend({"_id": row["id"], **{c: row[c] for c in later}} for row in linked)
            rows = [{**row, **dict.fromkeys(later)} for row in rows]
        dst.execute(insert(table), rows)
        count += len(rows)
    if pending:
        statement = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in later})
        dst.execute(statement, pending)
    return count


def _batches(connection: Connection, table: Table) -> Iterator[list[Any]]:
    result = connection.execution_options(yield_per=BATCH).execute(select(table).order_by(*table.primary_key.columns))
    for partition in result.mappings().partitions(BATCH):
        yield list(partition)


def _reset_sequences(dst: Connection, all_tables: list[Table]) -> None:
    for table in all_tables:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        sequence = dst.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
        if sequence:
            top = dst.execute(select(func.max(table.c.id))).scalar()
            values = {"s": sequence, "v": top or 1, "called": top is not None}
            dst.execute(text("SELECT setval(:s, :v, :called)"), values)


def _difference(left: Connection, right: Connection, table: Table) -> str | None:
    for number, (a, b) in enumerate(zip_longest(_rows(left, table), _rows(right, table), fillvalue=None), start=1):
        if a != b:
            if a is None or b is None:
                return f"table {table.name}: the row counts differ (from row {number})"
            changed = sorted(key for key in a if a[key] != b.get(key))
            return f"table {table.name}: row {number} differs in {', '.join(changed) or 'its columns'}"
    return None


def _rows(connection: Connection, table: Table) -> Iterator[dict[str, Any] | None]:
    for batch in _batches(connection, table):
        yield from (dict(row) for row in batch)
