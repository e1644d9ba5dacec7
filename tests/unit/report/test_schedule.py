"""The report's workers take the costliest job ready when one is free: a long notebook that a
stage makes ready starts before the short ones handed out earlier (no timing is measured)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pcidesign.report import runner
from pcidesign.report.plan import Job


def _job(index: int, notebook: str, cost: float) -> Job:
    return Job(index, notebook, notebook, "real", f"{notebook}.ipynb", {}, f"{notebook}-{index}", cost)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_costly_job_made_ready_by_a_stage_starts_before_cheaper_ones_queued_earlier(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    cheap = [_job(n, "02_matrix", 1.5) for n in range(6)]
    costly = _job(6, "03_compare", 40.0)
    staged = threading.Event()
    started: list[str] = []
    lock = threading.Lock()

    def execute(job: Job, root: str, *_args: object) -> runner.Record:
        with lock:
            started.append(job.stem)
        staged.wait(timeout=30)  # the first jobs run until the stage has made the costly one ready
        return runner.Record(job.label, job.notebook, job.timeline, {}, status="ok")

    def stage() -> list[Job]:
        staged.set()
        return [costly]

    monkeypatch.setattr(runner, "execute", execute)
    monkeypatch.setattr(runner, "_pool", lambda n: ThreadPoolExecutor(max_workers=n))
    records = runner._run_all(cheap, str(tmp_path), workers, False, None, False, tmp_path, stages=[stage],
                              total=len(cheap) + 1)
    assert [r.id for r in records] == [j.label for j in [*cheap, costly]]  # the plan's order
    assert all(r.status == "ok" for r in records)
    first = started.index(costly.stem)
    assert first <= workers + 1  # at most the jobs handed out before the stage was done ran first
    assert started[first + 1:] == [j.stem for j in cheap][first:]


def test_a_stage_that_raises_stops_the_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "execute", lambda job, *a: runner.Record(job.label, job.notebook, job.timeline, {}))
    monkeypatch.setattr(runner, "_pool", lambda n: ThreadPoolExecutor(max_workers=n))
    monkeypatch.setattr(runner, "_end_workers", lambda pid_dir: None)

    def stage() -> list[Job]:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        runner._run_all([_job(0, "02_matrix", 1.5)], str(tmp_path), 1, False, None, False, tmp_path, stages=[stage])


def test_the_sweeps_come_before_the_searches_and_each_hands_out_its_notebooks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each timeline's sweep makes its 02 and 03 ready (03, the longest, starts early); the searches
    come last, with the short 04."""
    from pcidesign.report import frontpage
    from pcidesign.report import plan as _plan

    todo = _plan.plan(None, ["status-quo", "impl-attribute"], ["restart"])
    done: list[str] = []
    monkeypatch.setattr(runner, "_compute_once", lambda jobs, *a: done.append(f"sweep {jobs[0].timeline}") or {})
    monkeypatch.setattr(runner, "_with_results", lambda jobs, got, folder: jobs)
    monkeypatch.setattr(runner, "_with_explorations", lambda jobs, folder: done.append("search") or jobs)
    monkeypatch.setattr(frontpage, "AssetBuilder", lambda *a, **k: object())
    shared = runner._Shared(todo, ["status-quo", "impl-attribute"], ["restart"], None, tmp_path, False)
    assert {j.notebook for j in shared.first} == {"01_schemes", "05_fleet"}
    jobs = [stage() for stage in shared.stages]
    handed = [sorted({(j.timeline, j.notebook) for j in batch}) for batch in jobs]
    assert done == ["sweep real", "sweep whatif", "search"]
    assert handed == [[("real", "02_matrix"), ("real", "03_compare")],
                      [("whatif", "02_matrix"), ("whatif", "03_compare")],
                      [("real", "04_paths"), ("whatif", "04_paths")]]
    assert sorted(j.index for batch in [shared.first, *jobs] for j in batch) == [j.index for j in todo]  # each once


def test_jobs_handed_out_after_a_worker_died_are_recorded_as_failed(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures.process import BrokenProcessPool

    class Broken(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
            if args[0].index > 0:
                raise BrokenProcessPool("A child process terminated abruptly")
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(runner, "execute", lambda job, *a: runner.Record(job.label, job.notebook, job.timeline, {},
                                                                         status="ok"))
    monkeypatch.setattr(runner, "_pool", lambda n: Broken(max_workers=n))
    records = runner._run_all([_job(n, "02_matrix", 1.5) for n in range(4)], str(tmp_path), 1, False, None, False,
                              tmp_path)
    assert [r.status for r in records] == ["ok", "failed", "failed", "failed"]
    assert all(r.error.startswith("worker: BrokenProcessPool") for r in records[1:])
