"""qsi_desktop.tabular: reading Excel-exported CSV logs robustly, and the import loop the CSV importers share."""

from __future__ import annotations

import codecs
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from qsi_desktop.plugins.testing import SimpleImportContext
from qsi_desktop.tabular import (
    Row,
    RowRecord,
    RowRejected,
    TableError,
    TableImport,
    header_key,
    is_patient_column,
    normalise_header,
    parse_date,
    read_table,
    run_table_import,
)

COLUMNS = {
    "probe": ("probe id", "transducer"),
    "date": ("date of use",),
    "sar": ("max sar",),
    "holder": ("name",),
}


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def rows(path: Path, **kwargs) -> list[Row]:
    return list(read_table(path, columns=COLUMNS, **kwargs).rows())


# -- headers ---------------------------------------------------------------------------------------


def test_headers_are_normalised_and_matched_through_aliases(tmp_path: Path) -> None:
    assert normalise_header("  Probe_ID \t (T) ") == "probe id (t)"
    assert header_key("Probe-ID") == header_key("probe_id") == header_key(" PROBE ID ") == "probeid"
    table = read_table(
        write(tmp_path / "a.csv", "Transducer,DATE OF USE,Max SAR (W/kg),Notes\nP1,2026-03-05,2,x\n"), columns=COLUMNS
    )
    assert table.columns == {"probe": 0, "date": 1, "sar": 2}  # "(W/kg)": a unit after the name is optional
    assert table.ignored == ("Notes",)
    (row,) = table.rows()
    assert row.values == {"probe": "P1", "date": "2026-03-05", "sar": "2"}  # Notes is never handed out
    assert (row.number, row.cells, row.width, row.blank, row.short, row.cut) == (2, 4, 4, False, False, False)


def test_title_rows_above_the_header_are_skipped_and_rows_keep_spreadsheet_numbers(tmp_path: Path) -> None:
    text = (
        "Transducer decontamination log,,\n"
        "Ward 7 ultrasound,,\n"
        "Probe ID,Date of use,Comment\n"
        'P1,2026-03-05,"two\nlines"\n'
        ",,\n"
        "P2,2026-03-06\n"
    )
    table = read_table(write(tmp_path / "t.csv", text), columns=COLUMNS, required=("probe", "date"))
    assert table.header_row == 3
    found = list(table.rows())
    assert [r.number for r in found] == [4, 5, 6]  # a quoted cell over two lines is still one row
    assert [r.blank for r in found] == [False, True, False]
    assert found[2].short and not found[2].cut  # short but complete: the file ends with a line end


@pytest.mark.parametrize(
    ("text", "suffix", "delimiter"),
    [
        ("Probe ID,Date of use\nP1,2026-03-05\n", ".csv", ","),
        ("Probe ID;Date of use\nP1;05/03/2026\n", ".csv", ";"),
        ("Probe ID\tDate of use\nP1\t05/03/2026\n", ".tsv", "\t"),
        ("Probe ID|Date of use\nP1|05/03/2026\n", ".txt", "|"),
    ],
)
def test_delimiter_is_sniffed(tmp_path: Path, text: str, suffix: str, delimiter: str) -> None:
    table = read_table(write(tmp_path / f"log{suffix}", text), columns=COLUMNS)
    assert table.delimiter == delimiter
    assert [r.values["probe"] for r in table.rows()] == ["P1"]


