"""Transitions: what one release does with one document (parse, format, start), each computed once.

A transition (dialect, input, what is done) is a pure function. :data:`CACHE` remembers each
distinct one, so matrices, paths and findings that meet the same transition again only look it
up. The cache is one bounded object: :func:`reset` replaces its contents (a kernel reset, a
benchmark), and it never grows past :attr:`Memo.limit` entries.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Iterator

from pcidesign.model import domain, kinds
from pcidesign.model.catalog import Intent
from pcidesign.model.dialect import Dialect, Purpose, Rejection, Values
from pcidesign.model.domain import MACHINE_INDEX, DomainDef, Hardware
from pcidesign.model.guestabi import shown
from pcidesign.model.memo import Memo, forget_all, on_reset  # noqa: F401  (re-exported)


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a sweep fills the cache.

    The results remembered are plain values (no reference cycles): reference counting frees what
    is dropped, but each full collection walks every object remembered so far, which made a long
    sweep grow faster than its cells (measured: a third of a sweep's time). When the block ends,
    what it made is moved to the collector's permanent generation (``gc.freeze``) before
    collection resumes as it was: otherwise the first collection after the block walks every
    object the block made, and each full one walks them again (measured: 13% of a sweep, and
    most of a command's exit). Reference counting still frees them when the memo lets them go;
    only a reference cycle made inside a block would outlive its last reference. Nested blocks
    are fine."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.freeze()
            gc.enable()


CACHE = Memo()
"""The transitions (and scenario results, see :mod:`pcidesign.model.engine`) computed so far."""

def reset() -> None:
    """Forget every remembered transition and result (for benchmarks, tests and kernel resets)."""
    CACHE.clear()
    _BY_ID.clear()
    _describe.cache_clear()
    _changed.cache_clear()
    forget_all()


def transitions_computed() -> int:
    """How many distinct transitions (and results) are remembered now."""
    return len(CACHE)


_memo = CACHE.get
"""``_memo(key, compute, *args)``: :meth:`Memo.get` of :data:`CACHE` (bound once: it is called for every transition)."""


def parse(d: Dialect, xml: bytes, purpose: Purpose) -> DomainDef | Rejection:
    """``d``'s release parses a whole document for ``purpose``."""
    return _memo((d, "parse", xml, purpose), _parse, d, xml, purpose)


def format_def(d: Dialect, defn: DomainDef, migratable: bool = False) -> bytes:
    """``d``'s release formats ``defn``: the saved config, or MIGRATABLE."""
    return _memo((d, "format", defn, migratable), _format, d, defn, migratable)


def start_def(d: Dialect, defn: DomainDef) -> DomainDef | Rejection:
    """``d``'s release starts the guest of ``defn`` on its host."""
    return _memo((d, "start", defn), _start, d, defn)


def write_intent(d: Dialect, intent: Intent) -> bytes | None:
    """The domain XML a user writes for ``intent`` at ``d``'s release, or None (the setting's
    ``writer`` decides what is written for the default device: :meth:`Dialect.written_intents`)."""
    return _memo((d, "write", intent.id), _write, d, intent)


# What each transition computes, through the kind of the dialect (:mod:`pcidesign.model.kinds`).
def _parse(d: Dialect, xml: bytes, purpose: Purpose) -> DomainDef | Rejection:
    return kinds.document(d.kind).parse(d, xml, purpose)


def _format(d: Dialect, defn: DomainDef, migratable: bool) -> bytes:
    return kinds.document(d.kind).format(d, defn, migratable)


def _start(d: Dialect, defn: DomainDef) -> DomainDef | Rejection:
    return kinds.document(d.kind).start(d, defn)


def _write(d: Dialect, intent: Intent) -> bytes | None:
    return kinds.document(d.kind).write(d, intent)


def _values(values: Values) -> str:
    return f"[{' '.join(f'{k}={shown(k, v)}' for k, v in values)}]" if values else ""


_BY_ID: dict[tuple[int, ...], tuple[object, str]] = {}
"""describe() and changed() of the hardware lists met so far, keyed on their identity (the same
tuple of a started guest comes back in many cells; hashing it again each time costs more than
the text): (id, ...) -> (the lists themselves, kept so that an id is never reused, the text)."""


def describe(hw: Hardware) -> str:
    """``1:pcie-root-port=ioh3420[chassis=1 port=8]``, for the controllers that have a device."""
    hit = _BY_ID.get((id(hw),))
    if hit is not None and hit[0] is hw:
        return hit[1]
    text = _describe(hw)
    if len(_BY_ID) >= 200_000:
        _BY_ID.clear()
    _BY_ID[(id(hw),)] = (hw, text)
    return text


@functools.lru_cache(maxsize=65536)
def _describe(hw: Hardware) -> str:
    parts = [f"machine {dev}" if i == MACHINE_INDEX else f"{i}:{cls}={dev}{_values(vals)}"
             for i, cls, dev, vals in hw if dev != "-"]
    return ", ".join(parts) if parts else "root bus only"


def changed(before: Hardware, after: Hardware) -> str:
    """What differs between two hardware lists, in words (a device, or a guest-visible value)."""
    key = (id(before), id(after))
    hit = _BY_ID.get(key)
    if hit is not None and hit[0][0] is before and hit[0][1] is after:  # type: ignore[index]
        return hit[1]
    text = _changed(before, after)
    if len(_BY_ID) >= 200_000:
        _BY_ID.clear()
    _BY_ID[key] = ((before, after), text)
    return text


@functools.lru_cache(maxsize=65536)
def _changed(before: Hardware, after: Hardware) -> str:
    b, a = {i: (c, d, v) for i, c, d, v in before}, {i: (c, d, v) for i, c, d, v in after}
    diffs = []
    for i in sorted(set(a) | set(b)):
        if a.get(i) == b.get(i):
            continue
        if i in a and i in b and a[i][:2] == b[i][:2]:
            was, now = dict(b[i][2]), dict(a[i][2])
            vals = [f"{k} {shown(k, was.get(k))} -> {shown(k, now.get(k))}" for k in dict.fromkeys([*was, *now])
                    if was.get(k) != now.get(k)]
            diffs.append(f"index {i}: {a[i][0]} {a[i][1]} {', '.join(vals)}")
            continue
        was = f"{b[i][0]} {b[i][1]}" if i in b else "nothing"
        now = f"{a[i][0]} {a[i][1]}" if i in a else "nothing"
        diffs.append(f"machine {b[i][1]} -> {a[i][1]}" if i == MACHINE_INDEX and i in a and i in b
                     else f"index {i}: {was} -> {now}")
    return "; ".join(diffs)
