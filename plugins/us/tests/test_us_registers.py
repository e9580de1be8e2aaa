"""The transducer register: a vendor export with 'Probe Serial No.' maps, and the decontamination
report lists the log's probes the register does not know."""

from __future__ import annotations

from pathlib import Path

from qsi_plugin_us.registers import TRANSDUCERS, unknown_probes
from qsi_plugin_us.report import render

from qsi_desktop.plugins.testing import SimpleReportContext
from qsi_desktop.plugins.types import Paragraph
from qsi_desktop.services import register_io, registers
from qsi_desktop.services.app import App
from qsi_desktop.store.workspace import NewProfile, Workspace


def test_a_vendor_export_imports_and_unknown_probes_are_listed(tmp_path: Path) -> None:
    app = App.load(plugins=["qsi_plugin_us.plugin"])
    path = tmp_path / "probes.csv"
    path.write_bytes(
        "\ufeffProbe Serial No.,Manufacturer,Model,Probe type,Room,Intracavity/surface\r\n"
        "TV-1,GE,IC5-9-D,Endocavity,Room 2,intracavity\r\n"
        "L-7,Philips,eL18-4,Linear,Room 1,Surface\r\n"
        ",Philips,C5-1,Curvilinear,Room 1,Surface\r\n".encode()
    )
    with Workspace.create(
        tmp_path / "ws", NewProfile("R", "", (), ("US",), {}), framework_id=app.framework_id, actor="t"
    ) as ws:
        result = register_io.preview(ws, TRANSDUCERS, path)
        assert {c.header: c.field for c in result.columns}["Probe Serial No."] == "probe"
        assert [(i.row, i.reason) for i in result.issues] == [(4, "Probe id: required")]
        register_io.commit(ws, TRANSDUCERS, result, actor="t")
        rows = registers.rows_for_report(ws, app, TRANSDUCERS.id)
    assert [r["use"] for r in rows] == ["Intracavity", "Surface"]
    log = [
        {"probe": "tv-1", "month": "2026-03", "hld_required": True, "compliant": True, "cycle_recorded": True},
        {"probe": "TV-9", "month": "2026-03", "hld_required": True, "compliant": True, "cycle_recorded": True},
        {"probe": "X 2", "month": "2026-03", "hld_required": False, "compliant": True, "cycle_recorded": False},
    ]
    for record in log:
        record["date"] = "2026-03-02"
    assert unknown_probes(log, rows) == ["TV-9", "X 2"]
    blocks = render(
        SimpleReportContext(records_by_importer={"us-decontamination": log}, rows_by_register={TRANSDUCERS.id: rows})
    )
    assert Paragraph("2 probes in the log are not in the transducer register: TV-9, X 2.", style="warning") in blocks
    without = render(SimpleReportContext(records_by_importer={"us-decontamination": log}))
    assert any("No transducer register is kept" in getattr(b, "text", "") for b in without)
