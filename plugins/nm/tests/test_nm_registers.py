"""The radiopharmaceutical SOP register: sections a-f, gaps and overdue reviews, in the register and the pack."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from qsi_plugin_nm.registers import SOP_SECTIONS, SOPS, render_sops, sop_flags

from qsi_desktop.plugins.testing import SimpleReportContext
from qsi_desktop.plugins.types import Paragraph, Table
from qsi_desktop.services import register_io
from qsi_desktop.services.app import App
from qsi_desktop.store.workspace import NewProfile, Workspace


def test_sops_import_from_csv_and_flag_gaps_and_overdue_reviews(tmp_path: Path) -> None:
    app = App.load(plugins=["qsi_plugin_nm.plugin"])
    path = tmp_path / "sops.csv"
    path.write_bytes(
        "SOP section,SOP title,Document owner,Issue,Next review\r\n"
        "a. Ordering,Ordering radiopharmaceuticals,Lead radiographer,3,01/09/2026\r\n"
        "b,Transport of radioactive materials,RPS,2,01/01/2026\r\n"
        "Receipt,Receipt and returns,RPS,1,\r\n"
        "g. Waste,Waste,RPS,1,01/01/2027\r\n".encode("cp1252")
    )
    with Workspace.create(
        tmp_path / "ws", NewProfile("R", "", (), ("NM",), {}), framework_id=app.framework_id, actor="t"
    ) as ws:
        result = register_io.preview(ws, SOPS, path)
        assert [(i.row, i.reason.split(":")[0]) for i in result.issues] == [(3, "Section"), (5, "Section")]
        assert [values["section"] for _n, values in result.rows] == ["a. Ordering", "c. Receipt"]
    rows = [{**values, "id": n} for n, values in result.rows]
    rows.append({"section": "b. Transport", "document": "Transport", "review_date": "2026-01-01", "evidence": 4})
    as_of = date(2026, 6, 1)
    assert sop_flags(rows[0], as_of) == ["no evidence document linked"]
    assert sop_flags(rows[1], as_of) == ["no evidence document linked", "no review date"]
    assert sop_flags(rows[2], as_of) == ["review overdue"]
    blocks = render_sops(SimpleReportContext(as_of=as_of, rows_by_register={SOPS.id: rows}))
    assert blocks[0] == Paragraph(
        "3 of the 6 sections have no SOP recorded and 1 is past its review date.", style="warning"
    )
    table = blocks[1]
    assert isinstance(table, Table) and [r[0] for r in table.rows] == list(SOP_SECTIONS)
    assert [r[-1] for r in table.rows][3:] == ["gap: no SOP recorded"] * 3
    assert table.rows[1][-1] == "review overdue"
