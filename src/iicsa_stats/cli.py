"""The ``iicsa-stats`` command (also ``python -m iicsa_stats``): :data:`TABLE` lists each command.

Only the command being run is parsed and imported, so lookups start fast.  Exit status: 0 ok, 1 damaged data or
problems found, 2 bad input (one line on standard error).
"""

from __future__ import annotations

import argparse
import os
import sys

from . import _catalog, _paths, errors
from ._output import Out, OutputError, colour, discard_stdout, escape, say, shown
from ._version import __version__
from .errors import InvalidArgumentError
from .tables import format_cell

TYPE_CHECKING = False  # typing is imported for type checkers only: a lookup should not pay for it
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any, NoReturn

    from ._figure import Figure

    Arg = tuple[str, str, dict[str, Any]]

__all__ = ["main"]

PROG = "iicsa-stats"
_FILTERS = ("unit", "geography", "document", "scale_measure", "period_type", "qualifier")
_COLUMNS = ("value", "value_lower", "value_upper", "qualifier", "unit", "period_label", "geography", "headline")
_NUMBER = {"type": "number"}
#: Bad input (exit status 2): a wrong argument (also argparse's), an unknown figure id, a bad pair or --out.
_USAGE = (InvalidArgumentError, errors.UnknownFigureError, errors.ComparisonError, errors.ExportError)
#: What a failed ``build`` or ``todo`` raises; its message may list several numbers, one per line.
_BUILD_FAILED = (errors.CurationError, errors.RawDocumentError, errors.BuildError)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit 2 (never a usage dump)."""

    def error(self, message: str) -> NoReturn:
        raise InvalidArgumentError(f"{message} (see `{self.prog} --help`)")


def _formatter(prog: str) -> argparse.HelpFormatter:
    """Argparse's formatter, measuring the terminal with os rather than shutil (~3 ms to import)."""
    try:
        width = os.get_terminal_size().columns
    except OSError:
        width = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else 80
    return argparse.RawDescriptionHelpFormatter(prog, width=width - 2)


def _count(text: str) -> int:
    """An argparse type: a whole number, 0 or more."""
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (0 or more)")
    return int(text)


def _data(out: Out, fmt: str, data: Any) -> bool:
    """Write ``data`` as JSON, or its records as CSV (numbers as the tables write them); False for text."""
    if fmt == "json":
        import json

        json.dump(data, out, indent=2, ensure_ascii=False, default=str)
        out.write("\n")
    elif fmt == "csv":
        import csv

        rows = ([format_cell(v, _NUMBER) if isinstance(v, float) else v for v in r.values()] for r in data)
        csv.writer(out, lineterminator="\n").writerows([list(data[0]), *rows])
    return fmt in ("json", "csv")


# -- the commands: each writes its output and returns its exit status (None for 0) --------------------------------


def _selected(args: argparse.Namespace) -> list[Figure]:
    """The figures that pass every filter option (a repeated option: any of its values)."""
    figures = list(_catalog.all_figures().values())
    for name in _FILTERS:
        if wanted := getattr(args, name):
            values = [f.provenance.document_id if name == "document" else getattr(f, name) for f in figures]
            valid = sorted({v for v in values if isinstance(v, str)})
            if unknown := ", ".join(repr(w) for w in wanted if w not in valid):
                raise InvalidArgumentError(
                    f"--{name.replace('_', '-')} {unknown} matches no figure; choose from {valid}"
                )
            figures = [f for f, v in zip(figures, values, strict=True) if v in wanted]
    return figures


def _listing(out: Out, figures: list[Figure], fmt: str, footer: str) -> None:
    """Figures as JSON or CSV records, or each id (bold on a terminal) with its headline and key caveat."""
    records = [
        {"figure_id": f.id, **{c: getattr(f, c) for c in _COLUMNS}, "key_caveat": f.caveats[0].text} for f in figures
    ]
    if not _data(out, fmt, records):
        for f in figures:
            out.styled(f.id, "1", colour(out), end=f"\n  {f.headline}\n  key caveat: {f.caveats[0].text}\n")
        out.write(f"{footer}`{PROG} show ID` gives each with all its caveats and its source.\n")


def _cmd_list(args: argparse.Namespace, out: Out) -> None:
    figures = _selected(args)
    _listing(out, figures, args.format, f"{len(figures)} figures. ")


