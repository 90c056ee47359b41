"""The ``iicsa-stats`` command (also ``python -m iicsa_stats``).

Lookups (``list``, ``show``, ``search``, ``cite``) read the shipped data with the
standard library, so they start fast.  Bad input exits with status 2 and one
line on standard error; a failed validation or build exits with status 1.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import _catalog, _loader, _paths
from ._figure import Figure
from ._output import Out, OutputError, colour, discard_stdout, say, shown
from ._version import __version__
from .errors import (
    BuildError,
    ComparisonError,
    CurationError,
    IICSAStatsError,
    InvalidArgumentError,
    RawDocumentError,
    UnknownFigureError,
)
from .tables import format_cell

# typing is imported for type checkers only: a lookup should not pay for it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from typing import Any, NoReturn

    Arg = tuple[str, str, dict[str, Any]]

__all__ = ["main"]

PROG = "iicsa-stats"
USAGE_ERROR = 2
FAILED = 1
_FILTERS = ("unit", "geography", "document", "scale_measure", "period_type", "qualifier")
_LIST_COLUMNS = ("id", "value", "value_lower", "value_upper", "qualifier", "unit", "period_label", "geography")


class _UsageError(Exception):
    pass


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, measuring the terminal with os rather than shutil (shutil costs ~3 ms to import)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        if width is None:
            try:
                width = os.get_terminal_size().columns - 2
            except OSError:
                width = int(os.environ.get("COLUMNS", "80")) - 2 if os.environ.get("COLUMNS", "").isdigit() else 78
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit 2 (never a usage dump)."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see `{self.prog} --help`)")


def _count(text: str) -> int:
    """An argparse type: a whole number >= 0 (>= 1 for --limit is checked by search)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative")
    return value


# -- commands ------------------------------------------------------------------------------------------------


def _selected(args: argparse.Namespace) -> list[Figure]:
    figures = list(_catalog.all_figures().values())
    for name in _FILTERS:
        wanted = getattr(args, name, None)
        if not wanted:
            continue
        attr = "provenance.document_id" if name == "document" else name
        valid = sorted({value for f in figures if isinstance(value := _get(f, attr), str)})
        unknown = [w for w in wanted if w not in valid]
        if unknown:
            names = ", ".join(repr(w) for w in unknown)
            raise _UsageError(f"--{name.replace('_', '-')} {names} matches no figure; choose from {valid}")
        figures = [f for f in figures if _get(f, attr) in wanted]  # repeated options: any of them
    return figures


def _get(fig: Figure, attr: str) -> object:
    value: object = fig
    for part in attr.split("."):
        value = getattr(value, part)
    return value


def _figure_record(fig: Figure) -> dict[str, object]:
    record: dict[str, object] = {"figure_id": fig.id, **{c: getattr(fig, c) for c in _LIST_COLUMNS[1:]}}
    record["headline"] = fig.headline
    record["key_caveat"] = fig.caveats[0].text
    return record


def _json(out: Out, data: object) -> int:
    """Write ``data`` as indented JSON (non-ASCII kept, anything else as its str) and a newline; return 0."""
    import json

    json.dump(data, out, indent=2, ensure_ascii=False, default=str)
    out.write("\n")
    return 0


def _cmd_list(args: argparse.Namespace, out: Out) -> int:
    figures = _selected(args)
    if args.format == "json":
        return _json(out, [_figure_record(f) for f in figures])
    if args.format == "csv":
        import csv

        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["figure_id", *_LIST_COLUMNS[1:], "headline", "key_caveat"])
        for f in figures:
            record = _figure_record(f)
            writer.writerow(
                [format_cell(v, {"type": "number"}) if isinstance(v, float) else v for v in record.values()]
            )
    else:
        bold = colour(out)
        for f in figures:
            out.styled(f.id, "1", bold, end=f"\n  {f.headline}\n  key caveat: {f.caveats[0].text}\n")
        out.write(f"{len(figures)} figures. `{PROG} show ID` gives each with all its caveats and its source.\n")
    return 0


