"""The ``raw`` check.

Every raw document's SHA-256, size and character count against the ``documents`` table.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..._loader import sha256_hex
from .._problem import Problem, problem
from .._state import PackageState

NAME = "raw"


def run(pkg: PackageState) -> Iterator[Problem]:
    """Yield every problem of this check on the loaded package ``pkg``."""
    yield from pkg.skipped("raw", [pkg.table_source("documents")])  # the pins of the raw documents
    for doc in pkg.tables.get("documents", []):
        doc_id = doc["document_id"]
        data = pkg.raw_bytes.get(doc_id)
        if data is None:
            continue  # reported by `files`
        rel = pkg.raw_paths[doc_id]
        found = {"sha256": sha256_hex(data), "bytes": len(data), "characters": None}
        if doc_id in pkg.raw_texts:
            found["characters"] = len(pkg.raw_texts[doc_id])
        for name, value in found.items():
            if value is None or doc.get(name) == value:
                continue
            yield problem(
                check="raw",
                file=rel,
                table="documents",
                row=f"document_id={doc_id}",
                field=name,
                expected=str(doc.get(name)),
                found=str(value),
                message=f"raw document {doc_id!r} differs from its {name} in the documents table: "
                "restore the verbatim capture, or if the source changed on purpose, re-curate and rebuild",
            )