def test_excel_sep_directive_sets_the_delimiter_and_is_not_a_row(tmp_path: Path) -> None:
    table = read_table(
        write(tmp_path / "sep.csv", "sep=;\r\nProbe ID;Date of use\r\nP1,a;2026-03-05\r\n"), columns=COLUMNS
    )
    assert (table.delimiter, table.header_row) == (";", 1)
    assert [(r.number, r.values["probe"]) for r in table.rows()] == [(2, "P1,a")]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Probe ID,Date of use\nSonde é £,2026-03-05\n".encode("utf-8-sig"), "utf-8-sig"),
        ("Probe ID,Date of use\nSonde é £,2026-03-05\n".encode(), "utf-8"),
        ("Probe ID,Date of use\nSonde é £,2026-03-05\n".encode("cp1252"), "cp1252"),
        (codecs.BOM_UTF16_LE + "Probe ID\tDate of use\r\nSonde é £\t2026-03-05\r\n".encode("utf-16-le"), "utf-16"),
    ],
)
def test_encoding_is_detected_and_reported(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(data)
    table = read_table(path, columns=COLUMNS)
    assert table.encoding == encoding
    assert [r.values["probe"] for r in table.rows()] == ["Sonde é £"]


# -- patient data ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Patient Name",
        "PATIENT_ID",
        "Patient DOB",
        "Hospital Number",
        "MRN",
        "NHS No.",
        "NHS number",
        "Date of Birth",
        "DOB",
        "Accession Number",
        "Acc No",
        "Address",
        "Post code",
        "Postcode",
        "CHI number",
    ],
)
def test_patient_columns_are_recognised(header: str) -> None:
    assert is_patient_column(header)


def test_patient_columns_never_leave_the_reader_even_when_a_caller_asks_for_them(tmp_path: Path) -> None:
    text = (
        "Patient Name,Probe ID,NHS Number,Name,Date of birth,Accession No,Surname\n"
        "Ada Patientson,P1,9434765919,Dr Holder,01/02/1960,ACC1,Patientson\n"
    )
    columns = {**COLUMNS, "nhs": ("nhs number",), "birth": ("date of birth",)}
    table = read_table(write(tmp_path / "p.csv", text), columns=columns)
    assert table.dropped == ("Patient Name", "NHS Number", "Date of birth", "Accession No", "Surname")
    (row,) = table.rows()
    assert row.values == {"probe": "P1", "holder": "Dr Holder"}  # "Name" was asked for, as a holder
    dumped = json.dumps([row.values, table.ignored, table.dropped])
    for value in ("Ada", "9434765919", "1960", "ACC1"):
        assert value not in dumped


def test_a_generic_name_column_is_dropped_unless_asked_for(tmp_path: Path) -> None:
    path = write(tmp_path / "n.csv", "Probe ID,Name\nP1,Ada Patientson\n")
    table = read_table(path, columns={"probe": ("probe id",)})
    assert table.dropped == ("Name",)
    assert "Ada" not in repr(list(table.rows()))


# -- files that cannot be used ------------------------------------------------------------------------


def _xlsx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return path


def _zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.csv", "missing.csv: file not found"),
        (lambda d: write(d / "empty.csv", ""), "empty.csv: the file is empty"),
        (lambda d: write(d / "blank.csv", " \r\n\r\n"), "blank.csv: the file is empty"),
        (lambda d: d, "is a folder"),
        (lambda d: _xlsx(d / "renamed.csv"), "renamed.csv: looks like an Excel workbook; save it as CSV"),
        (lambda d: write(d / "old.xlsx", "PK\x03\x04garbage"), "old.xlsx: looks like an Excel workbook"),
        (lambda d: _zip(d / "bundle.csv"), "bundle.csv: is a ZIP archive"),
        (lambda d: write(d / "old.csv", "\xd0\xcf\x11\xe0rest", "latin-1"), "old Excel workbook (.xls)"),
        (lambda d: write(d / "doc.csv", "%PDF-1.4\n"), "doc.csv: is a PDF document"),
        (lambda d: write(d / "nul.csv", "Probe ID\x00,Date\n"), "nul.csv: this is not a CSV text file"),
        (lambda d: write(d / "ctl.csv", "\x01\x02\x03\x04\x05\x06" * 50, "latin-1"), "ctl.csv: this is not a CSV"),
        (lambda d: write(d / "bad.csv", "Probe ID\n\xc3\x28\x81\n", "latin-1"), "bad.csv: the text cannot be decoded"),
    ],
)
def test_unusable_files_raise_a_clear_error(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(TableError, match=None) as caught:
        read_table(make(tmp_path), columns=COLUMNS)
    assert message in str(caught.value)


def test_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path / "big.csv", "Probe ID,Date of use\n" + "P1,2026-03-05\n" * 100)
    with pytest.raises(TableError, match=r"big\.csv: the file is too large \(1,421 bytes; the limit is 1,000\)"):
        read_table(path, columns=COLUMNS, max_bytes=1000)
    assert len(rows(path, max_bytes=1421)) == 100