def _show(fig: Figure, out: Out, chars: int) -> None:
    on, p = colour(out), fig.provenance
    unit = fig.unit if fig.unit_label == fig.unit else f"{fig.unit}, written as \u201c{fig.unit_label}\u201d"
    if fig.value is not None:
        number = f"value: {format_cell(fig.value, _NUMBER)}"
    else:
        number = f"range: {format_cell(fig.value_lower, _NUMBER)} to {format_cell(fig.value_upper, _NUMBER)}"
    period = fig.period_label + (f" [{fig.period_dates}]" if fig.period_dates else "")
    period += f", counted {fig.frequency.replace('_', ' ')}" if fig.frequency else ""
    out.styled(fig.headline, "1", on, end=f"\n  id: {fig.id}\n  measure: {fig.measure}\n")
    out.write(f"  {number} ({fig.qualifier}, unit: {unit})\n  period: {period}\n")
    out.write(f"  geography: {fig.geography}\n  population: {fig.population}\n")
    out.styled("Caveats", "1", on, end=" (key caveat first):\n")
    for n, caveat in enumerate(fig.caveats, start=1):
        out.write(f"  {n}. [{caveat.kind}] {caveat.text}\n     basis: {caveat.basis_line}\n")
    out.styled("Source", "1", on, end=f": {fig.source_line()}\n")
    out.write("  chain, first step first:\n" if fig.sources else "")
    for n, step in enumerate(fig.sources, start=1):
        out.write(f"    {n}. {step}\n")
    out.write(f"  quote (characters {p.quote_start} to {p.quote_end} of {p.raw_path}), in context:\n    ")
    start = min(chars, p.quote_start)
    out.marked(fig.context(chars, mark=("", "")), start, start + p.quote_end - p.quote_start, on)
    out.write("\n")


def _cmd_show(args: argparse.Namespace, out: Out) -> None:
    if args.all == bool(args.id):
        raise InvalidArgumentError(f"give one figure id, or --all (see `{PROG} list`)")
    figures = list(_catalog.all_figures().values()) if args.all else [_catalog.get_figure(args.id)]
    data = [f.to_dict() for f in figures]
    if not _data(out, args.format, data if args.all else data[0]):
        for n, fig in enumerate(figures):
            out.write("\n" if n else "")
            _show(fig, out, args.context)


def _cmd_search(args: argparse.Namespace, out: Out) -> None:
    from ._search import search

    found = search(" ".join(args.words), limit=args.limit)  # --limit 0: InvalidArgumentError
    if found or args.format == "json":
        _listing(out, found, args.format, "")
    else:
        out.write(f"No figure matches {shown(' '.join(args.words), 80)}. `{PROG} list` shows them all.\n")


def _cmd_cite(args: argparse.Namespace, out: Out) -> None:
    from .citation import cite_figure, cite_package

    if args.package == bool(args.id):
        raise InvalidArgumentError("give one figure id, or --package to cite the whole data package")
    text = cite_package(args.format) if args.package else cite_figure(_catalog.get_figure(args.id), args.format)
    out.write(text + "\n")


def _cmd_compare(args: argparse.Namespace, out: Out) -> int:
    from .comparison import compare

    comparison = compare(args.a, args.b)
    if not _data(out, args.format, comparison.to_dict()):
        out.write(f"{comparison}\n")
    return 0 if comparison.comparable else 1


#: What ``export`` says it wrote as one file.
_ONE_FILE = {
    "zip": "the whole data package in one zip (datapackage.json at its top, README.md, ATTRIBUTION.txt); "
    "`frictionless validate` reads it as it is",
    "sqlite": "every table in one SQLite database, with its keys and the view figures_with_key_caveat; "
    "`datasette FILE` browses it",
}


def _cmd_export(args: argparse.Namespace, out: Out) -> None:
    from .export import export

    written = export(args.format, args.out)  # a bad --out: ExportError, a usage error
    if args.format in _ONE_FILE:
        out.write(f"Wrote {args.out}: {_ONE_FILE[args.format]}\n")
    else:  # a folder: the files and ATTRIBUTION.txt
        out.write(f"Wrote {len(written)} files to {args.out}: {', '.join(written)}\n")


def _cmd_site(args: argparse.Namespace, out: Out) -> None:
    from .site import SiteError, build_site

    try:
        written = build_site(_paths.root_argument(args.out, "--out"), base_url=args.base_url)
    except SiteError as exc:
        raise InvalidArgumentError(str(exc)) from None
    pages = sum(name.endswith(".html") for name in written)
    out.write(f"Wrote the site to {args.out}: {pages} pages and {len(written) - pages} other files; open index.html\n")


def _root(value: str, marker: str, what: str) -> Path:
    """A ``--root`` that holds ``marker``, or bad input saying it is not ``what``."""
    root = _paths.root_argument(value, "--root")  # "" is refused: it would silently mean "."
    if not os.path.exists(root / marker):
        raise InvalidArgumentError(f"--root {shown(value)} is not {what} (no {marker} in it)")
    return root


