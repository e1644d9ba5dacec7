"""The one CSV reader of pcidesign: every data and probe file goes through :func:`read_csv`.

It refuses what it cannot read with a :class:`~pcidesign.model.errors.DataError` naming the file,
the row (the line it starts on) and the problem: non-UTF-8 bytes, unclosed quotes, oversized
fields, rows of the wrong length, a header named twice or missing columns.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pcidesign.model.errors import DataError
from pcidesign.model.xmlsafe import display

_TERMINATOR = re.compile(r"\r\n|\r|\n")
_SHOW = 60


def _show(value: str) -> str:
    """``value`` quoted for an error message: control characters escaped, long text cut."""
    text = repr(value[:_SHOW])
    return text if len(value) <= _SHOW else f"{text}... ({len(value)} characters)"


@dataclass(frozen=True)
class Table:
    """The rows of one CSV data file, each with the file line it starts on (blank lines count)."""

    name: str
    header_row: int
    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]

    def require_rows(self, what: str) -> None:
        """Refuse a file that has its header and nothing else (``what``: "intents", ...)."""
        if not self.rows:
            raise DataError(self.name, self.header_row, f"no {what}: the header is the file's last row")


def read_csv(path: Path, columns: Sequence[str] = (), name: str | None = None) -> Table:
    """Read and check the CSV file ``path`` (see :func:`parse_csv`); a file that cannot be read
    raises :class:`DataError` with the path and the reason."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(display(path), None, f"cannot read: {exc.strerror or exc}") from None
    return parse_csv(data, name if name is not None else display(path.name), columns)


def parse_csv(data: bytes, name: str, columns: Sequence[str] = ()) -> Table:
    """The rows of the CSV text ``data``, refusing what it cannot read with a :class:`DataError`
    naming the file (``name``), the row (its file line) and the problem.

    UTF-8 only (a byte-order mark at the start is accepted), strict quoting, each row with as
    many fields as the header, every column of ``columns`` present; cells are stripped and blank
    lines skipped (but counted: a row number is the line the row starts on).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8-sig", errors="replace")
        line = len(_TERMINATOR.findall(before)) + 1
        raise DataError(name, line, f"not UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start} "
                        "(save the file as UTF-8)") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    header_row = 1
    rows: list[tuple[int, dict[str, str]]] = []
    start = 1
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problem = str(exc)
            if "field larger than field limit" in problem:
                problem = f"a field longer than {csv.field_size_limit()} characters (the CSV reader's limit)"
            elif "unexpected end of data" in problem:
                problem = "a quoted field that starts in this row is never closed"
            elif "expected after" in problem:
                problem = (f"text after the closing quote of a field ({problem}; a quote inside a quoted "
                           "field is written twice)")
            raise DataError(name, start, f"not valid CSV: {problem}") from None
        if not any(c.strip() for c in cells) and (header is None or len(cells) <= 1):
            continue  # a blank line
        if header is None:
            header, header_row = [c.strip() for c in cells], start
            twice = sorted({c for c in header if header.count(c) > 1})
            if twice:
                raise DataError(name, start, f"column(s) named twice: {', '.join(map(_show, twice))}")
            missing = [c for c in columns if c not in header]
            if missing:
                at = f" (the header is row {start})" if start != 1 else ""
                raise DataError(name, None, f"missing column(s) {', '.join(missing)}; expected {', '.join(columns)}{at}")
            continue
        if len(cells) != len(header):
            raise DataError(name, start, f"{len(cells)} fields, but the header (row {header_row}) has {len(header)}"
                            " (a missing or extra comma, or a quote out of place?)")
        rows.append((start, {k: v.strip() for k, v in zip(header, cells)}))
    if header is None:
        raise DataError(name, None, "empty file" + (f"; expected a header with {', '.join(columns)}" if columns else ""))
    return Table(name, header_row, tuple(header), tuple(rows))