def test_no_header_and_missing_columns_are_named_without_echoing_data(tmp_path: Path) -> None:
    headerless = write(tmp_path / "data.csv", "Ada Patientson,9434765919\nBob Patientson,9434765870\n")
    with pytest.raises(TableError) as caught:
        read_table(headerless, columns=COLUMNS, required=("probe", "date"))
    message = str(caught.value)
    assert message.startswith("data.csv: no header row found") and "probe (or probe id, transducer)" in message
    assert "Ada" not in message and "9434765919" not in message

    partial = write(tmp_path / "partial.csv", "Probe ID,Result\nP1,pass\n")
    expected = r"partial\.csv: required columns missing: date \(or date of use\)\. Columns in the file not used: Result"
    with pytest.raises(TableError, match=expected):
        read_table(partial, columns=COLUMNS, required=("probe", "date"))


def test_a_file_cut_mid_row_marks_its_last_row(tmp_path: Path) -> None:
    path = write(tmp_path / "cut.csv", "Probe ID,Date of use,Max SAR\nP1,2026-03-05,2\nP2,2026-0")
    found = rows(path)
    assert [r.cut for r in found] == [False, True]
    assert found[1].values == {"probe": "P2", "date": "2026-0", "sar": ""}


def test_malformed_csv_midway_raises_with_the_row(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.csv", 'Probe ID,Date of use\nP1,2026-03-05\n"' + "x" * 200_000 + "\n")
    table = read_table(path, columns=COLUMNS)
    found = []
    with pytest.raises(TableError, match=r"broken\.csv: row 3 is not valid CSV") as caught:
        for row in table.rows():
            found.append(row)
    assert caught.value.row == 3 and [r.number for r in found] == [2]


# -- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-05",
        "05/03/2026",
        "5/3/2026",
        "05/03/26",
        "05.03.2026",
        "05-03-2026",
        "05-Mar-2026",
        "5-mar-26",
        "5 March 2026",
        "5th March 2026",
        "05 Mar 2026",
        "05/03/2026 14:30",
        "2026-03-05T09:15:00",
        "2026-03-05T09:15:00.000Z",
        "2026-03-05 09:15",
        " 05/03/2026 ",
        "5/3/2026 9:15 am",
    ],
)
def test_dates_in_nhs_spreadsheet_formats(text: str) -> None:
    assert parse_date(text) == date(2026, 3, 5)


def test_september_spellings() -> None:
    assert parse_date("1 Sept 2026") == parse_date("1 Sep 2026") == parse_date("1 September 2026") == date(2026, 9, 1)