def _source_root(value: str | None) -> Path:
    """``--root`` of ``build`` and ``todo``: a source checkout, by default this package's or the current folder."""
    if value is not None:
        return _root(value, "data/curation", "a source checkout")
    from pathlib import Path

    root = _paths.checkout_root() or Path.cwd()
    if not (root / "data" / "curation").is_dir():
        raise InvalidArgumentError(
            "not in a source checkout: give --root, the folder holding data/curation and data/raw"
        )
    return root


def _cmd_build(args: argparse.Namespace, out: Out) -> None:
    from .build import build

    root = _source_root(args.root)
    build(root)
    out.write(f"Built the data package in {root}: datapackage.json and data/processed/ are up to date.\n")


def _cmd_todo(args: argparse.Namespace, out: Out) -> int:
    from .build import unaccounted_report

    report = unaccounted_report(_source_root(args.root))
    out.write((report or "Every number in the raw documents is accounted for.") + "\n")
    return 1 if report else 0


def _cmd_validate(args: argparse.Namespace, out: Out) -> int:
    root = None if args.root is None else _root(args.root, "datapackage.json", "a data package folder")
    from dataclasses import asdict  # after the check: a wrong --root is told at once

    from .validation import format_report, validate, will_rebuild

    problems = validate(root, rebuild=args.rebuild)
    if not _data(out, args.format, [asdict(p) for p in problems]):
        out.write(format_report(problems) + "\n")
        if not will_rebuild(root, args.rebuild):
            out.write("rebuild check: skipped (not a source checkout, or --no-rebuild)\n")
    return 1 if problems else 0


# -- the table of commands ------------------------------------------------------------------------------------


def _styles() -> tuple[str, ...]:
    from .citation import STYLES  # imported only when `cite` is parsed

    return STYLES


def _format(*choices: str, help: str = "") -> Arg:
    return "--format", help or f"output format (default: {choices[0]})", {"choices": choices, "default": choices[0]}


_MANY: dict[str, Any] = {"action": "append"}
_FLAG: dict[str, Any] = {"action": "store_true"}
_ID: Arg = ("id", "a figure id (see `iicsa-stats list`)", {"nargs": "?", "metavar": "ID"})
_ROOT = "the source checkout (default: the one this package runs from, or the current folder)"
#: Each command: its help (also its description), an example, the function it runs, then its arguments, each
#: (name, help, the rest of ``add_argument``'s options; ``choices`` may be a function, called only for its command).
TABLE: dict[str, tuple[Any, ...]] = {
    "list": (
        "List the figures, with their key caveat.",
        "list --unit offences --format csv",
        _cmd_list,
        ("--unit", "only figures counted in this unit (e.g. offences; repeat for several)", _MANY),
        ("--geography", "only figures for this area (e.g. 'England and Wales')", _MANY),
        ("--document", "only figures from this document id", _MANY),
        ("--scale-measure", "reported_offences, victims, perpetrators or images", _MANY),
        ("--period-type", "financial_year, single_date, ending_by, open_ended or not_stated", _MANY),
        ("--qualifier", "exact, more_than, range, approximate_range, lower_bound, ...", _MANY),
        _format("table", "csv", "json"),
    ),
    "show": (
        "Show a figure: value, unit, period, geography, caveats, source and its quote in context.",
        "show people-arrested-online-csa-per-month",
        _cmd_show,
        _ID,
        ("--all", "show every figure", _FLAG),
        ("--context", "raw text shown around the quote", {"type": _count, "default": 120, "metavar": "CHARS"}),
        _format("text", "json", help="text, or json with caveats and provenance nested"),
    ),
    "search": (
        "Find figures by words, best match first.",
        "search arrests each month",
        _cmd_search,
        ("words", "words to look for", {"nargs": "+"}),
        ("--limit", "at most this many figures", {"type": _count}),
        _format("table", "json"),
    ),
    "cite": (
        "Print a full citation for a figure (naming its original producer) or for the whole package.",
        "cite rea-perpetrator-age-band --format bibtex",
        _cmd_cite,
        _ID,
        ("--package", "cite the whole data package instead of one figure", _FLAG),
        ("--format", "text (default), bibtex, csl-json or ris", {"choices": _styles, "default": "text"}),
    ),
    "compare": (
        "Say whether two figures may be set side by side, and why not. Exit status 0 when they are comparable, "
        "1 when they are not or only with caveats, 2 for bad input.",
        "compare police-recorded-online-csa-incidents-2016-17 police-recorded-online-csa-offences-2017-18",
        _cmd_compare,
        ("a", _ID[1], {}),
        ("b", "another figure id", {}),
        _format("text", "json"),
    ),
    "export": (
        "Write the tables (csv, parquet, or xlsx: one Excel workbook that keeps every cell's type) or the figures "
        "with their caveats and provenance (json) to a folder, with an ATTRIBUTION.txt; or all of it as one file: "
        "a zip of the data package, or a SQLite database.",
        "export --format parquet --out ./iicsa-data",
        _cmd_export,
        (
            "--format",
            "csv (UTF-8, LF), parquet, xlsx (needs openpyxl), json (figures), zip (the data package, one file) "
            "or sqlite (one database with keys)",
            {"choices": ("csv", "parquet", "xlsx", "json", "zip", "sqlite"), "required": True},
        ),
        ("--out", "folder to write into (created if missing); for zip and sqlite, the file", {"required": True}),
    ),
    "site": (
        "Write a static site: an index of every figure, a page per figure (caveats, source, how to cite) and per "
        "source document, and the downloads. Plain HTML and CSS that open from the file system.",
        "site --out ./iicsa-site",
        _cmd_site,
        ("--out", "folder to write (an earlier site in it is replaced)", {"required": True, "metavar": "DIR"}),
        ("--base-url", "address the site will be published at, for absolute links in its JSON-LD", {"metavar": "URL"}),
    ),
    "build": (
        "Rebuild datapackage.json and data/processed/ from data/raw/ and data/curation/ (source checkout).",
        "build",
        _cmd_build,
        ("--root", _ROOT, {}),
    ),
    "validate": (
        "Check the data package: schemas, hashes, quotes, ledger, keys, comparisons, CSV against Parquet, and (in a "
        "checkout) a fresh rebuild. Exit status 1 lists every problem.",
        "validate --no-rebuild",
        _cmd_validate,
        ("--root", "a data package folder (default: the data this package uses)", {}),
        (
            "--rebuild",
            "run the rebuild-equals-committed check, or skip it with --no-rebuild (default: run it whenever "
            "--root is a source checkout)",
            {"action": argparse.BooleanOptionalAction},
        ),
        _format("text", "json", help="report format (default: text)"),
    ),
    "todo": (
        "List every number in the raw documents not yet accounted for, with context and a curation stub.",
        "todo",
        _cmd_todo,
        ("--root", _ROOT, {}),
    ),
}
_COMMANDS = tuple(TABLE)


