"""The documentation agrees with the data, its examples run, and the public API is documented."""

from __future__ import annotations

import doctest
import functools
import importlib.util
import inspect
import itertools
import json
import re
import shlex
import shutil
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import jsonschema
import pytest
import yaml

import iicsa_stats as ist
from conftest import REPO
from iicsa_stats import cli


def _load_gen_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", REPO / "docs" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_docs", module)
    spec.loader.exec_module(module)
    return module


gen_docs = _load_gen_docs()


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _block(text: str, name: str) -> str:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", text, re.S)
    assert match, f"no {name} block"
    return match.group(1)


def _table_rows(block: str) -> list[list[str]]:
    """Cells of a Markdown table's body rows (escaped pipes kept as one cell)."""
    rows = []
    for line in block.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            cells = re.split(r"(?<!\\) \| ", line[2:-2])
            rows.append([c.replace("\\|", "|") for c in cells])
    return rows[1:]  # without the header


def _unwrap_code(cell: str) -> str:
    return cell.strip().strip("`").strip()


def _copy_checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    (root / "docs").mkdir(parents=True)
    for name in ("README.md", "datapackage.json"):
        shutil.copyfile(REPO / name, root / name)
    for name in ("data-dictionary.md", "datasheet.md"):
        shutil.copyfile(REPO / "docs" / name, root / "docs" / name)
    shutil.copytree(REPO / "schemas", root / "schemas")
    shutil.copytree(REPO / "data" / "processed", root / "data" / "processed")
    return root


# -- generated docs agree with the data ----------------------------------------------------------------------


@functools.cache
def _expected_files() -> dict[Path, str]:
    return gen_docs.expected_files(REPO)


@pytest.mark.parametrize("path", sorted(_expected_files()), ids=str)
def test_generated_file_is_up_to_date(path: Path) -> None:
    assert _read(REPO / path) == _expected_files()[path], f"{path} is stale: run `python docs/gen_docs.py`"


def test_figure_table_has_every_figure_with_its_key_caveat() -> None:
    rows = _table_rows(_block(_read(REPO / "README.md"), "figures"))
    assert [_unwrap_code(r[0]) for r in rows] == ist.list_figures()
    for row in rows:
        fig = ist.figure(_unwrap_code(row[0]))
        _, value, unit, period, geography, key_caveat, source = row
        assert value == fig.value_text
        assert _unwrap_code(unit) == fig.unit
        assert period == fig.period_text
        assert geography == ("not stated" if fig.geography == "not_stated" else fig.geography)
        assert key_caveat == " ".join(fig.caveats[0].text.split())
        assert fig.provenance.locator in source
        assert fig.provenance.url in source


def test_data_dictionary_describes_every_field() -> None:
    text = _read(REPO / "docs" / "data-dictionary.md")
    package = json.loads(_read(REPO / "datapackage.json"))
    resources = {r["name"]: r for r in package["resources"]}
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    assert len(sections) == len(ist.TABLES)
    for table, section in zip(ist.TABLES, sections, strict=True):
        assert section.startswith(f"{resources[table]['title']} (`{table}`)")
        assert resources[table]["description"] in section
        schema = json.loads(_read(REPO / "schemas" / f"{table}.schema.json"))
        rows = {_unwrap_code(r[0]): r for r in _table_rows(section)}
        assert list(rows) == [f["name"] for f in schema["fields"]]
        for field in schema["fields"]:
            _, kind, _notes, description, allowed, required = rows[field["name"]]
            constraints = field.get("constraints", {})
            assert kind == field["type"]
            assert description == " ".join(field["description"].split())
            assert [_unwrap_code(v) for v in allowed.split(", ") if v] == constraints.get("enum", [])
            assert required == ("yes" if constraints.get("required") else "no")


