"""The build refuses bad curation with a message naming the file and the figure, and never leaves half a package.

Every test works on a copy of the checkout (``data/``, ``schemas/``, ``pyproject.toml`` and ``datapackage.json``
in a temporary folder), which the build accepts as a root like the checkout itself.  The checks raise before
anything is written; that a failed write changes nothing is tested once, by an interrupted build.
"""

from __future__ import annotations

import re
import socket
import tomllib
from pathlib import Path
from typing import Any

import pytest

import iicsa_stats.build as build_module
from conftest import REPO
from iicsa_stats.build import build, build_tables
from iicsa_stats.errors import BuildError, CurationError, RawDocumentError
from iicsa_stats.validation import run_checks


@pytest.fixture
def root(checkout_copy: Path) -> Path:
    """A copy of the checkout's data package sources and outputs (see conftest.py)."""
    return checkout_copy


def outputs(root: Path) -> dict[str, bytes]:
    """Every file the build writes, by path relative to the root."""
    files = {"datapackage.json": (root / "datapackage.json").read_bytes()}
    for path in sorted((root / "data" / "processed").iterdir()):
        files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for pattern in (".iicsa-build-*", ".iicsa-tmp-*") for p in root.rglob(pattern))


def curation_file_of(root: Path, figure_id: str) -> Path:
    for path in sorted((root / "data" / "curation").glob("*.toml")):
        if f'id = "{figure_id}"' in path.read_text(encoding="utf-8"):
            return path
    raise AssertionError(f"no curation file declares figure {figure_id}")


def figures_of(path: Path) -> list[dict[str, Any]]:
    with open(path, "rb") as handle:
        figures: list[dict[str, Any]] = tomllib.load(handle).get("figures", [])
    return figures


def document_curation(root: Path) -> Path:
    """The first per-document curation file that declares figures."""
    return next(p for p in sorted((root / "data/curation").glob("*.toml")) if figures_of(p))


def edit_after(path: Path, anchor: str, old: str, new: str) -> None:
    """Replace the first ``old`` after ``anchor`` in a text file."""
    text = path.read_text(encoding="utf-8")
    at = text.index(old, text.index(anchor))
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")


def refused(root: Path, error: type[Exception], *patterns: str) -> None:
    """The build's checks raise ``error`` with every pattern in its message (before anything is written)."""
    with pytest.raises(error, match=patterns[0]) as info:
        build_tables(root)
    for pattern in patterns[1:]:
        assert re.search(pattern, str(info.value)), f"{pattern!r} not in: {info.value}"


# --------------------------------------------------------------------------- bad curation is refused


def test_a_quote_not_in_the_text(root: Path) -> None:
    path = document_curation(root)
    fig = figures_of(path)[0]
    edit_after(path, f'id = "{fig["id"]}"', 'quote = "', 'quote = "Not in the text: ')
    refused(root, CurationError, re.escape(path.name), re.escape(fig["id"]), "text not found in the raw document")


def test_a_value_not_in_its_quote(root: Path) -> None:
    path = document_curation(root)
    fig = next(f for f in figures_of(path) if "value" in f)
    edit_after(path, f'id = "{fig["id"]}"', f"value = {fig['value']}", "value = 123457")
    refused(
        root,
        CurationError,
        re.escape(path.name),
        re.escape(fig["id"]),
        "declared value 123457 is not among the numbers parsed from its quote",
    )


def test_an_unaccounted_number(root: Path) -> None:
    """Deleting an exclusion leaves its numbers unaccounted for (one whose numbers no quote covers)."""
    message = None
    for path in sorted((root / "data/curation").glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"^\[\[excluded\]\]", text, re.MULTILINE):
            end = text.find("\n[[", match.start() + 1)
            path.write_text(text[: match.start()] + (text[end + 1 :] if end != -1 else ""), encoding="utf-8")
            try:
                build_tables(root)
            except CurationError as exc:
                message = str(exc) if "not accounted for" in str(exc) else None
            if message:
                break
            path.write_text(text, encoding="utf-8")
        if message:
            break
    assert message, "no [[excluded]] entry whose removal leaves a number unaccounted for"
    raw = re.search(r"data/raw/[a-z0-9-]+\.txt", message)
    assert raw is not None, message
    refused(root, CurationError, "not accounted for", re.escape(raw.group(0)), r"\[\[excluded\]\]")


