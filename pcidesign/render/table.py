"""Text tables that fit a terminal: the one formatter every text renderer of the CLI uses.

A table is a header and rows of text cells. :func:`fit` gives each column its natural width when
the whole fits in ``width`` characters; otherwise the widest columns are narrowed (all to the same
cap, as far as each needs) and their cells wrapped onto more lines, at spaces and after ``-``,
``+`` and ``/``, or cut with ``…`` (``overflow="truncate"``, the default for long tables, so a row
stays one line a ``grep`` can find). ``width=None`` never narrows anything (``--wide``).
A cell may hold a newline: it starts a new line within the cell (a name over its id).
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Callable, Mapping, Sequence

import pandas as pd

DEFAULT_WIDTH = 100
"""The width used when neither ``$COLUMNS`` nor the terminal says otherwise (output to a pipe)."""

GAP = 2
"""Spaces between two columns."""

LONG_TABLE = 40
"""Tables with more rows than this are cut (``…``) rather than wrapped under ``overflow="auto"``."""

ELLIPSIS = "…"
_NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?(e[+-]?\d+)?$|^-$|^nan$")


def terminal_width(default: int = DEFAULT_WIDTH) -> int:
    """The columns of the terminal (``$COLUMNS`` first, then the terminal standard output is on),
    or ``default`` when there is none; never less than 20."""
    return max(20, shutil.get_terminal_size((default, 24)).columns)


_BREAK = re.compile(r"(?<=[-+/>,])(?=[^\s\-+/>,])")


def _long_word(word: str, width: int) -> list[str]:
    """A word wider than ``width`` in pieces: after ``-``, ``+``, ``/``, ``>`` or ``,`` where one
    fits, else cut at the width."""
    out: list[str] = []
    line = ""
    for piece in _BREAK.split(word):
        while len(piece) > width:
            if line:
                out.append(line)
                line = ""
            out.append(piece[:width])
            piece = piece[width:]
        if len(line) + len(piece) > width:
            out.append(line)
            line = piece
        else:
            line += piece
    return out + [line] if line else out


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken at spaces and only inside a word
    that is wider than the line (after ``-``, ``+``, ``/``, ``>`` or ``,`` where it can); each
    newline kept; never an empty list."""
    width = max(1, width)
    out: list[str] = []
    for para in str(text).split("\n"):
        line = ""
        for word in para.split():
            if len(word) <= width:
                pieces = [word]
            else:  # a word wider than the line starts where the line has room
                room = width - len(line) - 1 if line else width
                head = ""
                for piece in _BREAK.split(word):
                    if len(head) + len(piece) > room:
                        break
                    head += piece
                rest = word[len(head):]
                pieces = ([head] if head else []) + _long_word(rest, width)
            for k, piece in enumerate(pieces):
                glue = "" if k else " "
                if not line:
                    line = piece
                elif len(line) + len(glue) + len(piece) <= width:
                    line += glue + piece
                else:
                    out.append(line)
                    line = piece
        out.append(line)
    return out


