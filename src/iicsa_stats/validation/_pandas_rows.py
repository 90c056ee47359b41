"""A row-at-a-time reader of DataFrames for frictionless, so that validating a Parquet resource is linear in its cells.

frictionless reads a Parquet resource into a pandas DataFrame and hands it to its
``pandas`` parser, which calls ``Series.to_dict()`` on each row once for every
cell of the row: reading a table costs rows x fields x fields, and for the
``comparisons`` table (one row per pair of figures and dimension) that was most
of ``iicsa-stats validate``'s time.  :class:`RowOncePandasParser` yields the same
cells, computed the same way, calling ``to_dict()`` once per row.

:func:`registered` puts it ahead of frictionless's own parser for the ``pandas``
format for the length of a ``with`` block and takes it out again afterwards, so a
program that uses frictionless itself is not changed by calling ``validate``; where
the installed frictionless lacks the parent method this parser relies on, frictionless's
own parser is used.  It is imported by the ``package`` check only, which already
imports frictionless; the lookup path never imports this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from frictionless import Plugin, system
from frictionless.formats.pandas.parser import PandasParser
from frictionless.platform import platform

__all__ = ["PLUGIN_NAME", "RowOncePandasParser", "registered"]

#: The name the plugin is registered under in frictionless's ``system``.
PLUGIN_NAME = "iicsa_stats_pandas_rows"


class RowOncePandasParser(PandasParser):
    """frictionless's ``pandas`` parser, with each row converted to a dict once instead of once per cell."""

    def read_cell_stream_create(self) -> Iterator[list[Any]]:
        """The header, then each row's cells: the values frictionless's own parser yields, in its order."""
        np = platform.numpy
        pd = platform.pandas
        assert isinstance(self.resource.data, pd.DataFrame)
        dataframe = self.resource.data
        schema = self._PandasParser__read_convert_schema()  # type: ignore[attr-defined]  # the parent's own
        if not self.resource.schema:
            self.resource.schema = schema
        yield schema.field_names
        for pk, item in dataframe.iterrows():
            keys = pk if isinstance(pk, tuple) else [pk]  # the index: a tuple for a MultiIndex
            values: dict[Any, Any] | None = None
            cells: list[Any] = []
            for field in schema.fields:
                if field.name in schema.primary_key:
                    value = keys[schema.primary_key.index(field.name)]
                else:
                    if values is None:
                        values = item.to_dict()
                    value = values[field.name]
                if value is np.nan:
                    value = None
                elif isinstance(value, pd.Timestamp):
                    value = value.to_pydatetime()
                cells.append(value)
            yield cells


class _RowOncePandasPlugin(Plugin):
    """Gives frictionless :class:`RowOncePandasParser` for the ``pandas`` format."""

    def create_parser(self, resource: Any) -> RowOncePandasParser | None:
        if resource.format == "pandas":
            return RowOncePandasParser(resource)
        return None


#: The parent's schema conversion that :meth:`RowOncePandasParser.read_cell_stream_create` calls.
_PARENT_METHOD = "_PandasParser__read_convert_schema"


@contextmanager
def registered() -> Iterator[bool]:
    """Use the row-once parser inside the ``with`` block; yields whether it is in use.

    It is not used (and frictionless's own parser reads the data) when the installed
    frictionless has no parent method of that name, or when another block already
    registered it; it is removed again when the block that registered it ends.
    """
    if not hasattr(PandasParser, _PARENT_METHOD) or PLUGIN_NAME in system.plugins:
        yield PLUGIN_NAME in system.plugins
        return
    # frictionless's register() refreshes its cached plugin list only when its hook table is cached too: fill both
    # first, so that the new plugin is seen.
    system.methods  # noqa: B018
    system.register(PLUGIN_NAME, _RowOncePandasPlugin())
    try:
        yield True
    finally:
        system.deregister(PLUGIN_NAME)
