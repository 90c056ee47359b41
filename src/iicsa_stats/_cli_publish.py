"""The publishing commands of ``iicsa-stats``: ``cite`` (in every format), ``site`` and ``export --format zip``.

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


def run_export_zip(value: str, out: Out) -> int:
    """``iicsa-stats export --format zip --out FILE``: the whole data package in one zip."""
    from pathlib import Path

    from .bundle import write_zip

    if not value.strip():
        raise _usage("--out is empty; give the zip file to write")
    target = Path(value)
    if target.is_dir():
        raise _usage(f"--out {str(target)!r} is a folder; give the zip file to write, e.g. iicsa-stats.zip")
    try:
        members = write_zip(target)
    except OSError as exc:
        raise _usage(f"cannot write to --out {str(target)!r}: {exc.strerror or exc}") from None
    out.write(f"Wrote {target}: one zip of {len(members)} files (the data package, README.md, ATTRIBUTION.txt)\n")
    return 0