def _unit(fig: Figure) -> str:
    return fig.unit if fig.unit_label == fig.unit else f"{fig.unit}, written as \u201c{fig.unit_label}\u201d"


def _show(fig: Figure, out: Out, chars: int) -> None:
    on = colour(out)
    p = fig.provenance
    out.styled(fig.headline, "1", on, end="\n")
    out.write(f"  id: {fig.id}\n  measure: {fig.measure}\n")
    number_field = {"type": "number"}
    if fig.value is not None:
        value = format_cell(fig.value, number_field)
        out.write(f"  value: {value} ({fig.qualifier}, unit: {_unit(fig)})\n")
    else:
        bounds = f"{format_cell(fig.value_lower, number_field)} to {format_cell(fig.value_upper, number_field)}"
        out.write(f"  range: {bounds} ({fig.qualifier}, unit: {_unit(fig)})\n")
    period = fig.period_label
    if fig.period_dates:
        period += f" [{fig.period_dates}]"
    out.write(f"  period: {period}" + (f", counted {fig.frequency.replace('_', ' ')}" if fig.frequency else "") + "\n")
    out.write(f"  geography: {fig.geography}\n  population: {fig.population}\n")
    out.styled("Caveats", "1", on, end=" (key caveat first):\n")
    for number, caveat in enumerate(fig.caveats, start=1):
        out.write(f"  {number}. [{caveat.kind}] {caveat.text}\n     basis: {caveat.basis_line}\n")
    out.styled("Source", "1", on, end=f": {fig.source_line()}\n")
    if fig.sources:
        out.write("  chain, first step first:\n")
        for number, step in enumerate(fig.sources, start=1):
            out.write(f"    {number}. {step}\n")
    out.write(f"  quote (characters {p.quote_start} to {p.quote_end} of {p.raw_path}), in context:\n")
    start = min(chars, p.quote_start)
    out.write("    ")
    out.marked(fig.context(chars, mark=("", "")), start, start + p.quote_end - p.quote_start, on)
    out.write("\n")


def _cmd_show(args: argparse.Namespace, out: Out) -> int:
    if args.all == bool(args.id):
        raise _UsageError("give one figure id, or --all (see `iicsa-stats list`)")
    figures = list(_catalog.all_figures().values()) if args.all else [_catalog.get_figure(args.id)]
    if args.format == "json":
        data = [f.to_dict() for f in figures]
        return _json(out, data if args.all else data[0])
    for number, fig in enumerate(figures):
        if number:
            out.write("\n")
        _show(fig, out, args.context)
    return 0


def _cmd_search(args: argparse.Namespace, out: Out) -> int:
    from ._search import search

    if args.limit == 0:
        raise _UsageError("--limit must be at least 1")
    found = search(" ".join(args.words), limit=args.limit)
    if args.format == "json":
        return _json(out, [_figure_record(f) for f in found])
    if not found:
        out.write(f"No figure matches {shown(' '.join(args.words), 80)}. `{PROG} list` shows them all.\n")
        return 0
    for f in found:
        out.write(f"{f.id}\n  {f.headline}\n  key caveat: {f.caveats[0].text}\n")
    out.write(f"`{PROG} show ID` gives each with all its caveats and its source.\n")
    return 0


def _cmd_compare(args: argparse.Namespace, out: Out) -> int:
    from .comparison import compare

    comparison = compare(args.a, args.b)
    if args.format == "json":
        _json(out, comparison.to_dict())
    else:
        out.write(f"{comparison}\n")
    return 0 if comparison.comparable else FAILED


#: What ``export --format zip`` and ``--format sqlite`` say they wrote (``export`` writes them as one file each).
ONE_FILE = {
    "zip": "the whole data package in one zip (datapackage.json at its top, README.md, ATTRIBUTION.txt); "
    "`frictionless validate` reads it as it is",
    "sqlite": "every table in one SQLite database, with its keys and the view figures_with_key_caveat; "
    "`datasette FILE` browses it",
}


