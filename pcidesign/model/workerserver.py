"""The server that worker processes are forked from, and how a command starts it early.

The analyses share their work with worker processes (:mod:`pcidesign.analysis.parallel`) started
by ``multiprocessing``'s ``forkserver``: one server process imports :data:`PRELOAD` once and
forks each worker from itself. Starting that server takes as long as importing the package (the
server imports it too), so a command that will use workers starts it first thing
(:func:`start_early`, from the package's import), and the server imports the modules while the
command itself does.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence

PRELOAD = ["pcidesign", "pcidesign.analysis.matrices", "pcidesign.analysis.findings", "pcidesign.analysis.fleet"]
"""Modules the server imports once, so that each worker starts with them loaded."""

COMMANDS = ("matrix", "fleet", "findings", "compare")
"""The subcommands that share their work with workers (those with ``--jobs``)."""


def context() -> multiprocessing.context.BaseContext:
    """The start method's context: ``forkserver`` with :data:`PRELOAD` (``spawn`` where there is
    none; never ``fork``, which would copy a parent's threads and locks)."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(PRELOAD)
    return ctx


def wants_workers(argv: Sequence[str]) -> bool:
    """Whether the command line ``argv`` (without the program) runs a subcommand that will start
    workers: one of :data:`COMMANDS`, not asking for help, without ``--jobs 1``, on more than one CPU."""
    args = list(argv)
    if not args or args[0] not in COMMANDS or "-h" in args or "--help" in args:
        return False
    if "--jobs=1" in args or any(a == "--jobs" and b == "1" for a, b in zip(args, args[1:])):
        return False
    try:
        return len(os.sched_getaffinity(0)) > 1
    except (AttributeError, OSError):
        return (os.cpu_count() or 1) > 1


def start_early(argv: Sequence[str]) -> bool:
    """Start the server now when ``argv`` will need workers (see :func:`wants_workers`); True if
    it was started. Anything that goes wrong here is left for the workers' own start to report."""
    if not wants_workers(argv) or "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    try:
        context()
        from multiprocessing import forkserver

        forkserver.ensure_running()
    except (OSError, ValueError):
        return False
    return True


__all__ = ["COMMANDS", "PRELOAD", "context", "start_early", "wants_workers"]