def test_check_finds_a_stale_readme_and_write_repairs_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy_checkout(tmp_path)
    readme = root / "README.md"
    text = _read(readme)
    readme.write_text(text.replace("8,525 offences |", "8,526 offences |", 1), encoding="utf-8")
    assert _read(readme) != text
    assert gen_docs.stale(root) == [gen_docs.README]
    assert gen_docs.main(["--check", "--root", str(root)]) == 1
    assert "stale: README.md" in capsys.readouterr().err
    assert gen_docs.main(["--root", str(root)]) == 0
    assert _read(readme) == text
    assert gen_docs.main(["--check", "--root", str(root)]) == 0


def test_check_finds_a_data_dictionary_behind_its_schema(tmp_path: Path) -> None:
    root = _copy_checkout(tmp_path)
    path = root / "schemas" / "ledger.schema.json"
    schema = json.loads(_read(path))
    schema["fields"][0]["description"] = "A changed description."
    path.write_text(json.dumps(schema), encoding="utf-8")
    assert gen_docs.stale(root) == [gen_docs.DICTIONARY]
    assert "A changed description." in gen_docs.data_dictionary(root)


def test_check_finds_a_missing_data_dictionary(tmp_path: Path) -> None:
    root = _copy_checkout(tmp_path)
    (root / "docs" / "data-dictionary.md").unlink()
    assert gen_docs.main(["--check", "--root", str(root)]) == 1
    assert gen_docs.write(root) == [gen_docs.DICTIONARY]
    assert gen_docs.stale(root) == []


def test_ledger_block_counts_every_mention() -> None:
    ledger = ist.ledger()
    rows = _table_rows(_block(_read(REPO / "README.md"), "ledger"))
    assert sum(int(r[3]) for r in rows) == len(ledger)
    excluded = {_unwrap_code(r[1]): int(r[3]) for r in rows if _unwrap_code(r[0]) == "excluded"}
    counts = ledger[ledger["status"] == "excluded"]["reason"].value_counts()
    assert excluded == {reason: int(counts.get(reason, 0)) for reason in excluded}


def test_ledger_block_refuses_an_undescribed_reason(tmp_path: Path) -> None:
    root = _copy_checkout(tmp_path)
    path = root / "schemas" / "ledger.schema.json"
    schema = json.loads(_read(path))
    reason = next(f for f in schema["fields"] if f["name"] == "reason")
    reason["constraints"]["enum"].append("new_reason")
    path.write_text(json.dumps(schema), encoding="utf-8")
    with pytest.raises(ValueError, match="ledger reason 'new_reason' has no description"):
        gen_docs.ledger_block(root)


# -- replace_block -------------------------------------------------------------------------------------------


