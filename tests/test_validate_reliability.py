"""Issue 11, validation side: validate stays local, agrees with the loader, and sees what readers see.

Every damage here is made to a built copy of the package (``build --out``) and,
where the point is that a pin alone would not catch it, the copy is re-pinned
afterwards (``repin``): sizes and hashes in ``datapackage.json``, schema pins
and ``PARQUET.sha256`` all updated, as a careful hand-editor would.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import shutil
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import JSON_DAMAGE, REPO, hostile_json, read_rows, write_rows
from iicsa_stats import _catalog, _loader
from iicsa_stats._paths import ENV_VAR
from iicsa_stats.errors import DataFileError
from iicsa_stats.tables import TABLES
from iicsa_stats.validation import Problem, format_report, run_checks, validate

PROCESSED = "data/processed"


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def pristine(built_package: Path) -> Path:
    return built_package


@pytest.fixture
def package(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "package"))


def descriptor(pkg: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    return data


def write_descriptor(pkg: Path, data: dict[str, Any]) -> None:
    (pkg / "datapackage.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def resource(data: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in data["resources"] if r["name"] == name)
    return found


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def repin(pkg: Path) -> None:
    """Update every pin to the files as they now are: what someone hiding an edit would do."""
    data = descriptor(pkg)
    for res in data["resources"]:
        path = pkg / res["path"]
        if "hash" in res and path.is_file():
            content = path.read_bytes()
            res["bytes"], res["hash"] = len(content), f"sha256:{sha(content)}"
        if "schemaHash" in res and (pkg / res["schema"]).is_file():
            res["schemaHash"] = f"sha256:{sha((pkg / res['schema']).read_bytes())}"
    write_descriptor(pkg, data)
    lines = [f"{sha((pkg / PROCESSED / f'{t}.parquet').read_bytes())}  {t}.parquet\n" for t in TABLES]
    (pkg / PROCESSED / "PARQUET.sha256").write_text("".join(lines), encoding="utf-8")
    # the documents table pins the raw texts: re-pin a changed one there too, as the loader checks that pin
    docs_path = pkg / PROCESSED / "documents.csv"
    header, rows = read_rows(docs_path)
    changed = False
    for row in rows:
        if None in row.values() or not isinstance(row.get("raw_path"), str):
            return  # a damaged documents table is left as it is
        raw = pkg / row["raw_path"]
        if raw.is_file() and sha(raw.read_bytes()) != row["sha256"]:
            content = raw.read_bytes()
            row["sha256"], row["bytes"] = sha(content), str(len(content))
            changed = True
    if changed:
        write_rows(docs_path, header, rows)
        content = docs_path.read_bytes()
        data = descriptor(pkg)
        res = resource(data, "documents")
        res["bytes"], res["hash"] = len(content), f"sha256:{sha(content)}"
        write_descriptor(pkg, data)


def edit_rows(pkg: Path, table: str, edit: Callable[[list[dict[str, str]]], list[dict[str, str]] | None]) -> None:
    path = pkg / PROCESSED / f"{table}.csv"
    header, rows = read_rows(path)
    result = edit(rows)
    write_rows(path, header, rows if result is None else result)


def checks(problems: list[Problem]) -> set[str]:
    return {p.check for p in problems}


# --------------------------------------------------------------------------- 0: no socket, nothing outside the root

#: While a test records, the audit events of opening files and using sockets (``"events"`` is None otherwise).
_AUDIT: dict[str, list[tuple[str, tuple[Any, ...]]] | None] = {"events": None}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    events = _AUDIT["events"]
    if events is not None and (event.startswith("socket.") or event == "open"):
        events.append((event, args))


sys.addaudithook(_audit)  # inactive (one None check) except while a test below records


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that records every request it receives."""
    received: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def _outside(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("figure_id\nnot-part-of-any-package\n", encoding="utf-8")
    return secret


def _set(name: str, key: str, value: Any) -> Callable[[Path, str, Path], None]:
    def damage(pkg: Path, url: str, outside: Path) -> None:
        data = descriptor(pkg)
        target = data if name == "" else resource(data, name)
        target[key] = value.format(url=url, outside=outside) if isinstance(value, str) else value
        write_descriptor(pkg, data)

    return damage


def _symlink_table(pkg: Path, url: str, outside: Path) -> None:
    path = pkg / PROCESSED / "figures.csv"
    path.unlink()
    path.symlink_to(outside)


def _symlink_folder(pkg: Path, url: str, outside: Path) -> None:
    shutil.rmtree(pkg / "data" / "raw")
    (pkg / "data" / "raw").symlink_to(outside.parent, target_is_directory=True)


def _inline_schema_profile(pkg: Path, url: str, outside: Path) -> None:
    data = descriptor(pkg)
    schema = json.loads((pkg / "schemas" / "figures.schema.json").read_text(encoding="utf-8"))
    schema["$schema"] = f"{url}/tableschema.json"
    resource(data, "figures")["schema"] = schema
    write_descriptor(pkg, data)


def _symlink_in_path_list(pkg: Path, url: str, outside: Path) -> None:
    (pkg / PROCESSED / "more.csv").symlink_to(outside)
    _set("ledger", "path", [f"{PROCESSED}/ledger.csv", f"{PROCESSED}/more.csv"])(pkg, url, outside)


LEAKS: dict[str, Callable[[Path, str, Path], None]] = {
    "symlinked-part-of-a-path-list": _symlink_in_path_list,
    "schema-url": _set("figures", "schema", "{url}/x.json?leak=secret"),
    "dialect-url": _set("figures", "dialect", "{url}/dialect.json"),
    "path-url-dns": _set("figures", "path", "http://iicsa-stats-validate.invalid/figures.csv"),
    "path-list-with-url": _set("ledger", "path", ["data/processed/ledger.csv", "{url}/more.csv"]),
    "path-absolute": _set("figures", "path", "{outside}"),
    "schema-dotdot": _set("producers", "schema", "../outside/secret.csv"),
    "package-profile-url": _set("", "$schema", "{url}/datapackage.json"),
    "inline-schema-profile-url": _inline_schema_profile,
    "remote-scheme": _set("figures", "scheme", "https"),
    "symlinked-table": _symlink_table,
    "symlinked-raw-folder": _symlink_folder,
}
CHECKS_BUT_REBUILD = ["files", "package", "checksums", "raw", "quotes", "ledger", "keys", "comparisons", "parquet"]


@pytest.mark.parametrize("case", sorted(LEAKS))
def test_validate_never_opens_a_socket_or_reads_outside_the_root(
    package: Path, tmp_path: Path, listener: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    url, received = listener
    outside = _outside(tmp_path)
    LEAKS[case](package, url, outside)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"validate tried to use the network: {args!r:.200}")

    for name in ("getaddrinfo", "create_connection"):
        monkeypatch.setattr(socket, name, refuse)
    events: list[tuple[str, tuple[Any, ...]]] = []
    _AUDIT["events"] = events
    try:
        problems = run_checks(package, CHECKS_BUT_REBUILD)
    finally:
        _AUDIT["events"] = None
    assert received == [], f"the local listener received {received}"
    assert not [e for e in events if e[0] in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname")]
    real_outside = os.path.realpath(outside.parent)
    opened = [str(a[0]) for e, a in events if e == "open" and isinstance(a[0], str | bytes | os.PathLike)]
    assert not [p for p in opened if os.path.realpath(p).startswith(real_outside)], "read outside the root"
    report = format_report(problems)
    words = ("remote", "absolute", "'..'", "outside the package root", "scheme", "standard Data Package profiles")
    assert any(word in report for word in words), report


def test_a_symlink_that_stays_inside_the_root_is_fine(package: Path) -> None:
    raw = package / "data" / "raw"
    moved = package / "elsewhere-inside"
    shutil.move(raw, moved)
    raw.symlink_to(moved, target_is_directory=True)
    assert run_checks(package, ["files", "raw", "quotes"]) == []


def test_a_pipe_in_place_of_a_table_is_refused_not_read(package: Path) -> None:
    path = package / PROCESSED / "producers.csv"
    path.unlink()
    os.mkfifo(path)  # opening it for reading would block for ever
    problems = run_checks(package, ["files"])
    assert any(
        p.check == "files" and p.file == f"{PROCESSED}/producers.csv" and "not a regular file" in p.message
        for p in problems
    ), format_report(problems)


# --------------------------------------------------------------------------- 4: package metadata


def test_missing_or_malformed_package_metadata_is_a_problem(package: Path) -> None:
    data = descriptor(package)
    del data["attribution"]
    data["licenses"] = [{"title": "no name or path"}]
    write_descriptor(package, data)
    problems = run_checks(package, ["package"])
    assert {"attribution", "licenses"} <= {p.field for p in problems}, format_report(problems)


# --------------------------------------------------------------------------- 8: schema pins


def _retype_value(pkg: Path) -> None:
    path = pkg / "schemas" / "figures.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    next(f for f in schema["fields"] if f["name"] == "value")["type"] = "string"
    path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")


def load_everything(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything the loader serves: every table, every figure with its caveats, every raw text."""
    monkeypatch.setenv(ENV_VAR, str(root))
    _loader.clear_cache()
    try:
        for table in TABLES:
            _loader.rows(table)
        figures = _catalog.all_figures()
        for doc in _loader.rows("documents"):
            _loader.raw_text(doc["raw_path"])
        for figure in figures.values():
            figure.context(10)
    finally:
        _loader.clear_cache()


def test_a_changed_schema_is_refused_by_the_loader_and_reported_by_validate(
    package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _retype_value(package)
    with pytest.raises(DataFileError, match=r"figures\.schema\.json: the schema differs from its pin"):
        load_everything(package, monkeypatch)
    problems = run_checks(package, ["checksums"])
    assert any(
        p.check == "checksums" and p.file == "schemas/figures.schema.json" and p.field == "schemaHash" for p in problems
    ), format_report(problems)


def test_the_build_pins_every_schema() -> None:
    data = descriptor(REPO)
    for table in TABLES:
        pin = f"sha256:{sha((REPO / 'schemas' / f'{table}.schema.json').read_bytes())}"
        assert resource(data, table)["schemaHash"] == pin
        assert resource(data, f"{table}-parquet")["schemaHash"] == pin


def test_a_missing_schema_pin_is_refused_by_the_loader_and_reported(
    package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = descriptor(package)
    del resource(data, "caveats")["schemaHash"]
    write_descriptor(package, data)
    with pytest.raises(DataFileError, match="no sha256 pin for the schema of the caveats table"):
        load_everything(package, monkeypatch)
    problems = run_checks(package, ["checksums"])
    assert any(p.check == "checksums" and p.table == "caveats" and "loader refuses" in p.message for p in problems)


# --------------------------------------------------------------------------- 11: extra files


def test_extra_files_in_the_package_folders_are_a_problem(package: Path) -> None:
    extra = [f"{PROCESSED}/.DS_Store", f"{PROCESSED}/export", "data/raw/notes.txt", "schemas/old.json"]
    for rel in extra:
        (package / rel).mkdir() if rel.endswith("export") else (package / rel).write_text("x\n", encoding="utf-8")
    problems = run_checks(package, ["files"])
    assert sorted(p.file for p in problems) == sorted(extra), format_report(problems)


def test_files_outside_the_package_folders_are_not_extra(checkout_copy: Path) -> None:
    (checkout_copy / "notes.txt").write_text("a checkout has other files\n", encoding="utf-8")
    assert run_checks(checkout_copy, ["files"]) == []


# --------------------------------------------------------------------------- 13: bounded on large damaged input


def _junk_rows(pkg: Path, size: int = 2_000_000) -> None:
    """About ``size`` bytes of rows that parse (every required cell present), appended to figures.csv."""
    lines, total, i = [], 0, 0
    while total < size:
        line = f"junk-{i},d,m,m,1,,,x,u,u,p,p,,,,g,p,,,b,c,l,,q,1,2\n"
        lines.append(line)
        total += len(line)
        i += 1
    with open(pkg / PROCESSED / "figures.csv", "a", encoding="utf-8") as handle:
        handle.write("".join(lines))


def test_a_table_far_larger_than_its_pinned_size_is_not_parsed(package: Path) -> None:
    _junk_rows(package)
    problems = run_checks(package, CHECKS_BUT_REBUILD)
    refused = [p for p in problems if p.check == "files" and p.file == f"{PROCESSED}/figures.csv"]
    assert refused and "far larger" in refused[0].message, format_report(problems)
    # nothing in the junk was looked at, row by row
    assert not [p for p in problems if "junk-" in str(p)], format_report(problems)[:2000]
    assert len(problems) < 50, format_report(problems)[:2000]


# --------------------------------------------------------------------------- 3 and 10: Parquet


def _parquet(pkg: Path, table: str = "figures") -> Path:
    return pkg / PROCESSED / f"{table}.parquet"


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _footer_offset(path: Path, needle: bytes) -> int:
    data = path.read_bytes()
    footer_length = int.from_bytes(data[-8:-4], "little")
    start = len(data) - 8 - footer_length
    offset = data.find(needle, start)
    assert offset >= start, f"{needle!r} is not in the footer"
    return offset


def _repin_parquet(pkg: Path) -> None:
    lines = [f"{sha((pkg / PROCESSED / f'{t}.parquet').read_bytes())}  {t}.parquet\n" for t in TABLES]
    (pkg / PROCESSED / "PARQUET.sha256").write_text("".join(lines), encoding="utf-8")


def _what_readers_see(path: Path) -> dict[str, Any]:
    """Everything a reader of a Parquet file can see: pyarrow's table, the footer, the statistics, DuckDB's view."""
    import duckdb
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    metadata = pq.read_metadata(path)
    group = metadata.row_group(0)
    stats = [group.column(i).statistics for i in range(metadata.num_columns)]
    return {
        "rows": table.to_pylist(),
        "schema": table.schema.to_string(show_field_metadata=True, show_schema_metadata=True),
        "footer": dict(metadata.metadata or {}),
        "statistics": [(s.null_count, s.min, s.max) if s is not None and s.has_min_max else None for s in stats],
        "duckdb": duckdb.sql(f"SELECT * FROM '{path}'").fetchall(),
        "duckdb metadata": sorted(duckdb.sql(f"SELECT key, value FROM parquet_kv_metadata('{path}')").fetchall()),
        "duckdb filter": duckdb.sql(f"SELECT figure_id FROM '{path}' WHERE unit = 'offences'").fetchall(),
    }


def _sample_offsets(path: Path, count: int = 3) -> list[int]:
    data = path.read_bytes()
    footer = len(data) - 8 - int.from_bytes(data[-8:-4], "little")
    spread = list(range(5, len(data) - 8, len(data) // count))
    named = [
        _footer_offset(path, b"Crown copyright material") + 3,  # the footer's licence (what DuckDB shows)
        _footer_offset(path, b"ARROW:schema") + 20,  # the Arrow schema pyarrow restores
        277,  # a data page header of the first column: pyarrow tolerates the change, DuckDB refuses the file
        footer + 40,  # the Parquet schema and column metadata
    ]
    return sorted(set(spread + named))


def test_a_flipped_parquet_byte_is_always_reported(package: Path) -> None:
    """Issue 11.3: one byte of figures.parquet flipped and PARQUET.sha256 updated, at offsets across the file.

    A sweep of every byte of the file (24,223 flips, run once by hand with the same checks) found every flip
    reported; this samples it.  Flips fall in four kinds, each caught by its own comparison: the file no
    longer reads (``not a readable Parquet file``), a value changed (CSV against Parquet), the schema or its
    metadata changed (as pyarrow reads it, and the footer's key-value metadata as DuckDB reads it), the
    statistics no longer match the values; and everything else (page headers pyarrow tolerates but DuckDB
    refuses, offsets, padding) by comparing the bytes with what the same writer makes of the file's values.
    """
    path = _parquet(package)
    pristine = path.read_bytes()
    missed = []
    for offset in _sample_offsets(path):
        path.write_bytes(pristine)
        _flip(path, offset)
        _repin_parquet(package)
        problems = run_checks(package, ["parquet"])
        if not any(p.file == f"{PROCESSED}/figures.parquet" for p in problems):
            missed.append((offset, format_report(problems)))
    assert missed == []


def test_a_flipped_leading_magic_byte_changes_nothing_readers_see_but_is_reported(package: Path) -> None:
    """Issue 11.3: the four leading bytes are the magic number ``PAR1``; readers find the file by its footer
    (which ends with the same magic) and never read the leading copy, so a flip there changes no row, schema,
    metadata, statistic or DuckDB result (checked below): harmless to readers.  validate still reports it,
    because the file is not what its writer makes of its values, and a file edited after the build is not
    the built file.
    """
    path = _parquet(package)
    before = _what_readers_see(path)
    _flip(path, 1)
    _repin_parquet(package)
    assert _what_readers_see(path) == before
    problems = run_checks(package, ["checksums", "parquet"])
    assert [p.check for p in problems] == ["parquet"], format_report(problems)
    assert "not what its writer makes" in problems[0].message


def test_a_flipped_byte_in_the_writer_name_is_harmless_and_why(package: Path) -> None:
    """Issue 11.3: the one change that validate lets pass, and why that is sound.

    ``created_by`` in the footer names the writer and its version (``parquet-cpp-arrow version X``).  No
    reader uses it to read values: a flip there leaves the rows, the schema and its metadata, the footer's
    key-value metadata, the statistics and everything DuckDB returns exactly as they were (checked below).
    validate compares a file's bytes with its writer's output only when the file names the installed
    pyarrow; a file naming another writer is compared by everything readers see, as here, and that is all
    unchanged.
    """
    path = _parquet(package)
    before = _what_readers_see(path)
    _flip(path, _footer_offset(path, b"parquet-cpp-arrow") + 2)
    _repin_parquet(package)
    assert _what_readers_see(path) == before
    assert run_checks(package, ["checksums", "parquet"]) == []


# --------------------------------------------------------------------------- 7: hostile files, one guard


@pytest.mark.parametrize("case", sorted(JSON_DAMAGE))
def test_hostile_json_is_a_files_problem_not_a_traceback(package: Path, case: str) -> None:
    hostile_json(package, case)
    problems = run_checks(package, ["files"])
    assert any(re.search(JSON_DAMAGE[case], str(p)) for p in problems), format_report(problems)


def test_a_relative_root_is_resolved_before_frictionless_runs(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(package.parent.parent)
    relative = Path(package.parent.name) / package.name
    assert run_checks(relative, ["files", "package"]) == []


@pytest.mark.parametrize("folder", ["data/processed", "data/raw", "schemas"])
def test_a_package_folder_linked_outside_the_root_is_refused_once(package: Path, tmp_path: Path, folder: str) -> None:
    elsewhere = Path(shutil.copytree(package / folder, tmp_path / "elsewhere"))
    (elsewhere / "other.txt").write_text("not part of the package\n", encoding="utf-8")
    shutil.rmtree(package / folder)
    (package / folder).symlink_to(elsewhere, target_is_directory=True)
    problems = run_checks(package, ["files"])
    assert [(p.file, "outside the package root" in p.message) for p in problems] == [(folder, True)], format_report(
        problems
    )


@pytest.mark.parametrize("kind", ["dotdot", "pipe"])  # the build refuses the first, validate the second
def test_a_raw_path_leaving_the_root_or_a_pipe_is_not_opened_by_the_rebuild(checkout_copy: Path, kind: str) -> None:
    import signal

    outside = checkout_copy.parent / "outside.txt"
    outside.write_text("not part of the package\n", encoding="utf-8")
    if kind == "dotdot":
        raw_path = "../outside.txt"
    else:
        raw_path = "data/raw/pipe.txt"
        os.mkfifo(checkout_copy / raw_path)  # opening it for reading would block for ever
    documents = checkout_copy / "data" / "curation" / "documents.toml"
    text = documents.read_text(encoding="utf-8")
    documents.write_text(text.replace('"data/raw/iicsa-internet-report-b1.txt"', f'"{raw_path}"', 1), encoding="utf-8")
    signal.alarm(60)  # a hang fails the test instead of the run
    try:
        problems = run_checks(checkout_copy, ["rebuild"], rebuild=True)
    finally:
        signal.alarm(0)
    report = format_report(problems)
    assert problems and sha(outside.read_bytes()) not in report, report
    assert re.search(r"leaves the package root|not a regular file", report), report


def test_validate_reads_again_once_when_a_build_replaced_the_package_meanwhile(
    package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import iicsa_stats.validation as validation

    real_load = validation.load
    figures = package / PROCESSED / "figures.csv"
    good = figures.read_bytes()
    calls: list[int] = []

    def load_during_a_build(root: Path, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) > 1:
            return real_load(root, **kwargs)
        figures.write_bytes(good.replace(b"8525", b"8526"))  # a file of the next build, before its descriptor
        state = real_load(root, **kwargs)
        figures.write_bytes(good)  # the build finishes: its files and a new datapackage.json in place
        descriptor = package / "datapackage.json"
        shutil.copy2(descriptor, package / "next.json")
        os.replace(package / "next.json", descriptor)
        return state

    monkeypatch.setattr(validation, "load", load_during_a_build)
    assert validate(package, rebuild=False) == []
    assert len(calls) == 2
