"""The download bundle: the whole data package in one deterministic zip that carries its own README.

The zip is laid out like the data package, ``datapackage.json`` at its top level (no folder around it) beside
``schemas/``, ``data/processed/`` (every table as CSV and Parquet), ``data/raw/``, a generated ``README.md`` and
``ATTRIBUTION.txt``: frictionless reads a zip only in that layout (``frictionless validate FILE`` checks every
resource), and ``iicsa-stats validate --root`` runs on the folder it is unzipped into.  Every file is checked
against its pin before it is packed; members are sorted, with a fixed timestamp and permissions, so the same
data gives the same bytes.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from . import _catalog, _loader
from ._loader import check_parquet_pin, load_schema, read_file
from ._paths import data_dir, root_argument
from ._staging import reading, write_file
from .notices import about, attribution_text
from .tables import TABLES, csv_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["bundle_files", "readme_text", "table_files", "write_archive", "write_zip"]

#: The timestamp of every member (the earliest a zip can hold): the bytes depend on the data alone.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
#: Permissions of every member (rw-r--r--, a regular file).
ZIP_MODE = 0o100644
_FIX = "restore it from the release or reinstall"


def table_files(fmt: str) -> dict[str, bytes]:
    """Every table's file in ``fmt`` (csv or parquet) by its path in the package, each checked against its pin.

    Examples
    --------
    >>> list(table_files("csv"))[:2]
    ['data/processed/documents.csv', 'data/processed/producers.csv']
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    root = Path(data_dir())
    files: dict[str, bytes] = {}
    for table in TABLES:
        if fmt == "csv":
            _loader.rows(table)  # refuses a file that differs from its pin
            files[f"data/processed/{table}.csv"] = csv_path(root, table).read_bytes()
        else:
            files[f"data/processed/{table}.parquet"] = check_parquet_pin(root, table)
    return files


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def readme_text(package: dict[str, Any]) -> str:
    """The bundle's README.md, generated from ``package`` (the descriptor) and the data.

    Examples
    --------
    >>> from iicsa_stats import _catalog, _loader
    >>> readme_text(_loader.package()).splitlines()[0]
    '# IICSA figures on online-facilitated child sexual abuse, with caveats and provenance'
    """
    from .citation import cite_package

    root = data_dir()
    figures = _catalog.all_figures()
    tables = {r["name"]: r for r in package["resources"] if r.get("format") == "csv"}
    lines = [
        f"# {package['title']}",
        "",
        f"Version {package['version']} of the `{package['name']}` data package, as one download.",
        "",
        *(f"- **{key}**: {value}" for key, value in about(package)[2:]),
        "",
        "## What is in this zip",
        "",
        "Unzip it into a folder of its own (`unzip FILE -d iicsa-data`): its files are at its top level.",
        "",
        "| file | what it is |",
        "|---|---|",
        "| `datapackage.json` | The Frictionless Data Package descriptor: every file, its schema, size and hash. |",
        "| `schemas/` | The Table Schema of each table: every column, its type and description. |",
        "| `data/processed/*.csv` | Every table as CSV (UTF-8, LF line endings, an empty cell for a missing value). |",
        "| `data/processed/*.parquet` | The same tables as Parquet, with the same rows and values. |",
        "| `data/processed/PARQUET.sha256` | The SHA-256 of each Parquet file. |",
        "| `data/raw/` | The verbatim source texts the figures are quoted from, byte for byte (provenance). |",
        "| `ATTRIBUTION.txt` | The attribution to reproduce when you reuse the figures, the licence and sources. |",
        "",
        "## How to read each table",
        "",
    ]
    for name, resource in tables.items():
        schema = load_schema(root, name)
        lines += [
            f"### {resource.get('title', name)} (`{name}`)",
            "",
            _md_cell(resource.get("description", "")),
            "",
            f"Files: `data/processed/{name}.csv`, `data/processed/{name}.parquet`; schema: "
            f"`schemas/{name}.schema.json`.",
            "",
            "| column | type | description |",
            "|---|---|---|",
            *(
                f"| `{f['name']}` | {f.get('type', 'string')} | {_md_cell(f.get('description', ''))} |"
                for f in schema["fields"]
            ),
            "",
        ]
    lines += [
        "## The key caveat of each figure",
        "",
        "Read each figure with all its caveats (`figure_caveats`, position 1 is the key caveat); here is the first.",
        "",
        "| figure | value | key caveat |",
        "|---|---|---|",
        *(f"| `{f.id}` | {_md_cell(f.headline)} | {_md_cell(f.caveats[0].text)} |" for f in figures.values()),
        "",
        "## Checking it",
        "",
        "`frictionless validate FILE.zip` checks every table against its schema, size and hash (unzipped, run "
        "`frictionless validate datapackage.json` in the folder); in the unzipped folder, `iicsa-stats validate "
        "--root .` (from the `iicsa-stats` Python package) checks the rest: the raw texts' SHA-256, every quote at "
        "its offsets, the number ledger, keys, and CSV against Parquet.",
        "",
        "## How to cite",
        "",
        "The data package:",
        "",
        f"> {cite_package('text')}",
        "",
        "Each figure: cite the Inquiry document that states it and name its original producer, as `iicsa-stats cite "
        "FIGURE_ID` gives it (`--format bibtex`, `csl-json` or `ris` for reference managers).",
        "",
    ]
    return "\n".join(lines)


def bundle_files() -> dict[str, bytes]:
    """Every file of the bundle by its path in the zip, in sorted order; a DataFileError if one differs from its pin.

    Examples
    --------
    >>> files = bundle_files()
    >>> "datapackage.json" in files and "README.md" in files and "data/processed/figures.parquet" in files
    True
    """
    root = Path(data_dir())
    package = _loader.package()
    files: dict[str, bytes] = {"datapackage.json": read_file(root, "datapackage.json", fix=_FIX)}
    files.update(table_files("csv"))  # each table read by the loader: its CSV and its schema checked by their pins
    files.update(table_files("parquet"))
    for table in TABLES:
        files[f"schemas/{table}.schema.json"] = read_file(root, f"schemas/{table}.schema.json", fix=_FIX)
    files["data/processed/PARQUET.sha256"] = read_file(root, "data/processed/PARQUET.sha256", fix=_FIX)
    for document in _loader.rows("documents"):
        files[document["raw_path"]] = _loader.raw_text(document["raw_path"]).encode("utf-8")  # checked by its pin
    files["README.md"] = readme_text(package).encode("utf-8")
    files["ATTRIBUTION.txt"] = attribution_text(package).encode("utf-8")
    return dict(sorted(files.items()))


def write_archive(path: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` (path in the zip to bytes, in order) as a deterministic zip at ``path``, directly."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so that the permissions below are read
            info.external_attr = ZIP_MODE << 16
            archive.writestr(info, data, compresslevel=9)


def write_zip(target: str | os.PathLike[str]) -> list[str]:
    """Write the bundle to the zip file ``target`` (beside it, then in its place); the members in their order.

    An OSError if ``target`` is refused (a link, inside the data package, not a regular file) or cannot be written;
    nothing is then left behind.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     members = write_zip(Path(folder) / "iicsa.zip")
    >>> members[:2]
    ['ATTRIBUTION.txt', 'README.md']
    """
    target = root_argument(target, "target")
    with reading(Path(data_dir())):  # read and check everything before writing anything, from one build
        files = bundle_files()
    write_file(target, lambda path: write_archive(path, files))  # beside the target, then in its place
    return list(files)
