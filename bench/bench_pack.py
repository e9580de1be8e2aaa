"""The Word pack at size: all 80 statements assessed, 1,000 evidence items, a plugin appendix of
10,000 records with charts; against python-docx building a bare document of the same headings and
tables in the same run. Prints the split by stage.

    python bench/bench_pack.py [--evidence 1000] [--records 10000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType

import docx

from qsi_desktop import hookimpl
from qsi_desktop.export import charts
from qsi_desktop.export.pack import render_pack
from qsi_desktop.export.pack_data import PackOptions, gather
from qsi_desktop.plugins.types import (
    Figure,
    ImportContext,
    ImportedRecord,
    Importer,
    Paragraph,
    ReportBlock,
    ReportContext,
    ReportSection,
    Table,
)
from qsi_desktop.services import evidence, importing
from qsi_desktop.services.app import App
from qsi_desktop.services.assessments import AssessmentChange, assess
from qsi_desktop.store.workspace import NewProfile, Workspace

PLUGINS = [f"qsi_plugin_{m}.plugin" for m in ("ct", "ir", "mr", "nm", "us")]
STATUSES = ("met", "partially_met", "in_progress", "not_met", "not_started")


def _read(path: Path, context: ImportContext) -> Iterator[ImportedRecord]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            unit, month, value = line.rstrip("\n").split(",")
            yield ImportedRecord(
                context.keyed_hash(str(number)), {"unit": unit, "value": float(value)}, path.name, number, month
            )


def _render(context: ReportContext) -> list[ReportBlock]:
    records = context.records("bench-log")
    units = sorted({r["unit"] for r in records})
    means = [sum(r["value"] for r in records if r["unit"] == u) / max(1, len(records)) for u in units]
    chart = charts.bar_chart(
        units,
        means,
        title="Mean value by unit",
        value_label="Mean",
        caption="Mean by unit",
        alt_text_intro="Mean value by unit",
    )
    rows = tuple((r["occurred_on"], r["unit"], r["value"]) for r in records)
    return [
        Paragraph(f"{len(records)} records."),
        chart,
        Table(("Month", "Unit", "Value"), rows, caption="Every record"),
    ]


def _plugin() -> ModuleType:
    module = ModuleType("bench_pack_plugin")
    module.PLUGIN_NAME = "bench"

    @hookimpl
    def qsi_register_importers() -> list[Importer]:
        return [Importer(name="bench-log", title="Bench log", patterns=("*.csv",), read=_read)]

    @hookimpl
    def qsi_register_report_sections() -> list[ReportSection]:
        return [ReportSection("bench.appendix", "Benchmark appendix", _render)]

    module.qsi_register_importers = qsi_register_importers
    module.qsi_register_report_sections = qsi_register_report_sections
    return module


def build(root: Path, app: App, evidence_items: int, records: int) -> Workspace:
    profile = NewProfile("Bench Imaging", "Bench NHS FT", ("Site A",), ("CT", "IR", "MR", "NM", "US"))
    ws = Workspace.create(root / "ws", profile, framework_id=app.framework_id, actor="bench")
    refs = [s.ref for s in app.catalogue.statements()]
    for number, ref in enumerate(refs):
        narrative = "Policy in place, audited annually; results reviewed at the quality meeting. " * 3
        assess(
            ws,
            app,
            ref,
            AssessmentChange(status=STATUSES[number % 5], owner="Quality Lead", narrative=narrative),
            actor="bench",
        )
    folder = root / "evidence"
    folder.mkdir()
    for number in range(evidence_items):
        source = folder / f"doc-{number}.txt"
        source.write_text(f"Procedure {number}\n" * 20, encoding="utf-8")
        targets = [refs[number % len(refs)], refs[(number * 7) % len(refs)]]
        details = evidence.EvidenceDetails(
            title=f"Procedure {number}", version="1.0", owner="Owner", review_due_on=date(2027, 1, 1), targets=targets
        )
        evidence.add_file(ws, app, source, details, actor="bench")
    log = root / "log.csv"
    log.write_text(
        "".join(f"Unit {n % 12},2026-{1 + n % 12:02d},{n % 100}\n" for n in range(records)), encoding="utf-8"
    )
    importing.run_import(ws, app, "bench-log", [log], actor="bench")
    return ws


def bare_document(out: Path, headings: list[tuple[int, str]], tables: list[tuple[int, int]], png: bytes) -> float:
    """python-docx's plain API: the same headings, tables (rows x columns) and picture, nothing else."""
    import io

    start = time.perf_counter()
    document = docx.Document()
    per_heading = max(1, len(tables) // max(1, len(headings)))
    remaining = list(tables)
    for level, text in headings:
        document.add_heading(text, level=min(level, 3))
        for _ in range(per_heading):
            if not remaining:
                break
            rows, columns = remaining.pop(0)
            table = document.add_table(rows=0, cols=columns)
            for r in range(rows):
                cells = table.add_row().cells
                for c in range(columns):
                    cells[c].text = f"cell {r}.{c}"
    for rows, columns in remaining:
        table = document.add_table(rows=0, cols=columns)
        for r in range(rows):
            cells = table.add_row().cells
            for c in range(columns):
                cells[c].text = f"cell {r}.{c}"
    document.add_picture(io.BytesIO(png))
    document.save(str(out))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--evidence", type=int, default=1000)
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    app = App.load([*PLUGINS, _plugin()])
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        started = time.perf_counter()
        ws = build(root, app, args.evidence, args.records)
        print(
            f"workspace: {len(app.catalogue)} statements, {args.evidence} evidence items, {args.records:,} records "
            f"(built in {time.perf_counter() - started:.1f} s)"
        )
        out = root / "pack.docx"
        t0 = time.perf_counter()
        data = gather(ws, app, PackOptions())
        t1 = time.perf_counter()
        summary = render_pack(data, out)
        total = time.perf_counter() - t0
        ws.close()
        document = docx.Document(str(out))
        headings = [(int(p.style.name[-1]), p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
        tables = [(len(t.rows), len(t.columns)) for t in document.tables]
        figure: Figure = charts.status_counts({"met": 1})
        bare = bare_document(root / "bare.docx", headings, tables, figure.png)
        print(
            f"pack: {total:.2f} s for {summary.statements} entries, {summary.tables} tables "
            f"({sum(r for r, _ in tables):,} rows), {summary.pictures} pictures, {out.stat().st_size / 1e6:.1f} MB"
        )
        print(f"  read the workspace and render plugin sections: {t1 - t0:.2f} s")
        for stage, seconds in summary.seconds.items():
            print(f"  {stage}: {seconds:.2f} s")
        print(
            f"bare python-docx document, same {len(headings)} headings and {len(tables)} tables: {bare:.2f} s; "
            f"the pack takes {total / bare:.2f}x that"
        )


if __name__ == "__main__":
    main()
