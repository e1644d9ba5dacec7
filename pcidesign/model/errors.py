"""Errors that name what was wrong and what would be right."""

from __future__ import annotations

from collections.abc import Iterable


class PcidesignError(Exception):
    """Base class of every error pcidesign raises on purpose."""


class UnknownNameError(PcidesignError, KeyError):
    """A scheme, scenario, timeline, release, intent, ... that does not exist."""

    def __init__(self, kind: str, value: object, valid: Iterable[str], where: str = "",
                 timelines: Iterable[str] = ()) -> None:
        self.kind = kind
        self.value = value
        self.valid = tuple(valid)
        self.where = where
        self.timelines = tuple(timelines)
        """For a release: the timelines that do have it (the fix is to choose one of them)."""
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f" in {self.where}" if self.where else ""
        on = (f"; {self.value} is on timeline {' and '.join(self.timelines)}: add --timeline {self.timelines[0]}"
              if self.timelines else "")
        return f"unknown {self.kind} {self.value!r}{where}; valid: {', '.join(self.valid)}{on}"


class DataError(PcidesignError):
    """A data file that cannot be loaded: names the file, the row and the problem."""

    def __init__(self, path: str, row: int | None, problem: str) -> None:
        self.path = path
        self.row = row
        self.problem = problem
        at = f", row {row}" if row is not None else ""
        super().__init__(f"{path}{at}: {problem}")


class XMLInputError(PcidesignError):
    """XML that pcidesign refuses to read (malformed, hostile, not a domain)."""


class HopError(PcidesignError):
    """A hop that cannot be done where it was asked (a resave away from the guest, a hop after
    the history ended, a hop that needs XML)."""


class UsageError(PcidesignError, ValueError):
    """An argument with a value no function can use (an empty frame to draw, an unknown format)."""


class SchemeError(PcidesignError):
    """A scheme that breaks the contract (pcidesign.model.dialect.Dialect), or cannot be loaded."""