def _parser(only: str | None) -> _Parser:
    """The argument parser; with ``only``, just that command's subparser is built (a faster start)."""
    parser = _Parser(
        prog=PROG,
        description="IICSA figures on online-facilitated child sexual abuse, each with its caveats and source.",
        epilog=f"example:\n  {PROG} show police-recorded-online-csa-offences-2017-18",
        formatter_class=_formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (help_, example, run, *arguments) in TABLE.items():
        if only not in (None, name):
            continue
        epilog = f"example:\n  {PROG} {example}"
        p = sub.add_parser(name, help=help_, description=help_, epilog=epilog, formatter_class=_formatter)
        for flag, text, given in arguments:
            options = {**given, "help": text}
            if callable(options.get("choices")):
                options["choices"] = options["choices"]()
            p.add_argument(flag, **options)
        p.set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    0 on success, 1 for damaged data or problems found (validation, a build, a comparison), 2 for bad input.

    Examples
    --------
    >>> main(["cite", "police-recorded-online-csa-incidents-2016-17"])  # doctest: +ELLIPSIS
    Independent Inquiry into Child Sexual Abuse (IICSA). The Internet Investigation Report, ...
    0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    first = argv[0] if argv else None
    try:
        out = Out(sys.stdout)
        args = _parser(first if first in TABLE else None).parse_args(argv)
        if args.command is None:
            raise InvalidArgumentError(f"give a command, e.g. `{PROG} list` (see `{PROG} --help`)")
        status: int = args.run(args, out) or 0
        out.flush()
        return status
    except OutputError as exc:
        say(f"{PROG}: error", exc)
        discard_stdout()
        return 1
    except _USAGE as exc:
        say(f"{PROG}: error", exc)
        return 2
    except errors.IICSAStatsError as exc:  # damaged data, a raw text the loader refuses, or a failed build
        if first in ("build", "todo") and isinstance(exc, _BUILD_FAILED):
            print(f"{PROG}: build failed: {escape(str(exc))}", file=sys.stderr)  # one line per number
        else:
            say(f"{PROG}: error", exc)
        return 1
    except UnicodeEncodeError as exc:
        say(
            f"{PROG}: error", f"the output's encoding ({exc.encoding}) cannot show the text; set PYTHONIOENCODING=utf-8"
        )
        return 1
    except BrokenPipeError:
        discard_stdout()
        return 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
