"""The tables as pandas DataFrames, with proper dtypes and metadata in ``DataFrame.attrs`` (pandas: when called)."""

from __future__ import annotations

import datetime as dt
import numbers
import sys
from collections.abc import Collection

from . import _loader
from ._loader import check_parquet_pin, load_schema
from ._paths import data_root
from ._version import __version__
from .errors import DataFileError, InvalidFilterError, UnknownFilterError, UnknownTableError, check_argument
from .notices import licence_titles, objects
from .tables import TABLES, parquet_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    import pandas as pd

__all__ = ["caveats", "documents", "figures", "ledger", "table"]

_SCALARS = (str, numbers.Number, dt.date)  # numbers.Number covers numpy's scalars too


def table(name: str) -> pd.DataFrame:
    """One table of the data package as a DataFrame.

    Integers and numbers use pandas' nullable dtypes (``Int64``, ``Float64``), dates are ``datetime64``, coded
    columns are categoricals of the schema's full code list, and ``DataFrame.attrs`` holds the table's title,
    description, licence, sources, column descriptions and the package version.

    Parameters
    ----------
    name : str
        One of :data:`iicsa_stats.TABLES`.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    UnknownTableError
        If there is no such table (it lists the closest names).
    DataFileError
        If the Parquet file is missing, unreadable or from another version.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> df = ist.table("figure_caveats")
    >>> list(df.columns)
    ['figure_id', 'caveat_id', 'position']
    >>> str(df["position"].dtype)
    'Int64'
    """
    check_argument(isinstance(name, str), "name", name, "a table name (str)")
    if name not in TABLES:
        raise UnknownTableError(name, TABLES)
    return _loader.consistent(lambda root: _read_table(name))


def _read_table(name: str) -> pd.DataFrame:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = data_root()
    path, schema = parquet_path(root, name), load_schema(root, name)
    fix = "restore it from the release, or rebuild with `iicsa-stats build`; `iicsa-stats validate` lists every problem"
    try:  # the bytes read are the bytes checked against the pin
        arrow = pq.read_table(pa.BufferReader(check_parquet_pin(root, name)))
    except (pa.ArrowException, OSError) as exc:
        raise DataFileError(f"{path}: not a readable Parquet file ({exc}); {fix}") from None
    meta = {k.decode(): v.decode() for k, v in (arrow.schema.metadata or {}).items()}
    names = [f["name"] for f in schema["fields"]]
    if arrow.column_names != names or meta.get("version") != __version__:
        raise DataFileError(
            f"{path}: written for version {meta.get('version', 'unknown')} with columns {arrow.column_names}, "
            f"but this is iicsa_stats {__version__} expecting {names}; {fix}"
        )
    mapping = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.bool_(): pd.BooleanDtype()}
    frame: pd.DataFrame = arrow.to_pandas(types_mapper=mapping.get, date_as_object=False)
    for field in schema["fields"]:
        if enum := field.get("constraints", {}).get("enum"):
            frame[field["name"]] = pd.Categorical(frame[field["name"]], categories=enum)
    package = _loader.package()
    resource: dict[str, Any] = next((r for r in package["resources"] if r.get("name") == name), {})
    frame.attrs = {
        "name": name,
        "title": resource.get("title", name),
        "description": resource.get("description", ""),
        "licenses": licence_titles(package),
        "attribution": str(package.get("attribution", "")),
        "sources": [s.get("path") for s in objects(package, "sources")],
        "columns": {f["name"]: f["description"] for f in schema["fields"]},
        "package": package.get("name"),
        "version": package.get("version"),
    }
    return frame


def figures(**filters: Any) -> pd.DataFrame:
    """The figures table, one row per figure, optionally filtered by column values.

    Read each figure with its caveats: ``ist.figure(id)`` bundles them, and ``ist.table("figure_caveats")``
    links figures to ``ist.caveats()``.

    Parameters
    ----------
    **filters
        Column name = value, or a collection of allowed values, e.g. ``unit="offences"`` or
        ``geography=["UK", "England and Wales"]``; on coded columns, checked against the code list.

    Returns
    -------
    pandas.DataFrame
        Rows in figure id order.

    Raises
    ------
    UnknownFilterError
        For a column the table does not have, or a value of the wrong type.
    InvalidFilterError
        For a value outside a coded column's code list.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> ist.figures(unit=["incidents", "offences"])[["figure_id", "value", "period_label"]]
                                          figure_id   value period_label
    0  police-recorded-online-csa-incidents-2016-17  5653.0      2016/17
    1   police-recorded-online-csa-offences-2017-18  8525.0      2017/18
    """
    frame = table("figures")
    for column, wanted in filters.items():
        if column not in frame.columns:
            import difflib

            close = difflib.get_close_matches(column, list(frame.columns), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise UnknownFilterError(
                f"figures() has no column {column!r} to filter on.{hint} Columns: {', '.join(frame.columns)}"
            )
        accepts = "a value or a list of values (str, number, bool or date)"
        check_argument(not isinstance(wanted, (bytes, bytearray)), f"filter {column}", wanted, accepts)
        values = [wanted] if isinstance(wanted, _SCALARS) else wanted
        if not isinstance(values, Collection) or not all(isinstance(v, _SCALARS) for v in values):
            raise UnknownFilterError(f"filter {column}={wanted!r}: give {accepts}")
        frame = frame[frame[column].isin(_comparable(column, frame[column], list(values)))]
    return frame.reset_index(drop=True)


def _comparable(column: str, series: pd.Series, values: list[Any]) -> list[Any]:
    """Filter values in the column's own type, or a clear error naming the column and the type it holds."""
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        if bad := [v for v in values if v not in (categories := list(series.cat.categories))]:
            raise InvalidFilterError(f"filter {column}: {bad} not among the codes {categories}")
        return values
    if pd.api.types.is_numeric_dtype(series.dtype):
        if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
            raise UnknownFilterError(f"filter {column}: this column holds numbers, got {values!r}")
        return [float(v) for v in values if isinstance(v, float) or abs(v) <= sys.float_info.max]  # else no value
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        if not all(isinstance(v, dt.date) for v in values):
            raise UnknownFilterError(f"filter {column}: this column holds dates (datetime.date), got {values!r}")
        return [pd.Timestamp(v) for v in values]
    if not all(isinstance(v, str) for v in values):
        raise UnknownFilterError(f"filter {column}: this column holds text, got {values!r}")
    return values


def caveats() -> pd.DataFrame:
    """The caveats table: each caveat's kind, text and basis (quote or curator's note).

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> sorted(ist.caveats()["basis"].unique())
    ['curator', 'source']
    """
    return table("caveats")


def documents() -> pd.DataFrame:
    """The source documents, with addresses, dates, licence statements and SHA-256 pins.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> list(ist.documents()["document_id"])
    ['iicsa-internet-report-b1', 'iicsa-research-online']
    """
    return table("documents")


def ledger() -> pd.DataFrame:
    """Every numeric mention in the raw documents and what became of it.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> sorted(ist.ledger()["status"].unique())
    ['caveat', 'excluded', 'figure']
    """
    return table("ledger")