def _cmd_export(args: argparse.Namespace, out: Out) -> int:
    from pathlib import Path

    from .errors import ExportError
    from .export import export

    try:
        written = export(args.format, args.out)
    except ExportError as exc:  # bad --out: a usage error
        raise _UsageError(str(exc)) from None
    if args.format in ONE_FILE:
        out.write(f"Wrote {Path(args.out)}: {ONE_FILE[args.format]}\n")
    else:
        count = len(written)
        out.write(f"Wrote {count} file{'s' if count != 1 else ''} to {Path(args.out)}: {', '.join(written)}\n")
    return 0


def _source_root(value: str | None) -> Path:
    from pathlib import Path

    from ._paths import checkout_root

    if value is not None:
        given = _paths.root_argument(value, "--root")  # "" is refused: it would silently mean the default
        if not os.path.isdir(given / "data" / "curation"):
            raise _UsageError(f"--root {shown(value)} is not a source checkout (no data/curation folder in it)")
        return given
    root = checkout_root()
    if root is None and (Path.cwd() / "data" / "curation").is_dir():
        root = Path.cwd()
    if root is None:
        raise _UsageError("not in a source checkout: give --root, the folder holding data/curation and data/raw")
    return root


def _cmd_build(args: argparse.Namespace, out: Out) -> int:
    from .build import build

    root = _source_root(args.root)
    build(root)
    _loader.clear_cache()
    out.write(f"Built the data package in {root}: datapackage.json and data/processed/ are up to date.\n")
    return 0


def _cmd_todo(args: argparse.Namespace, out: Out) -> int:
    from .build import unaccounted_report

    report = unaccounted_report(_source_root(args.root))
    out.write((report or "Every number in the raw documents is accounted for.") + "\n")
    return FAILED if report else 0


def _cmd_validate(args: argparse.Namespace, out: Out) -> int:
    from .validation import format_report, validate, will_rebuild

    root = _paths.root_argument(args.root, "--root") if args.root is not None else None
    if root is not None and not os.path.isfile(root / "datapackage.json"):
        raise _UsageError(f"--root {shown(args.root)} is not a data package folder (no datapackage.json in it)")
    rebuild = False if args.no_rebuild else (True if args.rebuild else None)
    problems = validate(root, rebuild=rebuild)
    if args.format == "json":
        from dataclasses import asdict

        _json(out, [asdict(p) for p in problems])
    else:
        out.write(format_report(problems) + "\n")
        if not will_rebuild(root, rebuild):
            out.write("rebuild check: skipped (not a source checkout, or --no-rebuild)\n")
    return FAILED if problems else 0


# -- the table of commands ----------------------------------------------------------------------------------


def _cmd_cite(args: argparse.Namespace, out: Out) -> int:
    from .citation import cite_figure, cite_package

    if args.package == bool(args.id):
        raise _UsageError("give one figure id, or --package to cite the whole data package")
    text = cite_package(args.format) if args.package else cite_figure(_catalog.get_figure(args.id), args.format)
    out.write(text + "\n")
    return 0


def _cmd_site(args: argparse.Namespace, out: Out) -> int:
    from pathlib import Path

    from .site import SiteError, build_site

    if not args.out.strip():
        raise _UsageError("--out is empty; give the folder to write the site into")
    try:
        written = build_site(Path(args.out), base_url=args.base_url)
    except SiteError as exc:
        raise _UsageError(str(exc)) from None
    pages = sum(name.endswith(".html") for name in written)
    out.write(f"Wrote the site to {args.out}: {pages} pages and {len(written) - pages} other files; open index.html\n")
    return 0


def _styles() -> tuple[str, ...]:
    from .citation import STYLES  # imported only when `cite` is parsed

    return STYLES


def _format(choices: tuple[str, ...], help_: str = "") -> Arg:
    return "--format", help_ or f"output format (default: {choices[0]})", {"choices": choices, "default": choices[0]}