def cut(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with ``…`` when longer."""
    text = " ".join(str(text).split("\n"))
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)].rstrip() + ELLIPSIS if width >= 1 else ""


def paragraph(text: str, width: int | None, indent: str = "", hanging: str | None = None) -> str:
    """One line of prose, wrapped to ``width`` (None: one line) with ``indent`` before the first
    line and ``hanging`` (default: ``indent``) before the others."""
    if width is None:
        return indent + text
    rest = indent if hanging is None else hanging
    room = max(10, width - max(len(indent), len(rest)))
    lines = wrap(text, room)
    return "\n".join((indent if k == 0 else rest) + line for k, line in enumerate(lines))


def _pieces(text: str) -> list[str]:
    return [p for p in re.split(r"\s+|(?<=[-+/>,])", text) if p]


def _widths(natural: list[int], floor: list[int], budget: int) -> list[int]:
    """Column widths: each its natural width capped at one common cap, never below its floor,
    the cap as high as ``budget`` allows. When even the floors do not fit, they are shared out."""
    if sum(floor) > budget:
        return _widths(floor, [1] * len(floor), budget) if sum(floor) > len(floor) else [1] * len(floor)
    lo, hi = 0, max(natural, default=0)
    while lo < hi:  # the largest cap whose widths fit
        mid = (lo + hi + 1) // 2
        if sum(max(f, min(n, mid)) for n, f in zip(natural, floor)) <= budget:
            lo = mid
        else:
            hi = mid - 1
    widths = [max(f, min(n, lo)) for n, f in zip(natural, floor)]
    capped = [i for i in range(len(widths)) if natural[i] > widths[i]]
    if len(capped) > 1:  # the columns that do not fit share their room by the square root of their length
        room = sum(widths[i] for i in capped)
        weight = sum(math.sqrt(natural[i]) for i in capped)
        for i in capped:
            widths[i] = max(floor[i], min(natural[i], int(room * math.sqrt(natural[i]) / weight)))
        while sum(widths[i] for i in capped) > room:  # rounding up to a floor: take it from the widest
            j = max((i for i in capped if widths[i] > floor[i]), key=lambda i: widths[i], default=None)
            if j is None:
                break
            widths[j] -= 1
    spare = budget - sum(widths)
    for i in sorted(range(len(widths)), key=lambda i: natural[i] - widths[i], reverse=True):
        if spare <= 0:
            break
        more = min(spare, natural[i] - widths[i])
        widths[i] += more
        spare -= more
    return widths


def fit(header: Sequence[str], rows: Sequence[Sequence[object]], width: int | None = None,
        overflow: str = "auto", align: Sequence[str] | None = None,
        titles: Mapping[int, str] | None = None) -> str:
    """``rows`` under ``header`` as aligned text of at most ``width`` characters a line (None: as
    wide as the cells). ``overflow``: ``wrap`` cells onto more lines, ``truncate`` them with ``…``,
    or ``auto`` (wrap unless the table has more than :data:`LONG_TABLE` rows). ``align`` gives
    ``l`` or ``r`` per column (default: numbers right, text left). A header wraps when it must.
    ``titles`` puts a line of its own (a group's name) before the row of each index."""
    if overflow not in ("auto", "wrap", "truncate"):
        raise ValueError(f"unknown overflow {overflow!r}; valid: auto, wrap, truncate")
    head = [str(h) for h in header]
    body = [[("" if c is None else str(c)) for c in r] for r in rows]
    n = len(head)
    if any(len(r) != n for r in body):
        raise ValueError(f"every row needs {n} cells, as the header has")
    if align is None:
        align = ["r" if body and all(_NUMBER.match(r[i].strip()) for r in body) else "l" for i in range(n)]

    def longest(cell: str) -> int:
        return max((len(line) for line in cell.split("\n")), default=0)

    natural = [max([longest(head[i])] + [longest(r[i]) for r in body]) for i in range(n)]
    budget = None if width is None else width - GAP * (n - 1)
    if budget is None or sum(natural) <= budget:
        widths, mode = natural, "wrap"
    else:
        mode = "truncate" if overflow == "truncate" or (overflow == "auto" and len(body) > LONG_TABLE) else "wrap"
        heads = [max((len(p) for p in _pieces(head[i])), default=1) for i in range(n)]
        tops = [max((longest(r[i]) for r in body), default=0) for i in range(n)]
        tokens = [max((len(t) for r in body for t in r[i].split()), default=0) for i in range(n)]
        prose = [any(" " in line.strip() for r in body for line in r[i].split("\n")) for i in range(n)]
        floor = [min(natural[i], max(heads[i], min(tops[i], 12))) for i in range(n)]
        # words (identifiers, numbers, ids) stay whole, and prose keeps some room, when they fit;
        # the first column (what a row is about) longest
        for most in (40, 32, 24, 16):
            whole = [min(natural[i], max(heads[i], min(tokens[i], 40 if i == 0 else 16 if prose[i] else most),
                                         min(tops[i], 20) if prose[i] and most >= 24 else 0)) for i in range(n)]
            if sum(whole) <= budget:
                floor = whole
                break
        # cells first: a header wraps before its column's cells do
        cells = [max(floor[i], max((longest(r[i]) for r in body), default=0)) for i in range(n)]
        widths = _widths(cells, floor, budget)
        spare = budget - sum(widths)
        for i in range(n):
            more = max(0, min(spare, natural[i] - widths[i]))
            widths[i] += more
            spare -= more

    def lines_of(cells: list[str], is_head: bool) -> list[str]:
        if is_head or mode == "wrap":
            parts = [wrap(c, w) for c, w in zip(cells, widths)]
        else:
            parts = [[cut(c, w)] for c, w in zip(cells, widths)]
        height = max((len(p) for p in parts), default=1)
        if is_head:  # a wrapped header sits on the rule below it
            parts = [[""] * (height - len(p)) + p for p in parts]
        out = []
        for k in range(height):
            cols = []
            for i, (p, w) in enumerate(zip(parts, widths)):
                v = p[k] if k < len(p) else ""
                cols.append(v.rjust(w) if align[i] == "r" else v.ljust(w))
            out.append((" " * GAP).join(cols).rstrip())
        return out

    out = lines_of(head, True)
    body_lines = [lines_of(r, False) for r in body]
    spaced = any(len(b) > 1 for b in body_lines)  # wrapped rows: a blank line between rows
    for k, b in enumerate(body_lines):
        if titles and k in titles:
            out += ([""] if k else []) + [paragraph(titles[k], width)]
        elif spaced and k:
            out.append("")
        out += b
    return "\n".join(out)


Namer = Callable[[str], str]
"""A variant id -> the name a reader knows it by (``pcidesign.model.registry.name_of``)."""


def variant_cell(variant: str, name: Namer | None) -> str:
    """A variant as a table shows it: its name over its id (``Idea 1`` / ``(multiplex-model)``;
    on one line when a table cuts its rows); the id alone without ``name`` or when the name
    cannot be found."""
    if name is None:
        return variant
    try:
        called = name(variant)
    except (KeyError, ValueError):  # an id the namer does not know (UnknownNameError): the id says it
        return variant
    return variant if called == variant else f"{called}\n({variant})"


def named(df: pd.DataFrame, column: str, name: Namer | None) -> pd.DataFrame:
    """``df`` with each id of ``column`` shown as :func:`variant_cell` (for a table, not CSV/JSON)."""
    return df.assign(**{column: [variant_cell(str(v), name) for v in df[column]]})


def frame(df: pd.DataFrame, width: int | None = None, overflow: str = "auto") -> str:
    """A DataFrame (its index left out) as :func:`fit` lays it out; a float column with one number
    of decimals (the fewest, up to four, that show every value)."""
    cols = [_column(df[c]) for c in df.columns] if len(df.columns) else []
    rows = [list(r) for r in zip(*cols)] if cols else []
    return fit([str(c) for c in df.columns], rows, width, overflow)


def _column(series: pd.Series) -> list[str]:
    values = series.tolist()
    if pd.api.types.is_float_dtype(series.dtype):
        finite = [v for v in values if not math.isnan(v) and abs(v) < 1e15]
        decimals = max((len(f"{v:.4f}".rstrip("0").split(".")[1]) for v in finite), default=0)
        return ["nan" if math.isnan(v) else f"{v:.{decimals}f}" for v in values]
    return ["" if v is None else str(v) for v in values]
