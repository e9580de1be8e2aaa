"""Irradiation events as both templates give them, and what the reader works out from them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Event:
    data: dict[str, Any]  # what the record keeps
    uid: str = field(default="", repr=False)  # Irradiation Event UID (113769): hashed only
    started: str | None = None  # DateTime Started (111526), as written


@dataclass
class Extracted:
    events: list[Event] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    started: str | None = None  # Start of X-Ray Irradiation (113809)


def earliest(events: list[Event]) -> Event | None:
    """The study's first event by DateTime Started; events without one come after, in document order.

    It names a report's series of cumulative re-sends: every re-send starts with the same event."""
    if not events:
        return None
    return min(enumerate(events), key=lambda pair: (_sortable(pair[1].started), pair[0]))[1]


def _sortable(value: str | None) -> str:
    digits = re.sub(r"\D", "", (value or "").split("+")[0].split("-")[0])
    return digits.ljust(20, "0") if len(digits) >= 8 else "~"  # "~" sorts after every digit
