"""The one JSON reader of the package, with limits, so that no JSON file can crash a command.

``datapackage.json`` and the Table Schemas come with a data package that may
come from anywhere.  Python's :mod:`json` fails on such files with tracebacks
(:class:`RecursionError` on deep nesting, :class:`ValueError` on an integer of
more than 4,300 digits) and silently keeps the last of two equal keys, so a
wrong ``hash`` written first and the right one last would pass.  :func:`parse`
refuses all of these, each with a :class:`JSONLimitError` saying what was
found; the file size is bounded by :mod:`._guard`, which reads the file.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["MAX_DEPTH", "MAX_NUMBER_CHARS", "JSONLimitError", "parse"]

#: The deepest nesting of arrays and objects accepted (a descriptor nests about 6 deep).
MAX_DEPTH = 64
#: The longest number accepted, in characters (a size or an offset has a few digits).
MAX_NUMBER_CHARS = 100


class JSONLimitError(ValueError):
    """A JSON text that is not valid UTF-8 JSON, or goes beyond a limit of :func:`parse`."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JSONLimitError(f"the key {key[:80]!r} appears twice in one object (a JSON object names each once)")
        result[key] = value
    return result


def _number(kind: type[int] | type[float]) -> Any:
    def convert(text: str) -> int | float:
        if len(text) > MAX_NUMBER_CHARS:
            raise JSONLimitError(f"a number of {len(text)} characters (at most {MAX_NUMBER_CHARS} are accepted)")
        value = kind(text)
        if value in (float("inf"), float("-inf")):
            raise JSONLimitError(f"the number {text[:40]} is too large for a float")
        return value

    return convert


def _constant(name: str) -> Any:
    raise JSONLimitError(f"{name} is not a JSON value")


def _depth(value: Any) -> int:
    """The nesting depth of ``value`` (iteratively: deep values never reach the recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                stack.extend((child, depth + 1) for child in item)
    return deepest


def parse(data: bytes) -> Any:
    """``data`` parsed as UTF-8 JSON within the limits (:data:`MAX_DEPTH`, :data:`MAX_NUMBER_CHARS`, unique keys).

    Raises
    ------
    JSONLimitError
        Saying what is wrong: not UTF-8, not JSON, nested too deeply, a number too long, a key twice.

    Examples
    --------
    >>> parse(b'{"a": [1, 2.5]}')
    {'a': [1, 2.5]}
    >>> parse(b'{"hash": "x", "hash": "y"}')
    Traceback (most recent call last):
    ...
    iicsa_stats._json.JSONLimitError: the key 'hash' appears twice in one object (a JSON object names each once)
    """
    import json

    try:
        text = data.decode("utf-8")
        value = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_int=_number(int),
            parse_float=_number(float),
            parse_constant=_constant,
        )
    except UnicodeDecodeError as exc:
        raise JSONLimitError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise JSONLimitError(f"not valid JSON ({exc})") from None
    except RecursionError:
        raise JSONLimitError(f"nested more than {MAX_DEPTH} levels deep") from None
    if _depth(value) > MAX_DEPTH:
        raise JSONLimitError(f"nested more than {MAX_DEPTH} levels deep")
    return value
