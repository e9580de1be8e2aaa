"""Registers: typed values, add/edit/retire with history, concurrency, .xlsx/.csv import through the
mapping step, .xlsx export and the ``qsi register`` commands, on a sample register of every field kind."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from types import ModuleType

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from qsi_desktop import hookimpl
from qsi_desktop.plugins.types import Register, RegisterField
from qsi_desktop.services import evidence, register_io, registers, stored_tables
from qsi_desktop.services.app import App
from qsi_desktop.services.errors import UserError
from qsi_desktop.store.models import RegisterRow
from qsi_desktop.store.workspace import NewProfile, Workspace
from tests.conftest import ALL_PLUGINS

NHS_NUMBER = "943 476 5919"  # a valid check digit: the kind of number that must never be kept

KIT = Register(
    id="sample.kit",
    title="Sample kit register",
    key_fields=("site", "item"),
    fields=(
        RegisterField("site", "Site", aliases=("hospital",)),
        RegisterField("item", "Item", aliases=("equipment", "device")),
        RegisterField("kind", "Kind", kind="choice", choices=("Scanner", "Coil", "Monitor"), required=True),
        RegisterField("field_strength", "Field strength", kind="number", unit="T", minimum=0, maximum=12),
        RegisterField("installed", "Installed", kind="date", aliases=("install date",)),
        RegisterField("in_use", "In use", kind="boolean"),
        RegisterField("manual", "Manual", kind="file"),
        RegisterField("evidence", "Evidence", kind="evidence"),
        RegisterField("notes", "Notes"),
    ),
    statement_refs=("XR-101",),
    flags=lambda values, as_of: ["not in use"] if values.get("in_use") is False else [],
)


def _sample_plugin() -> ModuleType:
    module = ModuleType("sample_registers")

    @hookimpl
    def qsi_register_registers() -> list[Register]:
        return [KIT]

    module.PLUGIN_NAME = "sample"  # type: ignore[attr-defined]
    module.qsi_register_registers = qsi_register_registers  # type: ignore[attr-defined]
    return module


SAMPLE = _sample_plugin()


@pytest.fixture(scope="module")
def app() -> App:
    return App.load(plugins=[*ALL_PLUGINS, SAMPLE])


@pytest.fixture
def ws(tmp_path: Path, app: App, backend) -> Workspace:
    workspace = Workspace.create(
        tmp_path / "ws",
        NewProfile("Riverside Imaging", "Riverside NHS FT", ("General",), ("MR", "NM", "US"), {"paediatric": True}),
        framework_id=app.framework_id,
        actor="test-user",
        database=backend.new_database(),
    )
    yield workspace
    workspace.close()


def _row(**values: object) -> dict[str, object]:
    return {"site": "Main", "item": "Scanner 1", "kind": "scanner", **values}


# -- values ----------------------------------------------------------------------------------------


def test_values_are_checked_and_stored_in_their_kind() -> None:
    values = registers.clean_values(
        KIT,
        _row(field_strength="1.5 T", installed="05/03/2021", in_use="Yes", evidence="E-007", manual=" SOP  1.pdf "),
    )
    assert values == {
        "site": "Main",
        "item": "Scanner 1",
        "kind": "Scanner",
        "field_strength": 1.5,
        "installed": "2021-03-05",
        "in_use": True,
        "evidence": 7,
        "manual": "SOP 1.pdf",
    }
    assert registers.clean_values(KIT, _row(field_strength=3, installed=date(2020, 1, 2)))["field_strength"] == 3


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (_row(kind="Gadget"), "Kind: not one of Scanner, Coil, Monitor"),
        (_row(field_strength="strong"), "Field strength: not a number of T"),
        (_row(field_strength="15"), "Field strength: outside 0-12 T"),
        (_row(installed="31/02/2021"), "Installed: not a date"),
        (_row(in_use="maybe"), "In use: say yes or no"),
        (_row(evidence="the SOP"), "Evidence: give an evidence item as E-014"),
        ({"site": "Main", "kind": "Coil"}, "Item: required"),
        (_row(colour="red"), "has no field 'colour'"),
        (_row(notes=f"patient {NHS_NUMBER} scanned"), "Notes contains what looks like an NHS number"),
    ],
)
def test_bad_values_are_refused_saying_why(values: dict[str, object], message: str) -> None:
    with pytest.raises(UserError, match=message) as caught:
        registers.clean_values(KIT, values)
    assert "943" not in str(caught.value)


# -- add, edit, retire, history --------------------------------------------------------------------


@pytest.mark.backends
def test_add_edit_retire_with_history_in_the_audit_trail(ws: Workspace, backend) -> None:
    row = registers.add_row(ws, KIT, _row(field_strength="1.5"), actor="lead")
    with pytest.raises(UserError, match=re.escape("already has Main | Scanner 1")):
        registers.add_row(ws, KIT, _row(item=" scanner  1 "), actor="lead")  # case and spaces ignored
    edited = registers.edit_row(
        ws, KIT, row.id, _row(field_strength="3"), expected_version=row.row_version, actor="physicist"
    )
    assert edited.values["field_strength"] == 3 and edited.row_version == row.row_version + 1
    registers.retire_row(ws, KIT, row.id, expected_version=edited.row_version, actor="lead")
    assert registers.list_rows(ws, KIT) == []
    (retired,) = registers.list_rows(ws, KIT, include_retired=True)
    assert retired.retired and retired.retired_by == backend.actor("lead") and retired.retired_at is not None
    trail = registers.history(ws, row.id)
    lead, physicist = backend.actor("lead"), backend.actor("physicist")
    assert [(e.action, e.actor) for e in trail] == [("create", lead), ("update", physicist), ("update", lead)]
    assert trail[1].before == {"values": {**registers.clean_values(KIT, _row(field_strength=1.5))}}
    assert trail[1].after["values"]["field_strength"] == 3
    assert trail[2].after["retired"] is True
    # Adding the same key again brings the row back, with the new values, as the same row.
    back = registers.add_row(ws, KIT, _row(kind="Coil"), actor="lead")
    assert back.id == row.id and not back.retired and back.values["kind"] == "Coil"


@pytest.mark.backends
def test_an_edit_on_a_stale_copy_fails_and_keeps_the_other_edit(ws: Workspace, backend) -> None:
    row = registers.add_row(ws, KIT, _row(), actor="a")
    registers.edit_row(ws, KIT, row.id, _row(notes="first"), expected_version=row.row_version, actor="a")
    with pytest.raises(UserError, match=re.escape(f"was changed by {backend.actor('a')} meanwhile; reload")):
        registers.edit_row(ws, KIT, row.id, _row(notes="second"), expected_version=row.row_version, actor="b")
    with pytest.raises(UserError, match=re.escape(f"changed by {backend.actor('a')} meanwhile")):
        registers.retire_row(ws, KIT, row.id, expected_version=row.row_version, actor="b")
    assert registers.get_row(ws, KIT, row.id).values["notes"] == "first"


def test_an_edit_may_not_take_another_rows_key(ws: Workspace) -> None:
    registers.add_row(ws, KIT, _row(), actor="a")
    other = registers.add_row(ws, KIT, _row(item="Scanner 2"), actor="a")
    with pytest.raises(UserError, match=re.escape("already has Main | Scanner 1")):
        registers.edit_row(ws, KIT, other.id, _row(), expected_version=None, actor="a")


def test_evidence_must_exist_in_the_workspace(ws: Workspace, app: App, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no evidence item E-001"):
        registers.add_row(ws, KIT, _row(evidence="E-001"), actor="a")
    document = tmp_path / "sop.txt"
    document.write_text("the SOP")
    item = evidence.add_file(ws, app, document, evidence.EvidenceDetails(title="SOP", targets=("XR-101",)), actor="a")
    row = registers.add_row(ws, KIT, _row(evidence=f"E-{item.id:03d}"), actor="a")
    assert row.values["evidence"] == item.id


def test_list_filters_and_sorts_with_empty_values_last(ws: Workspace) -> None:
    for item, strength in (("B", "3"), ("A", "1.5"), ("C", "")):
        registers.add_row(ws, KIT, _row(item=item, field_strength=strength), actor="a")
    by = [r.values["item"] for r in registers.list_rows(ws, KIT, sort="field_strength")]
    assert by == ["A", "B", "C"]
    assert [r.values["item"] for r in registers.list_rows(ws, KIT, sort="field_strength", descending=True)] == [
        "B",
        "A",
        "C",
    ]
    assert [r.values["item"] for r in registers.list_rows(ws, KIT, text="1.5")] == ["A"]


# -- import ----------------------------------------------------------------------------------------


def _workbook(path: Path, rows: list[list[object]], *, merges: tuple[str, ...] = ()) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    book.save(path)
    return path


def _realistic_xlsx(path: Path) -> Path:
    """Title rows, a header merged over two rows and one over two columns, UK dates, blank rows,
    a patient column, a bad row."""
    return _workbook(
        path,
        [
            ["Riverside NHS FT: MR kit register", None, None, None, None, None],
            ["Printed 05/12/2026", None, None, None, None, None],
            ["Hospital", "Equipment", "Kind", "Details", None, "NHS Number"],
            [None, None, None, "Field strength (T)", "Install date", None],
            ["Main", "Scanner 1", "Scanner", 1.5, datetime(2021, 3, 5), NHS_NUMBER],
            [None, None, None, None, None, None],
            ["Main", "Head coil", "coil", None, "05/03/2022", None],
            ["Main", "Monitor", "Gadget", None, None, None],
            ["Main", "Scanner 1", "Scanner", 3, None, None],
            ["North", "Scanner 2", "Scanner", "3", "2020-01-31", None],
        ],
        merges=("A1:F1", "A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:F4"),
    )


@pytest.mark.backends
def test_an_xlsx_import_previews_then_stores_in_one_step(ws: Workspace, tmp_path: Path, backend) -> None:
    path = _realistic_xlsx(tmp_path / "kit.xlsx")
    result = register_io.preview(ws, KIT, path)
    assert result.header_row == 4 and result.sheet == "Sheet"
    used = {c.header: (c.field, c.use) for c in result.columns}
    assert used["Hospital"] == ("site", "matched") and used["Equipment"] == ("item", "matched")
    assert used["Field strength (T)"] == ("field_strength", "matched")
    assert used["Install date"] == ("installed", "matched")
    assert used["NHS Number"] == (None, "patient")
    assert "hospital" in result.spellings["site"]
    assert [(i.row, i.reason) for i in result.issues] == [
        (8, "Kind: not one of Scanner, Coil, Monitor"),
        (9, "the same Site and Item as row 5"),
    ]
    assert (result.new, result.blank_rows, len(result.rows)) == (3, 1, 3)
    assert registers.list_rows(ws, KIT) == []  # nothing stored by a preview
    done = register_io.commit(ws, KIT, result, actor="lead")
    assert (done.added, done.rejected) == (3, 2)
    rows = {r.values["item"]: r.values for r in registers.list_rows(ws, KIT)}
    assert rows["Scanner 1"] == {
        "site": "Main",
        "item": "Scanner 1",
        "kind": "Scanner",
        "field_strength": 1.5,
        "installed": "2021-03-05",
    }
    assert rows["Head coil"]["installed"] == "2022-03-05"  # UK day first
    # The patient column's values are nowhere in the workspace.
    database = backend.stored_bytes(ws)
    assert b"9434765919" not in database and NHS_NUMBER.encode() not in database
    # Importing again changes nothing; a corrected value updates its row.
    again = register_io.preview(ws, KIT, path)
    assert (again.new, again.unchanged, again.updated) == (0, 3, 0)


@pytest.mark.backends
def test_the_mapping_is_chosen_remembered_per_shape_and_used_again(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "vendor.csv"
    path.write_text("Hospital,Asset description,Kind,Probe Serial No.\nMain,Scanner 1,Scanner,X1\n", encoding="utf-8")
    first = register_io.preview(ws, KIT, path)
    assert first.missing == ["Item"]  # "Asset description" is not a known spelling
    with pytest.raises(UserError, match="no column for Item"):
        register_io.commit(ws, KIT, first, actor="a")
    chosen = register_io.preview(ws, KIT, path, mapping={"Asset description": "item", "Kind": ""})
    assert chosen.missing == ["Kind"]  # a column mapped to nothing is not read
    chosen = register_io.preview(ws, KIT, path, mapping={"Asset description": "item", "Probe Serial No.": "notes"})
    assert {c.header: c.use for c in chosen.columns}["Asset description"] == "chosen"
    register_io.commit(ws, KIT, chosen, actor="a")
    # Another file of the same shape (other spelling of case and punctuation) maps itself.
    later = tmp_path / "later.csv"
    later.write_text("HOSPITAL,Asset Description,kind,Probe serial no\nNorth,Scanner 2,Coil,X2\n", encoding="utf-8")
    remembered = register_io.preview(ws, KIT, later)
    assert remembered.remembered and not remembered.missing and remembered.new == 1
    assert stored_tables.keys(ws, "registers") == [f"sample.kit:{register_io.shape_of(chosen_header(path))}"]
    with pytest.raises(UserError, match="has no field 'colour'"):
        register_io.preview(ws, KIT, path, mapping={"Kind": "colour"})


def chosen_header(path: Path) -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8").splitlines()[0].split(","))


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_csv_in_cp1252_and_utf8_with_a_bom(ws: Workspace, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "kit.csv"
    text = "Kit register – Riverside\r\n\r\nSite;Item;Kind;Notes\r\nMain;Café monitor;Monitor;£20 cable\r\n"
    path.write_bytes(text.encode(encoding))
    result = register_io.preview(ws, KIT, path)
    assert not result.issues and result.rows[0][1]["item"] == "Café monitor"
    assert result.rows[0][1]["notes"] == "£20 cable"


def test_an_nhs_number_typed_into_a_kept_column_refuses_the_row(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "kit.csv"
    path.write_text(f"Site,Item,Kind,Notes\nMain,Coil,Coil,used for {NHS_NUMBER}\nMain,Coil 2,Coil,fine\n")
    result = register_io.preview(ws, KIT, path)
    assert [(i.row, i.reason.split(" contains")[0]) for i in result.issues] == [(2, "the Notes")]
    assert "943" not in json.dumps(register_io.preview_dict(result))
    register_io.commit(ws, KIT, result, actor="a")
    assert [r.values["item"] for r in registers.list_rows(ws, KIT)] == ["Coil 2"]


def test_files_that_cannot_be_read_say_so(ws: Workspace, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UserError, match="not an Excel workbook that can be read"):
        register_io.preview(ws, KIT, broken)
    with pytest.raises(UserError, match="file not found"):
        register_io.preview(ws, KIT, tmp_path / "missing.csv")


# -- export ----------------------------------------------------------------------------------------


def test_export_xlsx_is_formula_safe_frozen_filtered_and_imports_back(ws: Workspace, tmp_path: Path) -> None:
    registers.add_row(ws, KIT, _row(notes="=HYPERLINK(1)", installed="2021-03-05", field_strength="1.5"), actor="a")
    retired = registers.add_row(ws, KIT, _row(item="Old"), actor="a")
    registers.retire_row(ws, KIT, retired.id, actor="a")
    out = tmp_path / "kit.xlsx"
    assert register_io.export_xlsx(ws, KIT, out) == 1
    sheet = load_workbook(out).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:I2"
    assert [c.value for c in sheet[1]][:4] == ["Site", "Item", "Kind", "Field strength (T)"]
    row = {h.value: c.value for h, c in zip(sheet[1], sheet[2], strict=True)}
    assert row["Notes"] == "'=HYPERLINK(1)" and row["Installed"] == datetime(2021, 3, 5)
    back = register_io.preview(ws, KIT, out)
    assert (back.new, back.updated, back.unchanged, back.issues) == (0, 1, 0, [])  # the apostrophe is kept


# -- the command line ------------------------------------------------------------------------------


@pytest.fixture
def cli_sample(app: App, cli: Callable[..., object], monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    """``qsi`` in-process with the five plugins and the sample register (``app`` is loaded first)."""
    import qsi_desktop.services.app as app_module

    monkeypatch.setattr(app_module.App, "load", classmethod(lambda cls, plugins=None: app))
    return cli


def test_the_register_commands_end_to_end(cli_sample, tmp_path: Path) -> None:
    cli = cli_sample
    path = tmp_path / "ws"
    assert cli("init", path, "--service", "Riverside", "--modalities", "MR").code == 0
    listed = cli("register", "list", path, "--json")
    assert listed.code == 0
    assert {r["id"]: r["rows"] for r in json.loads(listed.out)}["sample.kit"] == 0
    added = cli("register", "add", path, "sample.kit", "--set", "site=Main", "--set", "item=Coil", "--set", "kind=coil")
    assert added.code == 0 and "row 1 added (Main | Coil)" in added.out
    bad = cli("register", "add", path, "sample.kit", "--set", "site=Main", "--set", "item=X", "--set", "kind=odd")
    assert bad.code == 2 and "Kind: not one of" in bad.err
    source = _realistic_xlsx(tmp_path / "kit.xlsx")
    dry = cli("register", "import", path, "sample.kit", source, "--dry-run")
    assert dry.code == 1 and "would store: 3 new" in dry.out and "row 8: Kind: not one of" in dry.out
    assert "'NHS Number' -> (patient data: not read)" in dry.out
    assert json.loads(cli("register", "show", path, "sample.kit", "--json").out)["rows"][0]["key"] == "Main | Coil"
    done = cli("register", "import", path, "sample.kit", source, "--json")
    assert done.code == 1 and json.loads(done.out)["stored"] is True and json.loads(done.out)["new"] == 3
    shown = cli("register", "show", path, "sample.kit")
    assert "Scanner 1" in shown.out and "(4 rows)" in shown.out
    assert cli("register", "retire", path, "sample.kit", "Main | head coil").code == 0
    assert "(4 rows)" not in cli("register", "show", path, "sample.kit").out
    assert "(retired)" in cli("register", "show", path, "sample.kit", "--all").out
    out = tmp_path / "out.xlsx"
    exported = cli("register", "export", path, "sample.kit", out)
    assert exported.code == 0 and load_workbook(out).active.max_row == 4
    mapped = tmp_path / "vendor.csv"
    mapped.write_text("Site,Asset description,Kind\nMain,Spare coil,Coil\n")
    assert cli("register", "import", path, "sample.kit", mapped).code == 2
    ok = cli("register", "import", path, "sample.kit", mapped, "--map", "Asset description=item")
    assert ok.code == 0 and "stored: 1 new" in ok.out
    assert cli("register", "show", path, "nope.none").code == 2
    audit = cli("audit", path, "--json", "--limit", "100")
    assert "register_row" in audit.out


def test_register_rows_reach_report_sections(ws: Workspace, app: App) -> None:
    from qsi_desktop.services.report_context import WorkspaceReportContext

    row = registers.add_row(ws, KIT, _row(in_use="no"), actor="a")
    context = WorkspaceReportContext(ws, app)
    assert context.register_rows("sample.kit") == [{**row.values, "id": row.id}]
    assert registers.row_flags(app, KIT, row.values) == ("not in use",)
    with pytest.raises(UserError, match="unknown register"):
        context.register_rows("sample.none")


@pytest.mark.backends
def test_the_register_row_table_is_audited_with_the_register_in_the_summary(ws: Workspace) -> None:
    registers.add_row(ws, KIT, _row(), actor="a")
    with ws.reading() as session:
        assert session.scalars(select(RegisterRow)).one().row_key
    from qsi_desktop.services.audit import list_audit

    assert list_audit(ws, 1)[0].summary == "create RegisterRow sample.kit"
