"""Transitions: what one release does with one document (parse, format, start), each computed once.

A transition (dialect, input, what is done) is a pure function. :data:`CACHE` remembers each
distinct one, so matrices, paths and findings that meet the same transition again only look it
up. The cache is one bounded object: :func:`reset` replaces its contents (a kernel reset, a
benchmark), and it never grows past :attr:`Memo.limit` entries.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from pcidesign.model import domain
from pcidesign.model.catalog import Intent
from pcidesign.model.dialect import Dialect, Purpose, Rejection, Values
from pcidesign.model.domain import MACHINE_INDEX, DomainDef, Hardware

T = TypeVar("T")


class Memo:
    """A bounded memo of pure results keyed on tuples (dialects, documents, schemes, settings).

    When it holds :attr:`limit` entries it starts afresh: a result is only ever recomputed, never
    wrong, and memory stays bounded however long a kernel lives."""

    def __init__(self, limit: int = 2_000_000) -> None:
        self.limit = limit
        self.data: dict[tuple[object, ...], object] = {}

    def get(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """The remembered value for ``key``, computing (and remembering) it the first time."""
        data = self.data
        try:
            return data[key]  # type: ignore[return-value]
        except KeyError:
            pass
        value = compute()  # computed before anything is stored: an exception leaves no half entry
        if len(data) >= self.limit:
            data.clear()
        data[key] = value
        return value

    def __len__(self) -> int:
        return len(self.data)

    def clear(self) -> None:
        """Forget everything."""
        self.data.clear()


CACHE = Memo()
"""The transitions (and scenario results, see :mod:`pcidesign.model.engine`) computed so far."""

_RESETS: list[Callable[[], None]] = []


def on_reset(forget: Callable[[], None]) -> Callable[[], None]:
    """Register ``forget`` to run at :func:`reset` (a cache of another module); returns it."""
    _RESETS.append(forget)
    return forget


def reset() -> None:
    """Forget every remembered transition and result (for benchmarks, tests and kernel resets)."""
    CACHE.clear()
    describe.cache_clear()
    changed.cache_clear()
    for forget in _RESETS:
        forget()


def transitions_computed() -> int:
    """How many distinct transitions (and results) are remembered now."""
    return len(CACHE)


def _memo(key: tuple[object, ...], compute: Callable[[], T]) -> T:
    return CACHE.get(key, compute)


def parse(d: Dialect, xml: bytes, purpose: Purpose) -> DomainDef | Rejection:
    """``d``'s release parses a whole document for ``purpose``."""
    return _memo((d, "parse", xml, purpose), lambda: domain.parse(d, xml, purpose))


def format_def(d: Dialect, defn: DomainDef, migratable: bool = False) -> bytes:
    """``d``'s release formats ``defn``: the saved config, or MIGRATABLE."""
    return _memo((d, "format", defn, migratable), lambda: domain.format(d, defn, migratable))


def start_def(d: Dialect, defn: DomainDef) -> DomainDef | Rejection:
    """``d``'s release starts the guest of ``defn`` on its host."""
    return _memo((d, "start", defn), lambda: domain.start(d, defn))


def write_intent(d: Dialect, intent: Intent) -> bytes | None:
    """The domain XML a user writes for ``intent`` at ``d``'s release, or None (the setting's
    ``writer`` decides what is written for the default device: :meth:`Dialect.written_intents`)."""
    machine = d.catalog.classes[intent.cls].machine
    return _memo((d, "write", intent.id), lambda: next(
        (x for x in (domain.intent_domain(d, it, machine) for it in d.written_intents(intent)) if x is not None), None))


def _values(values: Values) -> str:
    return f"[{' '.join(f'{k}={v}' for k, v in values)}]" if values else ""


@functools.lru_cache(maxsize=65536)
def describe(hw: Hardware) -> str:
    """``1:pcie-root-port=ioh3420[chassis=1 port=8]``, for the controllers that have a device."""
    parts = [f"machine {dev}" if i == MACHINE_INDEX else f"{i}:{cls}={dev}{_values(vals)}"
             for i, cls, dev, vals in hw if dev != "-"]
    return ", ".join(parts) if parts else "root bus only"


@functools.lru_cache(maxsize=65536)
def changed(before: Hardware, after: Hardware) -> str:
    """What differs between two hardware lists, in words (a device, or a guest-visible value)."""
    b, a = {i: (c, d, v) for i, c, d, v in before}, {i: (c, d, v) for i, c, d, v in after}
    diffs = []
    for i in sorted(set(a) | set(b)):
        if a.get(i) == b.get(i):
            continue
        if i in a and i in b and a[i][:2] == b[i][:2]:
            was, now = dict(b[i][2]), dict(a[i][2])
            vals = [f"{k} {was.get(k, '-')} -> {now.get(k, '-')}" for k in dict.fromkeys([*was, *now])
                    if was.get(k) != now.get(k)]
            diffs.append(f"index {i}: {a[i][0]} {a[i][1]} {', '.join(vals)}")
            continue
        was = f"{b[i][0]} {b[i][1]}" if i in b else "nothing"
        now = f"{a[i][0]} {a[i][1]}" if i in a else "nothing"
        diffs.append(f"machine {b[i][1]} -> {a[i][1]}" if i == MACHINE_INDEX and i in a and i in b
                     else f"index {i}: {was} -> {now}")
    return "; ".join(diffs)
