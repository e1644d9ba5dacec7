"""A command that will use workers starts their server first thing; others do not."""

from __future__ import annotations

import pytest

from pcidesign.analysis import parallel
from pcidesign.model import workerserver


@pytest.mark.parametrize("argv,wanted", [
    (["findings"], True),
    (["findings", "--format", "json", "--jobs", "2"], True),
    (["matrix", "--scheme", "status-quo"], True),
    (["fleet", "some/dir"], True),
    (["compare", "--jobs=2"], True),
    (["findings", "--jobs", "1"], False),
    (["findings", "--jobs=1"], False),
    (["findings", "--help"], False),
    (["explain", "--scheme", "status-quo"], False),
    (["report"], False),
    ([], False),
])
def test_only_commands_with_workers_start_the_server(monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                                     wanted: bool) -> None:
    monkeypatch.setattr(workerserver.os, "sched_getaffinity", lambda pid: {0, 1})
    assert workerserver.wants_workers(argv) is wanted


def test_one_cpu_starts_no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workerserver.os, "sched_getaffinity", lambda pid: {0})
    assert not workerserver.wants_workers(["findings"])


def test_the_workers_use_the_servers_preload() -> None:
    assert parallel.PRELOAD is workerserver.PRELOAD
    assert set(workerserver.COMMANDS) <= {"matrix", "fleet", "findings", "compare"}


def test_every_subcommand_with_worker_jobs_is_known() -> None:
    """The subcommands whose ``--jobs`` counts worker processes are the ones that start the server
    early (``report``'s ``--jobs`` counts notebooks, run by kernels, not by these workers)."""
    import argparse

    from pcidesign import cli

    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    with_jobs = {name for name, p in sub.choices.items()
                 if any("--jobs" in a.option_strings and a.type is cli._jobs for a in p._actions)}
    assert with_jobs == set(workerserver.COMMANDS)
