"""Standard output for the commands: control characters in the data never reach the terminal."""

from __future__ import annotations

import contextlib
import os
import re
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TextIO, TypeVar

    T = TypeVar("T")


class OutputError(Exception):
    """Standard output cannot be written (closed, a full disk, /dev/full)."""


#: Characters that would act on a terminal rather than show (C0 and C1 controls but newline and tab, bidi overrides).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape(text: str) -> str:
    r"""``text`` with every control character shown as a ``\uXXXX`` escape (also a valid JSON escape)."""
    return CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def shown(value: str, limit: int = 100) -> str:
    """A value for a one-line message: its repr, cut to about ``limit`` characters."""
    return repr(value) if len(value) <= limit else f"{value[: limit - 3]!r}..."


def say(prefix: str, message: object) -> None:
    """Print one line on standard error, control characters shown as escapes (one line, always)."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(message))
    if sys.stderr is not None:  # else closed too: the exit status is all that is left
        with contextlib.suppress(OSError):  # unwritable too
            print(f"{prefix}: {text}", file=sys.stderr)


class Out:
    """A text stream that escapes control characters (see the module's docstring)."""

    def __init__(self, stream: TextIO | None) -> None:
        if stream is None:
            raise OutputError("standard output is closed; run the command with its output going to a terminal or file")
        self._stream = stream

    def write(self, text: str) -> int:
        return self._raw(escape(text))

    def styled(self, text: str, code: str, on: bool, end: str = "") -> None:
        """Write ``text`` in the style ``code`` (an SGR code) if ``on``, then ``end`` unstyled."""
        self._raw(f"\033[{code}m" if on else "")
        self.write(text)
        self._raw("\033[0m" if on else "")
        self.write(end)

    def marked(self, text: str, start: int, end: int, on: bool) -> None:
        """Write ``text`` on one line (whitespace collapsed), ``text[start:end]`` marked: reversed, or in » «."""
        # \x01 and \x02 mark the quote: they cannot be in the escaped text, and are not whitespace
        line = f"{escape(text[:start])}\x01{escape(text[start:end])}\x02{escape(text[end:])}"
        before, _, rest = " ".join(line.split()).partition("\x01")
        quote, _, after = rest.partition("\x02")
        self.write(before)
        self.styled(quote, "7", on) if on else self.write(f"\u00bb{quote}\u00ab")
        self.write(after)

    def _raw(self, text: str) -> int:
        return _writing(self._stream.write, text)

    def flush(self) -> None:
        _writing(self._stream.flush)

    def isatty(self) -> bool:
        try:
            return self._stream.isatty()
        except (OSError, ValueError):
            return False


def _writing(call: Callable[..., T], *args: str) -> T:
    """``call(*args)``; an OSError but a broken pipe (the CLI ends quietly on one) becomes :class:`OutputError`."""
    try:
        return call(*args)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write to standard output: {exc.strerror or exc}") from None


def colour(stream: Out | TextIO) -> bool:
    """Whether to style output: a terminal, and neither NO_COLOR nor TERM=dumb set."""
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def discard_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