def test_a_duplicate_id(root: Path) -> None:
    path = next(p for p in sorted((root / "data/curation").glob("*.toml")) if len(figures_of(p)) >= 2)
    first, second = (f["id"] for f in figures_of(path)[:2])
    edit_after(path, f'id = "{second}"', f'id = "{second}"', f'id = "{first}"')
    refused(root, CurationError, re.escape(path.name), f"duplicate figure id '{re.escape(first)}'")


def test_a_malformed_toml_file(root: Path) -> None:
    path = document_curation(root)
    path.write_text(path.read_text(encoding="utf-8") + "\nquote = = broken\n", encoding="utf-8")
    refused(root, CurationError, re.escape(path.name), "not valid TOML")


def test_an_empty_toml_file(root: Path) -> None:
    path = document_curation(root)
    path.write_text("", encoding="utf-8")
    refused(root, CurationError, re.escape(path.name), "document_id must be")


def test_an_empty_document_registry(root: Path) -> None:
    path = root / "data/curation/documents.toml"
    path.write_text("", encoding="utf-8")
    refused(root, CurationError, re.escape(path.name), r"no \[\[documents\]\] entries")


def test_a_changed_raw_file(root: Path) -> None:
    path = sorted((root / "data/raw").glob("*.txt"))[0]
    data = path.read_bytes()
    at = next(i for i, b in enumerate(data) if chr(b).isdigit())
    path.write_bytes(data[:at] + (b"1" if data[at : at + 1] != b"1" else b"2") + data[at + 1 :])
    refused(root, RawDocumentError, re.escape(path.name), "differs from its pin", "expected sha256")


def test_a_missing_raw_file(root: Path) -> None:
    path = sorted((root / "data/raw").glob("*.txt"))[0]
    path.unlink()
    refused(root, RawDocumentError, re.escape(path.name), "is missing")


def test_wrongly_encoded_curation(root: Path) -> None:
    path = document_curation(root)
    text = "# Résumé of the curation\n" + path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("latin-1", errors="replace"))
    refused(root, CurationError, re.escape(path.name), "not UTF-8 text", "save the file as UTF-8")


# --------------------------------------------------------------------------- interrupted builds


def test_an_interrupted_build_changes_nothing(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = build_module.write_parquet

    def failing_write_parquet(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError(28, "No space left on device")
        real(*args, **kwargs)

    monkeypatch.setattr(build_module, "write_parquet", failing_write_parquet)
    before = outputs(root)
    with pytest.raises(BuildError, match=r"No space left on device.*nothing was changed"):
        build(root)
    assert calls == 3
    assert outputs(root) == before
    assert leftovers(root) == []


# --------------------------------------------------------------------------- reproducible, offline


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def blocked(*args: Any, **kwargs: Any) -> Any:
        raise OSError("network access is blocked in this test")

    monkeypatch.setattr(socket, "socket", blocked)
    monkeypatch.setattr(socket, "create_connection", blocked)


def test_a_rebuild_without_network_equals_the_committed_files(root: Path, no_network: None) -> None:
    import pyarrow.parquet as pq

    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("example.org", 443))
    before = outputs(root)
    assert build(root) == root
    after = outputs(root)
    assert after.keys() == before.keys()
    for name in before:
        if name.endswith((".csv", ".json")):
            assert after[name] == before[name], f"{name} differs after a rebuild"
    for table in (REPO / "data/processed").glob("*.parquet"):
        committed, rebuilt = pq.read_table(table), pq.read_table(root / "data/processed" / table.name)
        assert rebuilt.schema.equals(committed.schema, check_metadata=True), table.name
        assert rebuilt.equals(committed), table.name
    assert leftovers(root) == []


def test_a_build_into_an_existing_folder_is_refused(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what is written does not matter here, only that the finished folder is not put over one that holds a file
    monkeypatch.setattr(build_module, "write_package", lambda tables, package, root, out: (out / "data").mkdir())
    out = tmp_path / "out"
    (out / "old").mkdir(parents=True)
    with pytest.raises(BuildError, match="could not write the build output"):
        build(root, out=out)
    assert sorted(p.name for p in out.iterdir()) == ["old"]
    assert leftovers(tmp_path) == []


def test_a_bad_build_is_reported_by_validate_on_the_copy(root: Path) -> None:
    path = document_curation(root)
    fig = figures_of(path)[0]
    edit_after(path, f'id = "{fig["id"]}"', 'quote = "', 'quote = "Not in the text: ')
    problems = run_checks(root, ["rebuild"], rebuild=True)
    assert [p.check for p in problems] == ["rebuild"]
    assert problems[0].figure_id == fig["id"]
    assert problems[0].file == f"data/curation/{path.name}"
