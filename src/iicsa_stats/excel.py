"""The tables as one Excel workbook, for people who work in spreadsheets.

A workbook keeps every cell's type: text stays text (Excel does not turn "10-18" or "2016/17" into dates, or drop
the leading zero of "0800", as it does when it opens a CSV file), numbers are numbers and dates are dates.  Its
first sheet says what the data is, how to read it with its caveats, and the attribution to keep.  Needs the
optional dependency openpyxl: ``pip install "iicsa-stats[excel]"``.
"""

from __future__ import annotations

from . import _loader
from ._loader import load_schema
from ._paths import data_root
from .errors import IICSAStatsError
from .notices import about
from .tables import TABLES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["write_workbook"]


def write_workbook(path: Path) -> None:
    """Write every table, one sheet each, after an "about" sheet, to ``path``; an IICSAStatsError without openpyxl."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
    except ImportError:
        raise IICSAStatsError(
            'writing .xlsx needs the optional dependency openpyxl: pip install "iicsa-stats[excel]"'
        ) from None
    book = Workbook()
    sheet = book.active
    sheet.title = "about"
    for number, (key, value) in enumerate(about(_loader.package()), start=1):
        sheet.cell(row=number, column=1, value=key).font = Font(bold=True)
        sheet.cell(row=number, column=2, value=value).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 120
    for table in TABLES:
        fields = load_schema(data_root(), table)["fields"]
        sheet = book.create_sheet(table)
        sheet.append([field["name"] for field in fields])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in _loader.rows(table):
            sheet.append([row[field["name"]] for field in fields])
        for column, field in enumerate(fields, start=1):
            letter = sheet.cell(row=1, column=column).column_letter
            sheet.column_dimensions[letter].width = 14 if field["type"] != "string" else 30
            if field["type"] == "string":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                    cell.number_format = "@"  # text: shown as written, never reinterpreted
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    book.save(path)
