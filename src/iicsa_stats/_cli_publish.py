"""The publishing commands of ``iicsa-stats``: ``cite`` (in every format), ``site`` and ``export``.

:mod:`iicsa_stats.cli` wires them in; this module holds their arguments and what
they run, so that the CLI module stays a table of commands.  Bad input raises
the CLI's usage error (one line on standard error, exit status 2).
"""

from __future__ import annotations

import argparse

from . import _store

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._output import Out

#: What each command does, and an example, for ``--help``.
CITE_HELP = "Print a full citation for a figure (naming its original producer) or for the whole package."
CITE_EXAMPLE = "cite rea-perpetrator-age-band --format bibtex"
SITE_HELP = (
    "Write a static site: an index of every figure, a page per figure (caveats, source, how to cite) and per "
    "source document, and the downloads. Plain HTML and CSS that open from the file system."
)
SITE_EXAMPLE = "site --out ./iicsa-site"
EXPORT_HELP = (
    "Write the tables (csv, parquet, or xlsx: one Excel workbook that keeps every cell's type) or the figures "
    "with their caveats and provenance (json) to a folder, with an ATTRIBUTION.txt; or all of it as one file: "
    "a zip of the data package, or a SQLite database."
)
EXPORT_EXAMPLE = "export --format parquet --out ./iicsa-data"
#: What ``export --format zip`` and ``--format sqlite`` say they wrote (``export`` writes them as one file each).
ONE_FILE = {
    "zip": "the whole data package in one zip (datapackage.json at its top, README.md, ATTRIBUTION.txt); "
    "`frictionless validate` reads it as it is",
    "sqlite": "every table in one SQLite database, with its keys and the view figures_with_key_caveat; "
    "`datasette FILE` browses it",
}


def _usage(message: str) -> Exception:
    from .cli import _UsageError

    return _UsageError(message)


def add_cite_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``iicsa-stats cite``."""
    from .citation import STYLES

    parser.add_argument("id", nargs="?", metavar="ID", help="a figure id (see `iicsa-stats list`)")
    parser.add_argument("--package", action="store_true", help="cite the whole data package instead of one figure")
    parser.add_argument(
        "--format",
        choices=STYLES,
        default="text",
        help="text (default), bibtex, csl-json or ris, for reference managers",
    )


def run_cite(args: argparse.Namespace, out: Out) -> int:
    """``iicsa-stats cite``: one figure's citation, or the package's, in the format asked for."""
    from .citation import cite_figure, cite_package

    if args.package == bool(args.id):
        raise _usage("give one figure id, or --package to cite the whole data package")
    text = cite_package(args.format) if args.package else cite_figure(_store.get_figure(args.id), args.format)
    out.write(text + "\n")
    return 0


def add_site_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``iicsa-stats site``."""
    parser.add_argument(
        "--out", required=True, metavar="DIR", help="folder to write (an earlier site in it is replaced)"
    )
    parser.add_argument(
        "--base-url",
        dest="base_url",
        metavar="URL",
        help="address the site will be published at, for absolute links in its JSON-LD",
    )


def run_site(args: argparse.Namespace, out: Out) -> int:
    """``iicsa-stats site``: write the static site."""
    from pathlib import Path

    from .site import SiteError, build_site

    if not args.out.strip():
        raise _usage("--out is empty; give the folder to write the site into")
    try:
        written = build_site(Path(args.out), base_url=args.base_url)
    except SiteError as exc:
        raise _usage(str(exc)) from None
    pages = sum(name.endswith(".html") for name in written)
    out.write(f"Wrote the site to {args.out}: {pages} pages and {len(written) - pages} other files; open index.html\n")
    return 0


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``iicsa-stats export``."""
    parser.add_argument(
        "--format",
        choices=("csv", "parquet", "xlsx", "json", "zip", "sqlite"),
        required=True,
        help="csv (UTF-8, LF), parquet, xlsx (needs openpyxl), json (figures), zip (the data package, one file) or "
        "sqlite (one database with keys)",
    )
    parser.add_argument(
        "--out", required=True, help="folder to write into (created if missing); for zip and sqlite, the file"
    )


def exported(fmt: str, value: str, written: list[str]) -> str:
    """What ``iicsa-stats export`` prints once it has written ``written`` to ``--out value``."""
    from pathlib import Path

    if fmt in ONE_FILE:
        return f"Wrote {Path(value)}: {ONE_FILE[fmt]}\n"
    count = len(written)
    return f"Wrote {count} file{'s' if count != 1 else ''} to {Path(value)}: {', '.join(written)}\n"
