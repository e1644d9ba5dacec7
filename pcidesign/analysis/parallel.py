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
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from pcidesign.model import registry as _schemes
from pcidesign.model.catalog import Catalog

T = TypeVar("T")
R = TypeVar("R")

PRELOAD = ["pcidesign", "pcidesign.analysis.matrices", "pcidesign.analysis.findings", "pcidesign.analysis.fleet"]
"""Modules the forkserver imports once, so that each worker starts with them loaded."""


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
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(PRELOAD)
    blob = pickle.dumps(cat) if cat is not None else None
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init, initargs=(blob,))


def ordered(fn: Callable[[T], R], items: Sequence[T] | Iterable[T], jobs: int | None, cat: Catalog | None = None,
            ahead: int = 4) -> Iterator[R]:
    """``fn(item)`` for each item, in the items' order: in this process when ``jobs`` is 1, else
    in up to ``jobs`` worker processes (``fn`` a module-level function, items picklable; a
    worker reads ``cat`` through :func:`catalog`). At most ``ahead`` items per worker are in
    flight, so a long stream of items (a fleet's files) is never held whole."""
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