_APPEND: dict[str, Any] = {"action": "append"}
_FLAG: dict[str, Any] = {"action": "store_true"}
_MAYBE: dict[str, Any] = {"nargs": "?"}
_FIGURE_ID = "a figure id (see `iicsa-stats list`)"
#: Each command: its help (also its description), an example, the function it runs, and its arguments, each
#: (name, help, the rest of ``add_argument``'s options; ``exclusive``: one of the command's mutually exclusive options).
TABLE: dict[str, tuple[str, str, Callable[[argparse.Namespace, Out], int], tuple[Arg, ...]]] = {
    "list": (
        "List the figures, with their key caveat.",
        "list --unit offences --format csv",
        _cmd_list,
        (
            ("--unit", "only figures counted in this unit (e.g. offences; repeat for several)", _APPEND),
            ("--geography", "only figures for this area (e.g. 'England and Wales')", _APPEND),
            ("--document", "only figures from this document id", _APPEND),
            ("--scale-measure", "reported_offences, victims, perpetrators or images", _APPEND),
            ("--period-type", "financial_year, single_date, ending_by, open_ended or not_stated", _APPEND),
            ("--qualifier", "exact, more_than, range, approximate_range, lower_bound, ...", _APPEND),
            _format(("table", "csv", "json")),
        ),
    ),
    "show": (
        "Show a figure: value, unit, period, geography, caveats, source and its quote in context.",
        "show people-arrested-online-csa-per-month",
        _cmd_show,
        (
            ("id", _FIGURE_ID, _MAYBE),
            ("--all", "show every figure", _FLAG),
            ("--context", "raw text shown around the quote", {"type": _count, "default": 120, "metavar": "CHARS"}),
            _format(("text", "json"), "text, or json with caveats and provenance nested"),
        ),
    ),
    "search": (
        "Find figures by words, best match first.",
        "search arrests each month",
        _cmd_search,
        (
            ("words", "words to look for", {"nargs": "+"}),
            ("--limit", "at most this many figures", {"type": _count}),
            _format(("table", "json")),
        ),
    ),
    "cite": (
        "Print a full citation for a figure (naming its original producer) or for the whole package.",
        "cite rea-perpetrator-age-band --format bibtex",
        _cmd_cite,
        (
            ("id", _FIGURE_ID, {**_MAYBE, "metavar": "ID"}),
            ("--package", "cite the whole data package instead of one figure", _FLAG),
            (
                "--format",
                "text (default), bibtex, csl-json or ris, for reference managers",
                {"choices": _styles, "default": "text"},
            ),
        ),
    ),
    "compare": (
        "Say whether two figures may be set side by side, and why not. Exit status 0 when they are comparable, "
        "1 when they are not or only with caveats, 2 for bad input.",
        "compare police-recorded-online-csa-incidents-2016-17 police-recorded-online-csa-offences-2017-18",
        _cmd_compare,
        (("a", _FIGURE_ID, {}), ("b", "another figure id", {}), _format(("text", "json"))),
    ),
    "export": (
        "Write the tables (csv, parquet, or xlsx: one Excel workbook that keeps every cell's type) or the figures "
        "with their caveats and provenance (json) to a folder, with an ATTRIBUTION.txt; or all of it as one file: "
        "a zip of the data package, or a SQLite database.",
        "export --format parquet --out ./iicsa-data",
        _cmd_export,
        (
            (
                "--format",
                "csv (UTF-8, LF), parquet, xlsx (needs openpyxl), json (figures), zip (the data package, one file) "
                "or sqlite (one database with keys)",
                {"choices": ("csv", "parquet", "xlsx", "json", "zip", "sqlite"), "required": True},
            ),
            ("--out", "folder to write into (created if missing); for zip and sqlite, the file", {"required": True}),
        ),
    ),
    "site": (
        "Write a static site: an index of every figure, a page per figure (caveats, source, how to cite) and per "
        "source document, and the downloads. Plain HTML and CSS that open from the file system.",
        "site --out ./iicsa-site",
        _cmd_site,
        (
            ("--out", "folder to write (an earlier site in it is replaced)", {"required": True, "metavar": "DIR"}),
            (
                "--base-url",
                "address the site will be published at, for absolute links in its JSON-LD",
                {"metavar": "URL"},
            ),
        ),
    ),
    "build": (
        "Rebuild datapackage.json and data/processed/ from data/raw/ and data/curation/ (source checkout).",
        "build",
        _cmd_build,
        (("--root", "the source checkout (default: the one this package runs from, or the current folder)", {}),),
    ),
    "validate": (
        "Check the data package: schemas, hashes, quotes, ledger, keys, comparisons, CSV against Parquet, and (in a "
        "checkout) a fresh rebuild. Exit status 1 lists every problem.",
        "validate --no-rebuild",
        _cmd_validate,
        (
            ("--root", "a data package folder (default: the data this package uses)", {}),
            ("--no-rebuild", "skip the rebuild-equals-committed check", {**_FLAG, "exclusive": True}),
            (
                "--rebuild",
                "require it (default: run it whenever --root is a source checkout)",
                {**_FLAG, "exclusive": True},
            ),
            _format(("text", "json"), "report format (default: text)"),
        ),
    ),
    "todo": (
        "List every number in the raw documents not yet accounted for, with context and a curation stub.",
        "todo",
        _cmd_todo,
        (("--root", "the source checkout", {}),),
    ),
}
_COMMANDS = tuple(TABLE)


