"""Untrusted text made safe to show: on a terminal, and in a CSV file a spreadsheet may open.

File names, domain names, ``model`` values and the parser's error messages come from input
files. Two things must never happen to them on the way out:

- a control character reaching the terminal raw: ESC and the other C0 controls, DEL, the C1
  controls (U+0080 to U+009F; U+009B is a one-byte CSI), the bidi overrides and isolates
  (U+202A to U+202E, U+2066 to U+2069) and every other character Python does not call
  printable are written as their escapes (``\\x1b``, ``\\x9b``, ``\\u202e``), the way ``repr``
  writes them (:func:`printable`);
- a CSV cell read as a formula: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab, CR or
  LF gets a leading single quote, as OWASP recommends for CSV injection (:func:`csv_cell`).

Both are idempotent, so text escaped once (by ``xmlsafe.display``, which escapes the same
characters) is not escaped again; a backslash itself is left as it is.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, TypeVar

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
"""Leading characters that make a spreadsheet read a CSV cell as a formula (OWASP, CSV injection)."""

Frame = TypeVar("Frame")


def _escape(char: str) -> str:
    """One character as ``repr`` escapes it: ``\\t``, ``\\x1b``, ``\\u202e``, ``\\U000e0001``."""
    return repr(char)[1:-1]


def printable(text: object, keep: str = "") -> str:
    """``text`` with every character that is not printable written as its escape.

    Escapes the C0 controls (ESC included), DEL, the C1 controls, the bidi overrides and
    isolates, line and paragraph separators, lone surrogates (undecodable bytes of a file name)
    and unassigned code points; characters in ``keep`` (say ``"\\n\\t"`` for a message that may
    span lines) are left alone. Paths and bytes are decoded as the file system does. The result
    always encodes as UTF-8, so printing it never fails.
    """
    if isinstance(text, (bytes, os.PathLike)):
        text = os.fsdecode(text)
    elif not isinstance(text, str):
        text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else _escape(c) for c in text)


def csv_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs: text escaped (:func:`printable`) and, when it starts
    like a formula (:data:`FORMULA_START`), prefixed with a single quote. Anything that is not
    text (a count, a flag) is returned unchanged."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    return "'" + value if value.startswith(FORMULA_START) else value


_TEXT_DTYPES = ("object", "string", "str", "category")


def safe_frame(frame: Frame, csv: bool = False, columns: Iterable[Any] | None = None) -> Frame:
    """A copy of the pandas ``frame`` whose text cells are safe to print (:func:`printable`), and with
    ``csv`` also safe in a spreadsheet (:func:`csv_cell`).

    Only ``columns`` (default: every column holding text: object, string or category dtype) are
    touched, and in them only string cells: numbers stay numbers. A categorical column becomes a
    column of plain values. The index is left alone.
    """
    out: Any = frame.copy()  # type: ignore[attr-defined]
    cell = csv_cell if csv else (lambda v: printable(v) if isinstance(v, str) else v)
    wanted = None if columns is None else set(columns)
    for i, name in enumerate(out.columns):
        values = out.iloc[:, i]
        if (wanted is not None and name not in wanted) or str(values.dtype) not in _TEXT_DTYPES:
            continue
        if str(values.dtype) == "category":
            values = values.astype(object)
        out.isetitem(i, values.map(cell))
    return out  # type: ignore[no-any-return]


__all__ = ["FORMULA_START", "csv_cell", "printable", "safe_frame"]
