"""The MR environment monitoring log (MR-903): temperature, humidity and oxygen readings per room,
checked against the limits the service keeps for each room (the scanner maker's figures: none are
shipped). Importer ``mr-environment``; register ``mr.environment-limits``; report section.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from qsi_desktop.plugins.types import (
    Importer,
    Paragraph,
    Register,
    RegisterField,
    ReportBlock,
    ReportContext,
    ReportSection,
    Table,
)
from qsi_desktop.tabular import TABLE_PATTERNS, Row, RowRecord, RowRejected, TableImport, parse_date, parse_measure

NAME = "mr-environment"
MEASURES = {  # field -> (label, unit, plausible range: outside it a reading is a typing error, not a reading)
    "temperature_c": ("Temperature", "°C", (-10.0, 60.0)),
    "humidity_pct": ("Humidity", "%", (0.0, 100.0)),
    "oxygen_pct": ("Oxygen", "%", (0.0, 30.0)),
}

COLUMNS = {
    "date": ("date", "reading date", "date checked", "check date"),
    "time": ("time", "reading time"),
    "room": ("room", "scanner room", "unit", "mr unit", "location"),
    "temperature_c": ("temperature", "temp", "room temperature", "temperature c", "temp c"),
    "humidity_pct": ("humidity", "relative humidity", "rh", "humidity %", "rh %"),
    "oxygen_pct": ("oxygen", "o2", "oxygen level", "o2 %", "oxygen %"),
}
REQUIRED = ("date", "room")


def _reading(row: Row, field: str) -> float | None:
    label, _unit, (low, high) = MEASURES[field]
    return parse_measure(row.get(field), label.lower(), low, high, units=("c", "°c", "%"))


def parse_row(row: Row) -> RowRecord:
    try:
        taken = parse_date(row.get("date"))
    except ValueError as exc:
        raise RowRejected(f"date: {exc}") from None
    room = " ".join(row.get("room").split())
    readings = {field: _reading(row, field) for field in MEASURES}
    if all(value is None for value in readings.values()):
        raise RowRejected("no temperature, humidity or oxygen reading")
    iso = taken.isoformat()
    return RowRecord(
        identity=(iso, row.get("time"), room.lower()),
        data={"date": iso, "month": iso[:7], "room": room, **readings},
        occurred_on=iso,
    )


SPEC = TableImport(name=NAME, columns=COLUMNS, required=REQUIRED, parse=parse_row, repeats="count")
read = SPEC.read
run = SPEC.run  # every file in one batch, for tests and scripts

IMPORTER = Importer(
    name=NAME,
    title="MR environment monitoring log",
    read=read,
    parallel=True,  # a long log is read in another process while the core stores it
    patterns=TABLE_PATTERNS,
    modality="MR",
    description="Readings of temperature, humidity and oxygen per MR room, with the date (and time).",
    statement_refs=("MR-903",),
    columns=("date", "room", "temperature_c", "humidity_pct", "oxygen_pct"),
    free_text=("room",),
)


def _limit_field(field: str, bound: str) -> RegisterField:
    label, unit, (low, high) = MEASURES[field]
    key = f"{field}_{bound}"
    return RegisterField(key, f"{label} {bound}", kind="number", unit=unit, minimum=low, maximum=high)


LIMITS = Register(
    id="mr.environment-limits",
    title="MR environment limits",
    modality="MR",
    statement_refs=("MR-903",),
    description="For each MR room, the range its scanner's maker specifies for temperature, humidity and oxygen.",
    key_fields=("room",),
    fields=(
        RegisterField("room", "Room", aliases=("scanner room", "unit", "mr unit")),
        *(_limit_field(field, bound) for field in MEASURES for bound in ("min", "max")),
        RegisterField("source", "Source", aliases=("reference", "from")),
    ),
)


def out_of_range(record: dict[str, Any], limits: dict[str, Any]) -> list[str]:
    """Which readings of ``record`` fall outside the room's ``limits`` (a bound not set is not checked)."""
    found = []
    for field, (label, _unit, _range) in MEASURES.items():
        value = record.get(field)
        low, high = limits.get(f"{field}_min"), limits.get(f"{field}_max")
        if value is None:
            continue
        if (low is not None and value < float(low)) or (high is not None and value > float(high)):
            found.append(label.lower())
    return found


def render(context: ReportContext) -> list[ReportBlock]:
    records = context.records(NAME)
    if not records:
        return [Paragraph("No MR environment monitoring log has been imported.", style="note")]
    limits = {" ".join(str(r.get("room", "")).lower().split()): r for r in context.register_rows(LIMITS.id)}
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # readings, outside, unchecked
    outside: list[tuple[Any, ...]] = []
    for record in records:
        room = str(record.get("room"))
        counts = tally[(room, str(record.get("month")))]
        counts[0] += 1
        room_limits = limits.get(" ".join(room.lower().split()))
        if room_limits is None:
            counts[2] += 1
            continue
        measures = out_of_range(record, room_limits)
        if measures:
            counts[1] += 1
            outside.append((record.get("date"), room, ", ".join(measures)))
    blocks: list[ReportBlock] = [
        Paragraph(
            f"{len(records)} readings in {len({room for room, _ in tally})} rooms; {len(outside)} outside the room's "
            "limits."
            + (
                ""
                if limits
                else " No limits are recorded yet: add them to the MR environment limits "
                "register to check the readings."
            )
        ),
        Table(
            ("Room", "Month", "Readings", "Outside the limits", "Not checked (no limits)"),
            tuple((room, month, *counts) for (room, month), counts in sorted(tally.items())),
            caption="MR environment readings by room and month",
        ),
    ]
    if outside:
        blocks.append(Table(("Date", "Room", "Outside"), tuple(outside[:50]), caption="Readings outside the limits"))
    return blocks


ENVIRONMENT_SECTION = ReportSection(
    id="mr.environment",
    title="MR environment monitoring",
    render=render,
    modality="MR",
    order=330,
    section_ref="MR-9",
    statement_refs=("MR-903",),
)