def _parser(only: str | None = None) -> _Parser:
    """The argument parser; with ``only``, just that command's subparser is built (a faster start)."""
    parser = _Parser(
        prog=PROG,
        description="IICSA figures on online-facilitated child sexual abuse, each with its caveats and source.",
        epilog=f"example:\n  {PROG} show police-recorded-online-csa-offences-2017-18",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (help_, example, run, arguments) in TABLE.items():
        if only is not None and name != only:
            continue  # not used in this run
        p = sub.add_parser(
            name, help=help_, description=help_, epilog=f"example:\n  {PROG} {example}", formatter_class=_Formatter
        )
        exclusive = None  # the command's one group of mutually exclusive options
        for flag, help_text, given in arguments:
            options = {**given, "help": help_text}
            if callable(options.get("choices")):
                options["choices"] = options["choices"]()
            if options.pop("exclusive", False):
                exclusive = exclusive or p.add_mutually_exclusive_group()
                exclusive.add_argument(flag, **options)
            else:
                p.add_argument(flag, **options)
        p.set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 when validation or a build fails, 2 for bad input.

    Examples
    --------
    >>> main(["cite", "police-recorded-online-csa-incidents-2016-17"])  # doctest: +ELLIPSIS
    Independent Inquiry into Child Sexual Abuse (IICSA). The Internet Investigation Report, ...
    0
    """
    first = None
    try:
        out = Out(sys.stdout)
        argv = list(sys.argv[1:] if argv is None else argv)
        first = argv[0] if argv else None
        args = _parser(first if first in _COMMANDS else None).parse_args(argv)
        if args.command is None:
            raise _UsageError(f"give a command, e.g. `{PROG} list` (see `{PROG} --help`)")
        status: int = args.run(args, out)
        out.flush()
        return status
    except OutputError as exc:
        say(f"{PROG}: error", exc)
        discard_stdout()
        return FAILED
    except (_UsageError, InvalidArgumentError, UnknownFigureError, ComparisonError) as exc:
        say(f"{PROG}: error", exc)
        return USAGE_ERROR
    except IICSAStatsError as exc:  # damaged data, a raw text the loader refuses, or a failed build
        if first in ("build", "todo") and isinstance(exc, CurationError | RawDocumentError | BuildError):
            print(f"{PROG}: build failed: {exc}", file=sys.stderr)  # may list several numbers, one per line
        else:
            say(f"{PROG}: error", exc)
        return FAILED
    except UnicodeEncodeError as exc:
        say(
            f"{PROG}: error", f"the output's encoding ({exc.encoding}) cannot show the text; set PYTHONIOENCODING=utf-8"
        )
        return FAILED
    except BrokenPipeError:
        discard_stdout()
        return 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