def test_replace_block_keeps_everything_outside_the_markers() -> None:
    text = "before\n<!-- x:start -->\nold\n<!-- x:end -->\nafter\n"
    assert gen_docs.replace_block(text, "x", "new") == "before\n<!-- x:start -->\nnew\n<!-- x:end -->\nafter\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no markers", r"<!-- x:start --> must appear exactly once, found 0"),
        ("<!-- x:start --> and no end", r"<!-- x:end --> must appear exactly once, found 0"),
        ("<!-- x:start --><!-- x:start --><!-- x:end -->", r"<!-- x:start --> must appear exactly once, found 2"),
        ("<!-- x:end --> then <!-- x:start -->", r"<!-- x:end --> comes before <!-- x:start -->"),
    ],
)
def test_replace_block_refuses_bad_markers(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gen_docs.replace_block(text, "x", "new")


# -- the README ----------------------------------------------------------------------------------------------


def test_readme_python_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = doctest.testfile(
        str(REPO / "README.md"),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE,
        verbose=False,
        report=True,
    )
    assert result.attempted > 10
    assert result.failed == 0, "an example in README.md gives other output (see the report above)"


def _readme_commands() -> list[tuple[str, int]]:
    """Each ``iicsa-stats`` command of the README, with the exit status its comment gives (0 by default)."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", _read(REPO / "README.md"), re.S):
        for line in block.splitlines():
            command, _, comment = line.partition("  #")
            if command.strip().startswith("iicsa-stats "):
                status = re.search(r"exit status (\d)", comment)
                commands.append((command.strip(), int(status.group(1)) if status else 0))
    return commands


def test_readme_shows_the_read_only_commands() -> None:
    shown = {shlex.split(c)[1] for c, _ in _readme_commands()}
    assert shown >= {"list", "show", "search", "cite", "compare", "export"}


@pytest.mark.parametrize(("command", "status"), _readme_commands())
def test_readme_command_runs(
    command: str, status: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(shlex.split(command)[1:]) == status, capsys.readouterr().err
    assert capsys.readouterr().out.strip()


def _blockquotes(text: str) -> list[str]:
    quotes, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("> "):
            current.append(line[2:])
        elif current:
            quotes.append(" ".join(current))
            current = []
    return quotes


def test_readme_quotes_are_verbatim() -> None:
    """Every block quote is the attribution statement or appears word for word in a raw document."""
    raw = " ".join(" ".join(_read(p).split()) for p in sorted((REPO / "data" / "raw").glob("*.txt")))
    package = tomllib.loads(_read(REPO / "data" / "curation" / "package.toml"))
    quotes = _blockquotes(_read(REPO / "README.md"))
    assert package["attribution"] in quotes
    scale = [q for q in quotes if "four measures" in q]
    assert scale, "the README quotes the research page on the four ways of measuring scale"
    for quote in quotes:
        assert quote == package["attribution"] or " ".join(quote.split()) in raw, quote


def test_readme_sections() -> None:
    text = _read(REPO / "README.md")
    assert text.startswith("# iicsa_stats\n")
    headings = re.findall(r"^## (.+)$", text, re.M)
    for heading in ("Quickstart", "Tour", "Figures", "Methods", "Performance", "Licence and attribution"):
        assert heading in headings
    performance = text.split("## Performance", 1)[1].split("\n## ", 1)[0]
    assert "bench/README.md" in performance and "goal" in performance
    for url in (doc.provenance.url for doc in map(ist.figure, ist.list_figures())):
        assert url in text
    assert "Open Government Licence v3.0" in text
    assert "No licence statement for the website text itself" in text


# -- the public API is documented ----------------------------------------------------------------------------

_SECTIONS = {
    "Parameters",
    "Returns",
    "Yields",
    "Receives",
    "Raises",
    "Warns",
    "Warnings",
    "Other Parameters",
    "Attributes",
    "Methods",
    "See Also",
    "Notes",
    "References",
    "Examples",
}


def _numpydoc_problems(doc: str | None) -> list[str]:
    if not doc or not doc.strip():
        return ["no docstring"]
    problems = []
    lines = doc.splitlines()
    if not lines[0].strip().endswith("."):
        problems.append("the summary line does not end with a full stop")
    if len(lines) > 1 and lines[1].strip():
        problems.append("no blank line after the summary line")
    headers = []
    for above, line in itertools.pairwise(lines):
        if re.fullmatch(r"-{3,}", line.strip()) and above.strip():
            headers.append(above.strip())
            if len(line.strip()) != len(above.strip()):
                problems.append(f"the underline of section {above.strip()!r} is not as long as its name")
    problems += [f"unknown section {h!r}" for h in headers if h not in _SECTIONS]
    if "Examples" not in headers:
        problems.append("no 'Examples' section")
    elif ">>>" not in doc.split("Examples\n--------", 1)[-1]:
        problems.append("the 'Examples' section has no >>> example")
    return problems


@pytest.mark.parametrize("name", ist.__all__)
def test_public_function_has_numpydoc_docstring_with_examples(name: str) -> None:
    obj = getattr(ist, name)
    if inspect.isclass(obj):  # classes and exceptions: a docstring, no Examples required
        assert (inspect.getdoc(obj) or "").strip(), f"class {name} has no docstring"
        return
    if not callable(obj):  # constants
        assert isinstance(obj, str | tuple | int | float), f"{name} is neither a function, a class nor a constant"
        return
    assert _numpydoc_problems(inspect.getdoc(obj)) == []


def test_numpydoc_check_can_fail() -> None:
    assert _numpydoc_problems(None) == ["no docstring"]
    assert "no 'Examples' section" in _numpydoc_problems("Do it.\n\nParameters\n----------\nx : int\n")
    assert "the 'Examples' section has no >>> example" in _numpydoc_problems("Do it.\n\nExamples\n--------\nnone\n")
    assert "the summary line does not end with a full stop" in _numpydoc_problems("Do it\n\nExamples\n--------\n>>> 1")
    assert _numpydoc_problems("Do it.\n\nExample\n-------\n>>> 1\n1") == [
        "unknown section 'Example'",
        "no 'Examples' section",
    ]


# -- CITATION.cff --------------------------------------------------------------------------------------------

# The parts of the CFF 1.2.0 schema (https://citation-file-format.github.io/1.2.0/schema.json) this file uses.
_URL = {"type": "string", "pattern": "^(https|http|ftp|sftp)://.+"}
_DATE = {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$"}
_ENTITY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {"name": {"type": "string", "minLength": 1}, "website": _URL},
}
_REFERENCE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["authors", "title", "type"],
    "properties": {
        "type": {"enum": ["report", "website", "government-document", "generic", "data", "database"]},
        "title": {"type": "string", "minLength": 1},
        "authors": {"type": "array", "minItems": 1, "items": _ENTITY},
        "publisher": _ENTITY,
        "date-published": _DATE,
        "year": {"type": "integer"},
        "url": _URL,
        "copyright": {"type": "string", "minLength": 1},
        "notes": {"type": "string", "minLength": 1},
    },
}
CFF_SUBSET = {
    "type": "object",
    "additionalProperties": False,
    "required": ["authors", "cff-version", "message", "title"],
    "properties": {
        "cff-version": {"type": "string", "pattern": r"^1\.2\.0$"},
        "message": {"type": "string", "minLength": 1},
        "type": {"enum": ["dataset", "software"]},
        "title": {"type": "string", "minLength": 1},
        "version": {"type": "string", "minLength": 1},
        "date-released": _DATE,
        "abstract": {"type": "string", "minLength": 1},
        "authors": {"type": "array", "minItems": 1, "items": _ENTITY},
        "keywords": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"type": "string"}},
        "references": {"type": "array", "minItems": 1, "items": _REFERENCE},
    },
}


def _citation() -> dict[str, object]:
    data = yaml.safe_load(_read(REPO / "CITATION.cff"))
    assert isinstance(data, dict)
    return data


def test_citation_version_and_release_date_are_the_packages() -> None:
    from iicsa_stats._version import __release_date__

    assert (_citation()["version"], _citation()["date-released"]) == (ist.__version__, __release_date__)


def test_citation_is_valid_cff() -> None:
    citation = _citation()
    jsonschema.validate(citation, CFF_SUBSET)
    assert citation["type"] == "dataset"
    assert citation["authors"] == [{"name": "iicsa_stats project"}]
    package = json.loads(_read(REPO / "datapackage.json"))
    assert citation["title"] == package["title"]
    assert citation["keywords"] == package["keywords"]
    cited = {ref["url"] for ref in citation["references"]}  # type: ignore[union-attr]
    assert cited == {source["path"] for source in package["sources"]}


def test_cff_check_can_fail() -> None:
    broken = {**_citation(), "cff-version": "1.1.0", "authors": [{"family": "x"}]}
    with pytest.raises(jsonschema.ValidationError, match=r"1\.1\.0"):
        jsonschema.validate(broken, CFF_SUBSET)