@pytest.mark.parametrize("text", ["31/02/2026", "2026-13-01", "03/05", "yesterday", "", "46086", "5 Smarch 2026"])
def test_bad_dates_raise_with_the_value(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date") as caught:
        parse_date(text)
    assert repr(text.strip()) in str(caught.value)


# -- the shared import loop ------------------------------------------------------------------------


def _parse(row: Row) -> RowRecord:
    if not row.get("probe"):
        raise RowRejected("no probe")
    try:
        day = parse_date(row.get("date")).isoformat()
    except ValueError as exc:
        raise RowRejected(f"date: {exc}") from None
    return RowRecord((row.get("probe"), day), {"probe": row.get("probe"), "date": day}, day)


EVENTS = TableImport("test-events", COLUMNS, ("probe", "date"), _parse, repeats="count")
REGISTER = TableImport("test-register", COLUMNS, ("probe", "date"), _parse, repeats="reject")
LOG = (
    "Patient ID,Probe ID,Date of use\n"
    "PID1,P1,2026-03-05\nPID2,P1,2026-03-05\n,,\nPID3,P2,31/02/2026\nPID4,P3,2026-03-0"  # cut mid-date
)


def test_the_loop_sorts_rows_into_records_skipped_and_rejected(tmp_path: Path) -> None:
    context = SimpleImportContext()
    batch = run_table_import(EVENTS, [write(tmp_path / "log.csv", LOG)], context)

    assert batch.files == 1 and not batch.cancelled
    assert [(r.row, r.data, r.occurred_on, r.file) for r in batch.records] == [
        (2, {"probe": "P1", "date": "2026-03-05"}, "2026-03-05", "log.csv"),
        (3, {"probe": "P1", "date": "2026-03-05"}, "2026-03-05", "log.csv"),
    ]
    first, second = batch.records
    assert first.group == context.keyed_hash("test-events", "P1", "2026-03-05") != second.group  # another event
    assert first.key != second.key and first.key != first.group  # keys add the content to the group
    assert [(i.row, i.reason) for i in batch.skipped] == [
        (1, "patient-identifying columns not read: Patient ID"),
        (4, "blank row"),
    ]
    assert [i.row for i in batch.rejected] == [5, 6]
    assert "'31/02/2026' is not a date" in batch.rejected[0].reason
    assert "cut short" in batch.rejected[1].reason
    assert "PID" not in json.dumps([i.to_dict() for i in batch.skipped + batch.rejected])
    assert context.calls == [(1, 1, "read log.csv")]


def test_a_register_rejects_a_repeated_entry(tmp_path: Path) -> None:
    batch = run_table_import(REGISTER, [write(tmp_path / "reg.csv", LOG)], SimpleImportContext())
    assert [r.row for r in batch.records] == [2]
    assert (batch.rejected[0].row, batch.rejected[0].reason) == (3, "the same entry as row 2")


def test_a_bad_file_does_not_stop_the_batch(tmp_path: Path) -> None:
    paths = [tmp_path / "gone.csv", _xlsx(tmp_path / "book.csv"), write(tmp_path / "ok.csv", LOG)]
    context = SimpleImportContext()
    batch = run_table_import(EVENTS, paths, context)
    assert batch.files == 3 and len(batch.records) == 2
    assert [(i.file, i.row) for i in batch.rejected[:2]] == [("gone.csv", None), ("book.csv", None)]
    assert [c[:2] for c in context.calls] == [(1, 3), (2, 3), (3, 3)]


def test_malformed_csv_keeps_the_rows_before_it(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.csv", 'Probe ID,Date of use\nP1,2026-03-05\n"' + "x" * 200_000 + "\n")
    batch = run_table_import(EVENTS, [path], SimpleImportContext())
    assert [r.row for r in batch.records] == [2]
    assert batch.rejected[0].row == 3 and "not valid CSV" in batch.rejected[0].reason


def test_progress_and_cancel_inside_a_big_file(tmp_path: Path) -> None:
    body = "".join(f"P{i},2026-03-05\n" for i in range(5000))
    path = write(tmp_path / "big.csv", "Probe ID,Date of use\n" + body)

    context = SimpleImportContext()
    assert len(run_table_import(EVENTS, [path], context).records) == 5000
    assert [c[2] for c in context.calls[:2]] == ["big.csv: 500 rows read", "big.csv: 1,000 rows read"]
    assert len(context.calls) == 11

    cancelled = run_table_import(EVENTS, [path, path], SimpleImportContext(cancel_after=3))
    assert cancelled.cancelled and cancelled.files == 1 and len(cancelled.records) == 1499


def test_cancel_between_files(tmp_path: Path) -> None:
    paths = [write(tmp_path / f"log{i}.csv", LOG) for i in range(3)]
    batch = run_table_import(EVENTS, paths, SimpleImportContext(cancel_after=1))
    assert batch.cancelled and batch.files == 1 and len(batch.records) == 2


def test_an_unexpected_parser_error_rejects_the_file_without_quoting_it(tmp_path: Path) -> None:
    def broken(row: Row) -> RowRecord:
        raise KeyError(row.get("probe"))  # a bug whose message would quote a cell

    spec = TableImport("test-broken", COLUMNS, ("probe",), broken)
    paths = [write(tmp_path / "a.csv", "Probe ID\nAda Patientson\n"), write(tmp_path / "b.csv", LOG)]
    batch = run_table_import(spec, paths, SimpleImportContext())
    assert batch.files == 2 and not batch.cancelled
    assert [(i.file, i.reason) for i in batch.rejected[:1]] == [
        ("a.csv", "could not be read (KeyError); the rest of the file was skipped"),
    ]
    assert "Ada" not in json.dumps([i.to_dict() for i in batch.rejected])
