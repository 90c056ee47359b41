"""The download bundle: the whole data package in one zip that carries its own README.

``iicsa-stats export --format zip --out FILE`` writes it.  The zip holds one
folder, ``<package name>-<version>/``, laid out like the data package itself
(``datapackage.json``, ``schemas/``, ``data/processed/`` with every table as
CSV and Parquet, ``data/raw/``), so that ``frictionless validate`` and
``iicsa-stats validate --root`` run on it once unzipped, plus a generated
``README.md`` and ``ATTRIBUTION.txt``.  Every file is checked against its pin
before it is packed.  The zip is deterministic: members in sorted order, a fixed
timestamp and fixed permissions, so the same data gives the same bytes.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from . import _store
from ._attribution import attribution_text
from ._paths import data_dir, root_argument
from .notices import CONTENT_NOTICE
from .tables import TABLES, load_schema, schema_path

# typing is imported for type checkers only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["bundle_files", "readme_text", "table_files", "write_zip"]

#: The timestamp of every member (the earliest a zip can hold): the bytes depend on the data alone.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
#: Permissions of every member (rw-r--r--, a regular file).
ZIP_MODE = 0o100644


def table_files(fmt: str) -> dict[str, bytes]:
    """Every table's file in one format, as ``iicsa-stats export`` reads it, keyed by its path in the package.

    Parameters
    ----------
    fmt : {"csv", "parquet"}
        Which files.

    Returns
    -------
    dict of str to bytes
        ``data/processed/<table>.<fmt>`` to the file's bytes, in table order.

    Raises
    ------
    DataFileError
        If a file is missing or differs from its pin (``datapackage.json`` for
        CSV, ``data/processed/PARQUET.sha256`` for Parquet).

    Examples
    --------
    >>> list(table_files("csv"))[:2]
    ['data/processed/documents.csv', 'data/processed/producers.csv']
    """
    from .export import _contents  # the export's own reading, each file checked against its pin

    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    return {f"data/processed/{name}": data for name, data in _contents(fmt).items() if name.endswith(f".{fmt}")}


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def readme_text(package: dict[str, Any]) -> str:
    """The bundle's README.md: what is in it, the content notice, each table, the key caveats, citing, licence.

    Parameters
    ----------
    package : dict
        The ``datapackage.json`` descriptor.

    Returns
    -------
    str
        Markdown, generated from the data.

    Examples
    --------
    >>> from iicsa_stats import _store
    >>> readme_text(_store.package()).splitlines()[0]
    '# IICSA figures on online-facilitated child sexual abuse, with caveats and provenance'
    """
    from .citation import cite_package

    root = data_dir()
    figures = _store.all_figures()
    tables = {r["name"]: r for r in package["resources"] if r.get("format") == "csv"}
    lines = [
        f"# {package['title']}",
        "",
        f"Version {package['version']} of the `{package['name']}` data package, as one download.",
        "",
        f"**Content notice.** {CONTENT_NOTICE}",
        "",
        package["description"],
        "",
        "## What is in this folder",
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
        "In this folder, `frictionless validate datapackage.json` checks every table against its schema, size and",
        "hash, and `iicsa-stats validate --root .` (from the `iicsa-stats` Python package) checks the rest: the",
        "raw texts' SHA-256, every quote at its offsets, the number ledger, keys, and CSV against Parquet.",
        "",
        "## How to cite",
        "",
        "The data package:",
        "",
        f"> {cite_package('text')}",
        "",
        "Each figure: cite the Inquiry document that states it and name its original producer, as",
        "`iicsa-stats cite FIGURE_ID` gives it (`--format bibtex`, `csl-json` or `ris` for reference managers).",
        "",
        "## Licence",
        "",
        *(f"- {lic.get('title') or lic.get('name')}" for lic in package.get("licenses", [])),
        "",
        "Reproduce this attribution statement when you reuse the figures:",
        "",
        f"> {package.get('attribution', '')}",
        "",
    ]
    return "\n".join(lines)


def bundle_files() -> dict[str, bytes]:
    """Every file of the bundle, checked against its pin, keyed by its path inside the bundle's folder.

    Returns
    -------
    dict of str to bytes
        In sorted order of the paths.

    Raises
    ------
    DataFileError
        If a file is missing or differs from its pin.

    Examples
    --------
    >>> files = bundle_files()
    >>> "datapackage.json" in files and "README.md" in files and "data/processed/figures.parquet" in files
    True
    """
    root = Path(data_dir())
    package = _store.package()
    files: dict[str, bytes] = {"datapackage.json": (root / "datapackage.json").read_bytes()}
    for table in TABLES:
        files[f"schemas/{table}.schema.json"] = schema_path(root, table).read_bytes()
    files.update(table_files("csv"))
    files.update(table_files("parquet"))
    files["data/processed/PARQUET.sha256"] = (root / "data" / "processed" / "PARQUET.sha256").read_bytes()
    for document in _store.rows("documents"):
        files[document["raw_path"]] = _store.raw_text(document["raw_path"]).encode("utf-8")  # checked by its pin
    files["README.md"] = readme_text(package).encode("utf-8")
    files["ATTRIBUTION.txt"] = attribution_text(package).encode("utf-8")
    return dict(sorted(files.items()))


def write_zip(target: str | os.PathLike[str]) -> list[str]:
    """Write the bundle to ``target`` (a new temporary file, renamed into place when complete).

    Parameters
    ----------
    target : str or pathlib.Path
        The zip file to write; its folder is created if missing.

    Returns
    -------
    list of str
        The members written, in their order in the zip.

    Raises
    ------
    OSError
        If the file cannot be written; nothing is left behind.

    Examples
    --------
    >>> import tempfile, zipfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     members = write_zip(Path(folder) / "iicsa.zip")
    >>> members[0]  # doctest: +ELLIPSIS
    'iicsa-online-csa-figures-.../ATTRIBUTION.txt'
    """
    target = root_argument(target, "target")
    package = _store.package()
    folder = f"{package['name']}-{package['version']}"
    files = bundle_files()  # read and check everything before writing anything
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    members: list[str] = []
    try:
        with os.fdopen(handle, "wb") as stream, zipfile.ZipFile(stream, "w") as archive:
            for name, data in files.items():
                info = zipfile.ZipInfo(f"{folder}/{name}", date_time=ZIP_TIMESTAMP)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # unix, so that the permissions below are read
                info.external_attr = ZIP_MODE << 16
                archive.writestr(info, data, compresslevel=9)
                members.append(info.filename)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return members
