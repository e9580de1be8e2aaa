"""The pre-export check: what a peer reviewer would criticise, found before the pack goes out.

Each finding names the statement (so the GUI can go there and the command line can say which) and
what is wrong. None stops an export: the user may export anyway. The check of evidence documents
for NHS numbers reads the stored files (docx, xlsx, csv, txt, pdf) and says where, never the number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qsi_desktop.export.names import evidence_label
from qsi_desktop.export.pack_data import PackData
from qsi_desktop.store.evidence_files import EvidenceFileStore

Progress = Callable[[int, int, str], None]

KINDS = {
    "met-without-evidence": "met, but no evidence is linked",
    "evidence-past-review": "evidence past its review date",
    "not-applicable-unjustified": "not applicable, with no justification",
    "action-overdue": "action past its due date",
    "not-started": "not started",
    "nhs-number": "a likely NHS number in an evidence document",
    "evidence-unreadable": "an evidence file could not be checked",
}


@dataclass(frozen=True)
class Finding:
    kind: str  # a key of KINDS
    ref: str | None  # the statement to go to (None: not tied to one)
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "statement": self.ref, "message": self.message}


def check(
    data: PackData,
    files: EvidenceFileStore | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[Finding]:
    """Findings in the order a reviewer reads the pack; ``files``: also scan evidence documents."""
    as_of = data.options.as_of
    findings: list[Finding] = []
    for part in data.parts:
        for entry in part.entries:
            ref = entry.statement.ref
            if not entry.applicable:
                if not entry.reason.strip():
                    findings.append(
                        Finding("not-applicable-unjustified", ref, f"{ref} is not applicable with no reason given")
                    )
                continue
            if entry.status == "met" and not entry.evidence:
                findings.append(Finding("met-without-evidence", ref, f"{ref} is met but no evidence is linked"))
            if entry.status == "not_started":
                findings.append(Finding("not-started", ref, f"{ref} is not started"))
            for action in entry.actions:
                if action.overdue(as_of):
                    findings.append(
                        Finding(
                            "action-overdue",
                            ref,
                            f"{ref}: action '{_short(action.description)}' was due {action.due_on}",
                        )
                    )
    in_pack = {entry.statement.ref for part in data.parts for entry in part.entries if entry.applicable}
    for item in data.evidence:
        refs = sorted(item.refs & in_pack)
        if item.review_overdue(as_of) and refs:
            findings.append(
                Finding(
                    "evidence-past-review",
                    refs[0],
                    f"{evidence_label(item.id)} '{_short(item.title)}' was due for review on {item.review_due_on} "
                    f"(supports {', '.join(refs)})",
                )
            )
    if files is not None:
        findings += scan_evidence(data, files, progress, cancel)
    return findings


def scan_evidence(
    data: PackData,
    files: EvidenceFileStore,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[Finding]:
    """Likely NHS numbers in the stored evidence documents, by file and place (never the number)."""
    from qsi_desktop.export.bundle import ExportCancelled
    from qsi_desktop.export.scan import scan_file

    progress = progress or (lambda done, total, message: None)
    stored = [item for item in data.evidence if item.file_sha256]
    findings: list[Finding] = []
    for number, item in enumerate(stored, start=1):
        if cancel is not None and cancel():
            raise ExportCancelled("the export was cancelled: nothing was written")
        progress(number - 1, len(stored), f"checking {item.title}")
        label = f"{evidence_label(item.id)} '{_short(item.title)}'"
        ref = min(item.refs) if item.refs else None
        result = scan_file(files.path_for(item.file_sha256 or ""), item.file_name or item.title)
        for found in result.findings:
            findings.append(Finding("nhs-number", ref, f"{label}: what looks like an NHS number at {found.location}"))
        for _name, reason in result.skipped:
            if not reason.endswith("files are not checked"):  # a type the scan does not read is no problem
                findings.append(Finding("evidence-unreadable", ref, f"{label}: {reason}"))
    progress(len(stored), len(stored), "evidence checked")
    return findings


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
