"""Check a model's fields against their annotations, so a value of the wrong type is refused where it enters.

The loader builds :class:`~iicsa_stats.Figure`, :class:`~iicsa_stats.Caveat`
and their parts from the processed tables, typed by the Table Schemas.  If a
schema was changed (a number field made a string), a value of the wrong type
would otherwise travel on and fail far away, in formatting or search.  Each
model's ``__post_init__`` calls :func:`check_field_types` first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import lru_cache

__all__ = ["check_field_types"]

# The annotations the models use (as strings: `from __future__ import annotations`), and what each accepts.
_KINDS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "dt.date": (dt.date,),
}


@lru_cache(maxsize=64)
def _accepts(annotation: str) -> tuple[tuple[type, ...], bool]:
    """The types an annotation accepts, and whether it accepts None."""
    parts = [p.strip() for p in annotation.split("|")]
    optional = "None" in parts
    kinds: tuple[type, ...] = ()
    for part in parts:
        if part == "None":
            continue
        if part.startswith("tuple["):
            kinds += (tuple,)
        elif part in _KINDS:
            kinds += _KINDS[part]
        else:  # another model (Provenance, Caveat): checked by its own __post_init__
            kinds += (object,)
    return kinds, optional


def check_field_types(obj: object) -> None:
    """Raise :class:`TypeError` naming the first field of a dataclass whose value is not of its annotated type.

    ``bool`` is not accepted where a number is expected.

    Examples
    --------
    >>> from iicsa_stats import Reference
    >>> Reference(title="T", publisher="P", published=None, url=5, supports="s", confirmed=True)  # type: ignore
    Traceback (most recent call last):
    ...
    TypeError: Reference.url must be of type str, got int 5
    """
    for field in dataclasses.fields(obj):  # type: ignore[arg-type]
        kinds, optional = _accepts(str(field.type))
        value = getattr(obj, field.name)
        if value is None and optional:
            continue
        wrong_bool = isinstance(value, bool) and bool not in kinds
        if not isinstance(value, kinds) or wrong_bool:
            raise TypeError(
                f"{type(obj).__name__}.{field.name} must be of type {field.type}, "
                f"got {type(value).__name__} {value!r:.60}"
            )
