"""Report section ``mg.phantom-summary``: phantom test pass rate per unit over the last 12 months."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from qsi_desktop.plugins.types import Paragraph, ReportBlock, ReportContext, ReportSection, Table
from qsi_plugin_example.phantom_log import NAME as PHANTOM_LOG


def pass_rate(passed: int, tests: int) -> str:
    """Rounded down to a whole percent, so 199 of 200 never shows as 100%."""
    return f"{passed * 100 // tests}%" if tests else "n/a"


def render(context: ReportContext) -> list[ReportBlock]:
    until = context.as_of
    since = until - timedelta(days=365)
    records = context.records(PHANTOM_LOG, since=since, until=until)
    if not records:
        return [Paragraph(f"No phantom tests recorded between {since} and {until}.", style="note")]
    by_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_unit[str(record.get("unit", ""))].append(record)
    rows = []
    for unit, tests in sorted(by_unit.items()):
        passed = sum(1 for t in tests if t.get("result") == "pass")
        last = max(str(t.get("date", "")) for t in tests)
        rows.append((unit, str(len(tests)), str(passed), str(len(tests) - passed), pass_rate(passed, len(tests)), last))
    failed = sum(int(row[3]) for row in rows)
    blocks: list[ReportBlock] = [
        Paragraph(
            f"{len(records)} phantom image quality tests of {len(by_unit)} units between {since} and {until}; "
            f"{failed} failed."
        ),
        Table(
            ("Unit", "Tests", "Passed", "Failed", "Pass rate", "Last test"),
            tuple(rows),
            caption="Phantom image quality tests by unit",
        ),
    ]
    if failed:
        blocks.append(
            Paragraph("Check that each failed test was followed by a passing re-test (MG-901).", style="warning")
        )
    return blocks


PHANTOM_SUMMARY = ReportSection(
    id="mg.phantom-summary",
    title="Mammography phantom image quality",
    render=render,
    modality="MG",
    order=450,
    section_ref="MG-9",
    statement_refs=("MG-901",),
)
