"""The spreadsheets the app writes (tracker, registers): one header row in bold, frozen, with filters;
dates shown as UK dates; each column as wide as asked; saved whole or not at all."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from qsi_desktop.services.errors import UserError


def xlsx_path(out: Path | str) -> Path:
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"{out.name}: give a .xlsx file name")
    return out


def new_sheet(title: str, headers: Sequence[str]) -> tuple[Any, Any]:
    """A workbook whose only sheet is named ``title`` (made safe for Excel) and has ``headers`` in bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31].translate(str.maketrans("", "", "[]:*?/\\")) or "Sheet1"
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    return book, sheet


def finish_sheet(sheet: Any, widths: Sequence[float], *, date_columns: Collection[int] = ()) -> None:
    """Column widths, UK date format for the (1-based) ``date_columns``, frozen header and filters."""
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        if index in date_columns:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "dd/mm/yyyy"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(widths))}{sheet.max_row}"


def save_workbook(book: Any, out: Path) -> None:
    """Save beside ``out`` under a temporary name, then put it in place: a failed save leaves no half file."""
    temporary = out.with_name(f".{out.name}.part")
    try:
        book.save(temporary)
        temporary.replace(out)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise UserError(f"{out}: cannot write the workbook ({exc.strerror or exc})") from None
