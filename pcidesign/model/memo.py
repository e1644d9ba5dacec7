"""Bounded memos of pure results, and the hooks that forget them all at once.

:class:`Memo` is the one shape of every remembered result of the model (the transitions' cache,
the interned definitions, the address assignments); a module that keeps one registers its
``clear`` with :func:`on_reset`, and :func:`pcidesign.model.transitions.reset` (the engine's
reset) forgets them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
_MISSING = object()
"""What a memo holds for a key it never saw (a miss costs a lookup, not an exception)."""


class Memo:
    """A bounded memo of pure results keyed on tuples (dialects, documents, schemes, settings).

    When it holds :attr:`limit` entries it starts afresh: a result is only ever recomputed, never
    wrong, and memory stays bounded however long a kernel lives."""

    def __init__(self, limit: int = 2_000_000) -> None:
        self.limit = limit
        self.data: dict[tuple[object, ...], object] = {}

    def get(self, key: tuple[object, ...], compute: Callable[..., T], *args: object) -> T:
        """The remembered value for ``key``, computing (and remembering) ``compute(*args)`` the first
        time. On a hot path pass the arguments rather than a closure: a closure would be made at
        every lookup, a hit too."""
        data = self.data
        value = data.get(key, _MISSING)
        if value is not _MISSING:
            return value  # type: ignore[return-value]
        value = compute(*args)  # computed before anything is stored: an exception leaves no half entry
        if len(data) >= self.limit:
            data.clear()
        data[key] = value
        return value

    def put(self, key: tuple[object, ...], value: T) -> T:
        """Remember ``value`` for ``key`` (starting afresh at the limit) and return it."""
        if len(self.data) >= self.limit:
            self.data.clear()
        self.data[key] = value
        return value

    def __len__(self) -> int:
        return len(self.data)

    def clear(self) -> None:
        """Forget everything."""
        self.data.clear()


_RESETS: list[Callable[[], None]] = []


def on_reset(forget: Callable[[], None]) -> Callable[[], None]:
    """Register ``forget`` to run at the engine's reset (a cache of another module); returns it."""
    _RESETS.append(forget)
    return forget


def forget_all() -> None:
    """Run every hook registered with :func:`on_reset`."""
    for forget in _RESETS:
        forget()
