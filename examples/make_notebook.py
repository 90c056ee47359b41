"""Write ``examples/explore_figures.ipynb`` with nbformat, without outputs.

The notebook is generated so that it is reviewed as code and committed clean:
edit the cells here, then run ``python examples/make_notebook.py``.
``tests/test_notebook.py`` executes the notebook and checks that the committed
file has no outputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "explore_figures.ipynb"

CELLS: list[tuple[str, str]] = [
    (
        "markdown",
        """\
# Exploring the IICSA figures

A notebook to start from: look a figure up, read its caveats and its source, chart two figures without
implying more than they show, and export a table.

**Content notice.** The subject is child sexual abuse. The package holds aggregate figures only (counts,
estimates, ranges and amounts with their caveats), no case details.""",
    ),
    (
        "code",
        """\
%matplotlib inline
import tempfile
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.ticker import StrMethodFormatter

import iicsa_stats as ist

print(f"iicsa_stats {ist.__version__}")
ist.list_figures()""",
    ),
    (
        "markdown",
        """\
## Look a figure up

`ist.figure(id)` returns a frozen `Figure`. Its headline gives the value with its qualifier, unit,
geography and period; `print(fig)` adds every caveat (the key caveat first) and the source. In Jupyter,
`fig` on its own shows the same as HTML.""",
    ),
    (
        "code",
        """\
fig = ist.figure("police-recorded-online-csa-offences-2017-18")
print(fig)""",
    ),
    (
        "markdown",
        """\
Each caveat says what it rests on: the source's own words, or a curator's note with public references
(those the curators could not confirm in detail are marked). Here is the basis of the key caveat, printed
first above.""",
    ),
    (
        "code",
        """\
key = fig.caveats[0]
print(f"{key.id}: {key.kind}, basis: {key.basis}")
if key.basis == "source":
    print(f"stated in the source ({key.locator}): {key.quote!r}")
for ref in key.references:
    print(f"reference: {ref.title} <{ref.url}>" + ("" if ref.confirmed else " (not confirmed)"))""",
    ),
    (
        "markdown",
        """\
## Its provenance

The quote is stored with its offsets in the verbatim raw text, so it can be shown in its context (between
» and «). `cite()` names the Inquiry document, the place in it and the original producer.""",
    ),
    (
        "code",
        """\
p = fig.provenance
print(p.document_title, "|", p.locator, "| footnotes:", " ".join(p.footnote_markers))
print(f"characters {p.quote_start} to {p.quote_end} of {p.raw_path}")
print(p.producer_line)
print()
print(fig.context(200))
print()
print(fig.cite())""",
    ),
    (
        "markdown",
        """\
## Two police-recorded counts that are not a series

The report gives 5,653 *incidents* for 2016/17 and 8,525 *offences* for 2017/18. They share a measure code
but not a unit, and may come from different producers, so the change between them is not shown to be
like-for-like. `ist.compare` says so from the data (the `comparisons` table): its verdict and the
dimensions that limit it title the panels.""",
    ),
    (
        "code",
        """\
police = [
    ist.figure("police-recorded-online-csa-incidents-2016-17"),
    ist.figure("police-recorded-online-csa-offences-2017-18"),
]
assert {f.unit for f in police} == {"incidents", "offences"}  # two units: never merged
comparison = ist.compare(police[0].id, police[1].id)
print(comparison.reason.split(";")[0])  # the verdict and the first reason
assert comparison.verdict != "comparable", comparison.verdict
limits = [d.name for d in comparison.differences if d.effect != "none"]  # e.g. unit, producer
verdict = comparison.verdict.replace("_", " ")""",
    ),
    (
        "markdown",
        """\
The chart does not put them on one axis: each count has its own panel and its own y-axis, titled with its
unit and period, with a different marker and colour for each unit and no line between them.""",
    ),
    (
        "code",
        """\
STYLES = {"incidents": {"marker": "o", "color": "tab:blue"}, "offences": {"marker": "s", "color": "tab:orange"}}


def draw_count(ax, f):
    \"\"\"One count on its own axis: a point and its value, no line to any other count.\"\"\"
    ax.plot([0], [f.value], linestyle="none", markersize=11, **STYLES[f.unit])
    ax.annotate(f.value_text, (0, f.value), textcoords="offset points", xytext=(12, -4))
    ax.set(xlim=(-0.5, 1), xticks=[], ylim=(0, f.value * 1.3), ylabel=f"count of {f.unit}")
    ax.set_xlabel(f.geography, fontsize=8)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    other = ist.figure(comparison.other(f.id)).unit  # the other panel's unit
    ax.set_title(f"{f.unit}, {f.period_text}\\n{verdict} with the {other} count", fontsize=10)""",
    ),
    (
        "code",
        """\
chart, axes = plt.subplots(1, len(police), figsize=(9, 5.6))  # separate y-axes: no shared scale
for ax, f in zip(axes, police, strict=True):
    draw_count(ax, f)
