"""Worker processes for the sweep, the findings, compare and the fleet scan: results in order.

Every parallel computation of pcidesign goes through :func:`ordered`: it hands small, picklable
work items (ids, paths) to a pool of worker processes started by ``forkserver`` (``spawn`` where
there is none: never ``fork``, which would copy a parent's threads and locks) and yields the
results in the order of the items, so that what is built from them is the same, byte for byte,
as with one process. ``jobs`` 1 (or a single item) computes everything here, in this process.

A worker knows the built-in schemes and the catalog it is given (pickled once per worker); a
scheme registered in this process only (``pcidesign.register()``, ``--scheme-module``) is not
known to a fresh process, so :func:`usable` sends such work to one process instead.
"""

from __future__ import annotations

import itertools
import os
import pickle
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from pcidesign.model import registry as _schemes
from pcidesign.model import workerserver
from pcidesign.model.catalog import Catalog

T = TypeVar("T")
R = TypeVar("R")

PRELOAD = workerserver.PRELOAD
"""Modules the forkserver imports once, so that each worker starts with them loaded
(:mod:`pcidesign.model.workerserver`, which a command starts early)."""


def cpu_count() -> int:
    """The CPUs this process may run on (the default number of jobs)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def jobs_of(jobs: int | None) -> int:
    """``jobs`` as a number of processes: None is the CPU count; below 1 is an error."""
    if jobs is None:
        return cpu_count()
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        from pcidesign.model.errors import UnknownNameError

        raise UnknownNameError("number of jobs", str(jobs), ["a whole number >= 1 (1: a single process)"])
    return jobs


def usable(variants: Iterable[str | _schemes.Scheme]) -> bool:
    """Whether a fresh worker process knows every one of ``variants`` as this process does: each
    is a built-in scheme (or a variant of one) that no plugin replaced."""
    from pcidesign.schemes import OWNER

    for v in variants:
        sch = _schemes.get(v)
        base = sch.base or sch.id
        if _schemes.owner(base) != OWNER or _schemes.get(base).dialect_class.__module__.split(".")[:2] != [
                "pcidesign", "schemes"]:
            return False
    return True


def family(variant: str | _schemes.Scheme) -> str:
    """The group a variant's work items go to (``affinity``): its scheme's id, ``model-subelement``
    for ``model-subelement+fill=define-only``. The variants of one scheme write and read the same
    documents, whose tree, layout, context and address assignment a worker then remembers once
    for all of them (split over two workers, each computed them: 20% more work in all)."""
    sch = _schemes.get(variant)
    return sch.base or sch.id


# -- in the worker ------------------------------------------------------------------------------------
_CATALOG: Catalog | None = None


def _init(catalog: bytes | None) -> None:
    import signal

    global _CATALOG
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the main process alone decides
    _CATALOG = pickle.loads(catalog) if catalog is not None else None


def catalog() -> Catalog:
    """In a worker, the catalog its pool was started with (the package's when none was given)."""
    if _CATALOG is not None:
        return _CATALOG
    from pcidesign.model.catalog import load

    return load()


# -- in the main process ------------------------------------------------------------------------------
def _pool(workers: int, cat: Catalog | None) -> ProcessPoolExecutor:
    blob = pickle.dumps(cat) if cat is not None else None
    return ProcessPoolExecutor(max_workers=workers, mp_context=workerserver.context(), initializer=_init,
                               initargs=(blob,))


def ordered(fn: Callable[[T], R], items: Sequence[T] | Iterable[T], jobs: int | None, cat: Catalog | None = None,
            ahead: int = 4, affinity: Callable[[T], Hashable] | None = None) -> Iterator[R]:
    """``fn(item)`` for each item, in the items' order: in this process when ``jobs`` is 1, else
    in up to ``jobs`` worker processes (``fn`` a module-level function, items picklable; a
    worker reads ``cat`` through :func:`catalog`). At most ``ahead`` items per worker are in
    flight, so a long stream of items (a fleet's files) is never held whole.

    With ``affinity`` (a finite sequence of items; ``affinity(item)`` names the item's group, a
    scheme say) the workers are :func:`kept` from call to call, and every item of a group goes to
    the worker that had that group before: the transitions a worker remembered for it (another
    timeline, another setting of the same scheme) are met again instead of computed again."""
    workers = jobs_of(jobs)
    stream = iter(items)
    first = list(itertools.islice(stream, 2)) if workers > 1 else []
    if len(first) < 2:  # one item (or one process asked): no worker is worth starting
        global _CATALOG
        saved, _CATALOG = _CATALOG, cat
        try:
            for item in itertools.chain(first, stream):
                yield fn(item)
        finally:
            _CATALOG = saved
        return
    if affinity is not None:
        yield from _kept(workers, cat).map(fn, [*first, *stream], affinity)
        return
    if isinstance(items, Sequence):
        workers = min(workers, len(items))
    pending: deque[Future[Any]] = deque()
    with _pool(workers, cat) as pool:
        try:
            for item in itertools.chain(first, stream):
                pending.append(pool.submit(fn, item))
                while len(pending) >= workers * ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()


# -- workers kept from call to call, each item of a group on the same one ----------------------------
class Kept:
    """``n`` single-process pools kept alive between calls, each remembering what it computed.

    An item's group (see :func:`ordered`'s ``affinity``) is placed once, on the pool with the
    fewest items so far, and stays there: the memo of transitions in that process then serves
    every later call about the same group. :func:`forget` (run by the engine's cache reset) asks
    each pool to forget too, so a cold benchmark or a reset kernel is cold in the workers as well.
    """

    def __init__(self, n: int, cat: Catalog | None) -> None:
        self.pools = [_pool(1, cat) for _ in range(n)]
        self.home: dict[Hashable, int] = {}
        self.load = [0] * n
        self.forgetting: list[Future[Any]] = []

    def map(self, fn: Callable[[T], R], items: Sequence[T], affinity: Callable[[T], Hashable]) -> Iterator[R]:
        """``fn(item)`` for each item in order, each on its group's pool."""
        self.settle()
        futures = []
        try:
            for item in items:
                group = affinity(item)
                k = self.home.get(group)
                if k is None:
                    k = self.home[group] = min(range(len(self.pools)), key=self.load.__getitem__)
                self.load[k] += 1
                futures.append(self.pools[k].submit(fn, item))
            for f in futures:
                yield f.result()
        except BaseException:
            for f in futures:
                f.cancel()
            _drop_kept()  # a failed or interrupted call leaves no half-busy worker behind
            raise

    def forget(self) -> None:
        """Ask each worker to forget what it remembered, now, without waiting (see :meth:`settle`)."""
        self.forgetting += [p.submit(_forget) for p in self.pools]

    def settle(self) -> None:
        """Wait until every worker has forgotten what :meth:`forget` asked it to."""
        pending, self.forgetting = self.forgetting, []
        for f in pending:
            f.result()

    def close(self) -> None:
        """End every pool's process."""
        for p in self.pools:
            p.shutdown(wait=True, cancel_futures=True)


_KEPT: dict[tuple[int, bytes | None], Kept] = {}


def _kept(workers: int, cat: Catalog | None) -> Kept:
    blob = pickle.dumps(cat) if cat is not None else None
    key = (workers, blob)
    got = _KEPT.get(key)
    if got is None:
        _drop_kept()  # one set of kept workers at a time: another catalog or count replaces them
        got = _KEPT[key] = Kept(workers, cat)
    return got


def _drop_kept() -> None:
    for k in list(_KEPT):
        _KEPT.pop(k).close()


def _forget() -> None:
    """In a kept worker: forget every remembered transition (the main process's reset)."""
    from pcidesign.model import engine

    engine.clear_cache()


def forget() -> None:
    """Make the kept workers forget what they remembered (the engine's reset): they start at once,
    and each finishes before its next item (freeing a large memo takes a worker a while)."""
    for kept in _KEPT.values():
        kept.forget()


def settle() -> None:
    """Wait until the kept workers have forgotten what :func:`forget` asked them to (a benchmark
    does, so that freeing the last computation's memo is not timed as part of the next)."""
    for kept in _KEPT.values():
        kept.settle()


def close() -> None:
    """End the kept workers (they also end with this process)."""
    _drop_kept()


def _register_reset() -> None:
    from pcidesign.model.transitions import on_reset

    on_reset(forget)


_register_reset()
