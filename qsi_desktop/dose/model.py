"""What the reader hands out: one exam's dose report, or why a file is not one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["ct", "projection"]


@dataclass
class DoseReport:
    """One exam's dose report: ``data`` holds what audits need and nothing identifying.

    The UIDs are here only so that the importer can hash them (``context.keyed_hash``); they never
    go into ``data``, a reason or a log.
    """

    kind: Kind
    data: dict[str, Any]
    sop_uid: str = field(repr=False)
    study_uid: str = field(repr=False)
    first_event_uid: str = field(default="", repr=False)

    @property
    def events(self) -> int:
        return len(self.data.get("events") or ())


class NotUsable(Exception):
    """A file (or archive member) the reader cannot use: ``kind`` "skipped" when it is simply not a
    dose report, "rejected" when it is broken. The message is the reason: never patient data."""

    def __init__(self, reason: str, kind: Literal["rejected", "skipped"] = "rejected") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


def skipped(reason: str) -> NotUsable:
    return NotUsable(reason, "skipped")