chart.suptitle(
    "Police-recorded sexual crimes against children with an online element:\\n"
    f"two counts, {verdict} ({' and '.join(limits)} differ), each on its own axis (not a series)",
    fontsize=11,
)
keys = {f.caveats[0].id: f.caveats[0].text for f in police}  # printed above if the figure above carries it
printed = {c.id for c in fig.caveats}
caption = " ".join(f"Key caveat {k}: " + ("printed above." if k in printed else t) for k, t in keys.items())
chart.text(0.01, 0.02, textwrap.fill(caption, 155, break_on_hyphens=False), fontsize=7, va="bottom")
chart.subplots_adjust(top=0.80, bottom=0.16, wspace=0.4)
plt.show()""",
    ),
    (
        "markdown",
        """\
## Figures given as ranges

Some figures are ranges: the text gives two ends and no single value. They are drawn as error bars from
the lower to the upper end, with no central point, one small panel each: they count different things in
different units, so they share no axis. (The perpetrator age band, 18 to 25 years, is a band of ages rather
than an uncertain amount and is left out of this chart.)""",
    ),
    (
        "code",
        """\
def draw_range(ax, number, f):
    \"\"\"A range as an error bar from its lower to its upper end, with no central point.\"\"\"
    middle, half = (f.value_lower + f.value_upper) / 2, (f.value_upper - f.value_lower) / 2
    ax.errorbar([0], [middle], yerr=[[half], [half]], fmt="none", capsize=12, elinewidth=2)
    ax.set(xticks=[], ylim=(0, f.value_upper * 1.3))
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_ylabel(f.unit_label + (" per month" if f.frequency == "per_month" else ""))
    ax.set_title(textwrap.fill(f"({number}) {f.value_text}", 32), fontsize=9)
    ax.set_xlabel(textwrap.fill(f"{f.geography}, {f.period_text}; {f.provenance.locator}", 36), fontsize=8)""",
    ),
    (
        "code",
        """\
every = [ist.figure(i) for i in ist.list_figures()]
ranges = [f for f in every if f.value_lower is not None and f.unit != "years_of_age"]
panels, axes = plt.subplots(1, len(ranges), figsize=(4.5 * len(ranges), 5.2), squeeze=False)
for number, (ax, f) in enumerate(zip(axes[0], ranges, strict=True), start=1):
    draw_range(ax, number, f)
caption = "Each panel has its own axis and unit: the ranges count different things. Key caveats: " + " ".join(
    f"({number}) {f.caveats[0].text}" for number, f in enumerate(ranges, start=1)
)
panels.text(0.01, 0.01, textwrap.fill(caption, 75 * len(ranges)), fontsize=7, va="bottom", ha="left")
panels.subplots_adjust(bottom=0.32, wspace=0.45)
plt.show()""",
    ),
    (
        "markdown",
        """\
## A filtered table, exported

`ist.figures(**filters)` returns the figures table as a DataFrame; filters take a value or a list of
values, checked against the column's code list. Here: figures for England and Wales, each with its key
caveat joined on.""",
    ),
    (
        "code",
        """\
table = ist.figures(geography="England and Wales")
links = ist.table("figure_caveats")
key = links[links["position"] == 1].merge(ist.caveats()[["caveat_id", "text"]], on="caveat_id")
table = table.merge(key[["figure_id", "text"]].rename(columns={"text": "key_caveat"}), on="figure_id")
columns = ["figure_id", "value", "value_lower", "value_upper", "qualifier", "unit", "period_label", "geography"]
table = table[[*columns, "locator", "key_caveat"]]
table[columns]  # the key caveats travel in the files written below""",
    ),
    (
        "markdown",
        """\
The table is written as CSV and Parquet into a temporary folder, which is removed when the cell ends: the
notebook writes nothing anywhere else. (`iicsa-stats export` writes the whole tables from a terminal.)""",
    ),
    (
        "code",
        """\
with tempfile.TemporaryDirectory(prefix="iicsa-example-") as folder:
    out = Path(folder)
    table.to_csv(out / "figures-england-and-wales.csv", index=False)
    table.to_parquet(out / "figures-england-and-wales.parquet", index=False)
    print(sorted(p.name for p in out.iterdir()))
print(f"{out} removed: {not out.exists()}")""",
    ),
    (
        "markdown",
        """\
Keep the key caveat with any figure you publish, and do not add or compare figures measured in different
ways: the Inquiry's research says the four ways of measuring scale give very different figures and that
none of them is likely to reveal the true extent.""",
    ),
]


def build() -> nbformat.NotebookNode:
    """The notebook, with no outputs and no execution counts."""
    cells = [new_markdown_cell(src) if kind == "markdown" else new_code_cell(src) for kind, src in CELLS]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for number, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{number:02d}"
    nbformat.validate(nb)
    return nb


def main() -> int:
    """Write the notebook; returns the exit status."""
    nbformat.write(build(), NOTEBOOK)
    print(f"wrote {NOTEBOOK.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
