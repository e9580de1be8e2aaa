"""Cells the export writes to CSV or a spreadsheet, made inert.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=HYPERLINK(...)`` can send data away when clicked); tab and carriage return can start one too
after a paste. Following OWASP's CSV injection advice, such text gets a leading apostrophe, which
Excel and LibreOffice show as plain text. Only text is changed: numbers and dates the export
writes as values cannot be formulas.
"""

from __future__ import annotations

from typing import TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def neutralise(value: T) -> T | str:
    """``value`` as a cell that a spreadsheet shows rather than runs."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
