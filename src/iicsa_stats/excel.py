"""Write the tables as one Excel workbook, for people who work in spreadsheets.

A workbook keeps every cell's type: text stays text (Excel does not turn "10-18"
or "2016/17" into dates, or drop the leading zero of "0800", as it does when it
opens a CSV file), numbers are numbers and dates are dates.  Its first sheet says
what the data is, how to read it with its caveats, and the attribution to keep.
Needs the optional dependency openpyxl: ``pip install "iicsa-stats[excel]"``.
"""

from __future__ import annotations

from . import _loader
from ._attribution import attribution, licence_titles, source_lines
from ._loader import load_schema
from .errors import IICSAStatsError
from .tables import TABLES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["write_workbook"]

_ABOUT = (
    "Read every figure with its caveats: the figure_caveats sheet links each figure to the caveats sheet, "
    "position 1 being the key caveat. Units are as the source counts them: incidents and offences are "
    "different units and are never merged. Figures measured in different ways (reported offences, victims, "
    "perpetrators, images) count different things and should not be added or compared."
)


def write_workbook(path: Path) -> None:
    """Write every table of the data package to an ``.xlsx`` file, one sheet each, after an "about" sheet.

    Parameters
    ----------
    path : pathlib.Path
        The file to write.

    Raises
    ------
    IICSAStatsError
        If openpyxl is not installed (the message says how to install it).
    """
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
    except ImportError:
        raise IICSAStatsError(
            'writing .xlsx needs the optional dependency openpyxl: pip install "iicsa-stats[excel]"'
        ) from None
    from ._paths import data_root

    package = _loader.package()
    book = Workbook()
    about = book.active
    about.title = "about"
    lines = [
        ("title", package.get("title", "")),
        ("version", package.get("version", "")),
        ("description", package.get("description", "")),
        ("how to read it", _ABOUT),
        ("attribution (reproduce it)", attribution(package)),
        *(("licence", title) for title in licence_titles(package)),
        *(("source", line) for line in source_lines(package)),
    ]
    for number, (key, value) in enumerate(lines, start=1):
        about.cell(row=number, column=1, value=key).font = Font(bold=True)
        about.cell(row=number, column=2, value=str(value)).alignment = Alignment(wrap_text=True, vertical="top")
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 120
    root = data_root()
    for table in TABLES:
        schema = load_schema(root, table)
        sheet = book.create_sheet(table)
        names = [field["name"] for field in schema["fields"]]
        sheet.append(names)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in _loader.rows(table):
            sheet.append([row[name] for name in names])
        for column, field in enumerate(schema["fields"], start=1):
            letter = sheet.cell(row=1, column=column).column_letter
            sheet.column_dimensions[letter].width = 14 if field["type"] != "string" else 30
            if field["type"] == "string":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                    cell.number_format = "@"  # text: shown as written, never reinterpreted
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    book.save(path)
