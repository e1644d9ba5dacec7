"""The batch report: papermill over the parameter grid, HTML copies, figures, the front page.

``pcidesign report`` runs every notebook of :data:`~pcidesign.report.plan.NOTEBOOKS` once per
parameter set its spec gives for a timeline (02 for every scheme x scenario, 04 for every scheme,
01, 03 and 05 once per timeline), in parallel worker processes (at most one per CPU and per
notebook). The rooms of the report:

* :mod:`~pcidesign.report.plan`: the grid of jobs;
* :mod:`~pcidesign.report.checks`: every parameter checked before anything runs, in the Python
  the notebooks run in;
* :mod:`~pcidesign.report.kernels`: one warm kernel per worker, reset between notebooks;
* :mod:`~pcidesign.report.frontpage`: the index page;
* this module: running the jobs and publishing the run.

Everything is written into a hidden ``.run-*.partial`` folder beside the target and renamed to
``OUT/run-<timestamp>`` only when the batch is done, so a run folder is complete or absent. The
name is reserved atomically (two reports finishing in the same second get two names); earlier
runs are never touched (but by ``--keep N``, :func:`prune`, once the new run is in), and ``OUT/latest`` (a relative symlink) is switched atomically to the new
run. A notebook that fails does not stop the others: ``summary.json`` records its error,
``index.html`` marks it, and :attr:`Summary.exit_code` is 1.

SIGTERM or SIGINT ends every worker and kernel, removes the partial folder, leaves ``latest`` as
it was and raises :class:`Interrupted` (the CLI exits 143 or 130). A write that fails (a full
disk) raises :class:`ReportWriteError` with the same clean-up (the CLI exits 1).
"""

from __future__ import annotations

import dataclasses

import contextlib
import errno
import functools
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pcidesign.model.catalog import load
from pcidesign.model.setting import Setting
from pcidesign.render.plots import SHORT
from pcidesign.report import frontpage, kernels, provenance
from pcidesign.report import plan as _plan
from pcidesign.report.checks import check_jobs, declared_parameters
from pcidesign.report.kernels import KERNEL
from pcidesign.report.plan import (
    NOTEBOOK_DIR, NOTEBOOKS, REPORT_INTENT, Grid, Job, NotebookSpec, ReportError, plan, scenario_ids, scheme_ids,
)

__all__ = [
    "KERNEL", "NOTEBOOKS", "NOTEBOOK_DIR", "REPORT_INTENT", "Grid", "Interrupted", "Job", "NotebookSpec", "Record",
    "ReportError", "ReportWriteError", "Summary", "check_jobs", "declared_parameters", "execute", "plan", "prune",
    "publish", "run", "runs_under", "workers_for",
]


class ReportWriteError(ReportError):
    """The report could not be written (a full disk, a folder that became unwritable); earlier
    runs are intact and the partial folder is gone. The CLI exits 1."""


class Interrupted(BaseException):
    """The report was stopped by a signal; ``status`` is the shell's exit status for it
    (128 + signal number: 143 for SIGTERM, 130 for SIGINT)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.status = 128 + signum


@dataclass
class Record:
    """What became of one job (one entry of ``summary.json``)."""

    id: str
    notebook: str
    timeline: str
    parameters: dict[str, Any]
    status: str = "pending"
    seconds: float = 0.0
    kernel_seconds: float = 0.0
    kernel_started: bool = False
    setup_seconds: float = 0.0
    notebook_file: str | None = None
    html_file: str | None = None
    outputs: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class Summary:
    """The whole run, as written to ``summary.json``."""

    run: str
    folder: str
    started: str
    seconds: float
    jobs: int
    workers: int
    failed: int
    kernel_seconds: float
    runs: list[Record]
    provenance: dict[str, Any] = field(default_factory=dict)
    """The tool version, git commit, data checksums and setting of the run (``report.provenance``)."""

    @property
    def exit_code(self) -> int:
        """0 when every notebook ran, 1 when one failed."""
        return 1 if self.failed else 0

    def to_json(self) -> str:
        """The summary as indented JSON."""
        return json.dumps(asdict(self), indent=2)


# -- running one job (in a worker process) -----------------------------------------------------------
_EXPORTER: Any = None
_POOL: kernels.Pool | None = None


def _html_exporter() -> Any:
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    return _EXPORTER


def _kernel_pool(root: str, pid_dir: str | None, fresh: bool) -> kernels.Pool:
    global _POOL
    if _POOL is None or _POOL.log_dir != Path(root) or _POOL.fresh != fresh:
        if _POOL is not None:
            _POOL.close()
        _POOL = kernels.Pool(Path(root), Path(pid_dir) if pid_dir else None, fresh)
    return _POOL


def _error_text(exc: BaseException) -> str:
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename is not None:
        cell = getattr(exc, "exec_count", None)
        return f"{ename}: {evalue}" + (f" (cell [{cell}])" if cell is not None else "")
    return f"{type(exc).__name__}: {exc}".strip()


def execute(job: Job, root: str, timeout: float | None = 600.0, fresh_kernels: bool = False,
            pid_dir: str | None = None) -> Record:
    """Run ``job`` with papermill under ``root`` (the run folder being written) and export its
    HTML copy without code. Never raises for a failing notebook: the record says what happened.

    ``kernel_seconds`` is the time spent starting a kernel (or resetting this worker's warm one);
    ``setup_seconds`` the time papermill then takes until the first cell runs (reading and
    parameterizing the notebook, asking the kernel for its info). Kernel process ids go into
    ``pid_dir`` while they run.
    """
    import logging

    import papermill

    logging.getLogger("papermill").setLevel(logging.WARNING)
    kernels.register_engine()
    pool = _kernel_pool(root, pid_dir, fresh_kernels)
    base = Path(root) / job.timeline
    files = base / job.stem
    out_nb = base / f"{job.stem}.ipynb"
    out_html = base / f"{job.stem}.html"
    files.mkdir(parents=True, exist_ok=True)
    rec = Record(job.label, job.notebook, job.timeline, recorded(job.parameters))
    first_cell: list[float] = []
    start = time.perf_counter()
    ready = start
    kernel = None
    try:
        kernel, rec.kernel_started = pool.acquire()
        ready = time.perf_counter()
        papermill.execute_notebook(
            job.source, str(out_nb), parameters={**job.parameters, "out_dir": str(files)},
            engine_name=kernels.ENGINE, kernel_name=KERNEL, progress_bar=False, request_save_on_cell_execute=False,
            execution_timeout=timeout, km=kernel.manager, kc=kernel.client,
            on_cell_start=lambda **_kw: first_cell.append(time.perf_counter()) if not first_cell else None,
        )
        rec.status = "ok"
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, none stops the batch
        rec.status, rec.error = "failed", _error_text(exc)
    finally:
        if kernel is not None:
            pool.release(kernel, rec.status == "ok")
    rec.kernel_seconds = round(ready - start, 3)
    rec.setup_seconds = round((first_cell[0] if first_cell else time.perf_counter()) - ready, 3)
    if out_nb.exists():
        rec.notebook_file = out_nb.relative_to(root).as_posix()
        try:
            body, _ = _html_exporter().from_filename(str(out_nb))
            out_html.write_text(body, encoding="utf-8")
            rec.html_file = out_html.relative_to(root).as_posix()
        except Exception as exc:  # noqa: BLE001
            rec.status = "failed"
            rec.error = (rec.error + "; " if rec.error else "") + f"HTML export: {_error_text(exc)}"
    rec.outputs = sorted(p.relative_to(root).as_posix() for p in files.rglob("*") if p.is_file())
    if not rec.outputs:
        files.rmdir()
    rec.seconds = round(time.perf_counter() - start, 3)
    return rec


def _worker_init() -> None:
    # Ctrl-C reaches the whole process group: the main process alone decides what happens
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # made with SIGTERM and SIGINT blocked (see _spawning): SIGTERM ends a worker again
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})


# -- the whole batch ------------------------------------------------------------------------------------
def cpu_count() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def workers_for(jobs: int, notebooks: int) -> int:
    """Worker processes for ``jobs`` asked and ``notebooks`` to run: never more than the CPUs
    (each worker keeps a kernel of a few hundred MB) nor the notebooks."""
    return max(1, min(jobs, cpu_count(), notebooks))


def _pool(workers: int) -> ProcessPoolExecutor:
    """The worker pool, with multiprocessing's helpers (resource tracker, forkserver) running:
    call it within :func:`_spawning`, so that they start with SIGTERM and SIGINT blocked and
    their standard error in the batch's log. Workers are forked later by the forkserver, which
    has imported what they need once."""
    import multiprocessing
    from multiprocessing import resource_tracker

    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        from multiprocessing import forkserver

        ctx.set_forkserver_preload(["papermill", "nbconvert", "pcidesign.report.runner"])
        forkserver.ensure_running()  # now (it returns at once), not when the first worker is asked for
    resource_tracker.ensure_running()
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)


def _descendants(root: int, depth: int = 1_000) -> list[int]:
    """Every process below ``root`` (children, their children... down to ``depth``), read from
    /proc (Linux; empty elsewhere), found before any of them is ended (an orphan leaves the tree)."""
    below: dict[int, list[int]] = {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        below.setdefault(ppid, []).append(int(entry))
    out: list[int] = []
    todo = [(root, 0)]
    while todo:
        pid, level = todo.pop()
        if level < depth:
            kids = below.get(pid, [])
            out += kids
            todo += [(k, level + 1) for k in kids]
    return out


def _cmdline_has(pid: int, word: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return word in f.read()
    except OSError:
        return False


def _end_workers(pid_dir: Path) -> None:
    """End every worker process of this batch and every kernel they started, at once: those this
    process knows (its workers, the kernels listed in ``pid_dir``) and any other process below it
    (a kernel a worker was starting when the batch was stopped, not listed yet). multiprocessing's
    resource tracker is left to end itself when this process does, removing what it tracks."""
    import multiprocessing
    import signal as _signal

    for pid in _descendants(os.getpid(), depth=1):  # the forkserver forks no more workers from now on
        if _cmdline_has(pid, b"forkserver"):
            with contextlib.suppress(OSError):
                os.kill(pid, _signal.SIGSTOP)
    family = [p for p in _descendants(os.getpid()) if not _cmdline_has(p, b"resource_tracker")]
    children = multiprocessing.active_children()
    for p in children:
        with contextlib.suppress(Exception):
            p.kill()
    kernels.kill_listed(pid_dir)
    for pid in family:
        with contextlib.suppress(OSError):
            os.kill(pid, _signal.SIGKILL)
    for p in children:
        with contextlib.suppress(Exception):
            p.join(timeout=5)


PUBLISH_DELAY: Callable[[], None] = lambda: None  # noqa: E731 - tests widen the race window here
"""Called between reserving a run's name and moving the run in (a test hook)."""


def publish(tmp: Path, out: Path, now: datetime, fill: Callable[[str], None] = lambda name: None) -> str:
    """Move the finished run ``tmp`` to ``out/run-<timestamp>`` and return the name.

    The name is reserved first by creating it (``mkdir`` either creates a folder or fails: two
    processes never get the same one); ``fill(name)`` then writes what names the run into
    ``tmp``, and the run replaces the empty reservation in one rename. A name taken by another
    run is skipped for the next free one (``-2``, ``-3``...); no existing run is ever removed.
    """
    base = now.strftime("run-%Y%m%d-%H%M%S")
    for n in range(1, 10_000):
        name = base if n == 1 else f"{base}-{n}"
        try:
            os.mkdir(out / name)
        except FileExistsError:
            continue
        try:
            fill(name)
            PUBLISH_DELAY()
            os.rename(tmp, out / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.rmdir(out / name)  # only our own reservation, and only while it is empty
            raise
        return name
    raise ReportWriteError(f"no free run name under {out} for {base}")


_HOLDING = False
_HELD: list[int] = []
WORKERS_LOG = "workers.log"
"""Standard error of the multiprocessing helpers and workers (in the batch's temporary folder)."""


@contextlib.contextmanager
def _spawning(log: Path) -> Iterator[None]:
    """Within (the main thread making the worker pool): SIGTERM and SIGINT are held back and
    raised as :class:`Interrupted` on leaving, and standard error is ``log``.

    Ctrl-C reaches the whole process group: multiprocessing's resource tracker and forkserver,
    still importing, printed a KeyboardInterrupt traceback; a worker the forkserver was making
    when the batch stopped printed one too (what it unpickled was gone). Starting the helpers
    takes milliseconds (they import afterwards, on their own). The processes made here start with
    both signals blocked (the mask is inherited, by the forkserver's workers too, which unblock
    them in :func:`_worker_init`) and write their standard error to ``log``, never to the
    terminal; the batch ends them itself (:func:`_end_workers`)."""
    global _HOLDING
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sigs = {signal.SIGTERM, signal.SIGINT}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    _HOLDING = True
    sys.stderr.flush()
    saved = os.dup(2)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        _HOLDING = False
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a pending signal is delivered here
        if _HELD:
            signum = _HELD[0]
            _HELD.clear()
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            raise Interrupted(signum)


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """Within: SIGTERM and SIGINT raise :class:`Interrupted` (once; a second is ignored while
    cleaning up). Outside the main thread, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: Any) -> None:
        if _HOLDING:  # a child process is being made: raised when it is whole (see _spawning)
            _HELD.append(signum)
            return
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise Interrupted(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def run(
    out: str | Path = "reports",
    timelines: Sequence[str] | None = None,
    schemes: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    jobs: int = 2,
    progress: bool = True,
    notebooks: Sequence[NotebookSpec] | None = None,
    timeout: float | None = 600.0,
    fresh_kernels: bool = False,
    variants: Sequence[str] | None = None,
    setting: Setting | None = None,
) -> Summary:
    """Produce a report under ``out`` and return its summary (see the module docstring).

    Raises :class:`ReportError` (or :class:`~pcidesign.model.errors.UnknownNameError`) before
    anything is written when a name or parameter is bad or ``out`` cannot hold a report;
    :class:`ReportWriteError` when writing fails; :class:`Interrupted` on SIGTERM or SIGINT.
    """
    if jobs < 1:
        raise ReportError(f"--jobs must be at least 1, not {jobs}")
    if not str(out).strip():
        raise ReportError("the output folder must not be empty (say '.' for the current folder)")
    if notebooks is None:
        notebooks = _plan.NOTEBOOKS  # looked up now: a test may replace plan.NOTEBOOKS
    limit = bool(schemes)
    schemes = scheme_ids(schemes, variants)  # the default report's variants, plus those added
    with _signals_raise():
        st = Setting.of(setting).check(load())  # an unknown machine stops here, listing the valid ones
        todo = plan(timelines, schemes, scenarios, notebooks, st)
        check_jobs(todo, schemes)
        return _run_checked(todo, Path(out).absolute(), schemes, scenarios, jobs, progress, notebooks, timeout,
                            fresh_kernels, limit, st)


def _run_checked(todo: list[Job], out: Path, schemes: Sequence[str] | None, scenarios: Sequence[str] | None,
                 jobs: int, progress: bool, notebooks: Sequence[NotebookSpec] | None, timeout: float | None,
                 fresh_kernels: bool, limit_variants: bool = False, setting: Setting | None = None) -> Summary:
    if out.exists() and not out.is_dir():
        raise ReportError(f"output folder {out} exists and is not a folder")
    latest = out / "latest"
    if latest.exists() and not latest.is_symlink():
        raise ReportError(f"{latest} exists and is not a symlink; move it away first")
    now = datetime.now(timezone.utc).astimezone()
    try:
        out.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".run-", suffix=".partial", dir=out))
    except OSError as exc:
        raise ReportError(f"cannot write a report under {out}: {exc.strerror}") from None
    pid_dir = Path(tempfile.mkdtemp(prefix="pcidesign-kernels-"))
    workers = workers_for(jobs, len(todo))
    started = time.perf_counter()
    try:
        shared = _Shared(todo, schemes, scenarios, setting, pid_dir, limit_variants)
        records = _run_all(shared.first, str(tmp), workers, progress, timeout, fresh_kernels, pid_dir,
                           stages=shared.stages, total=len(todo))
        assets = _front_page_assets(shared.builder(), todo, records)
        specs = {s.name: s for s in (notebooks or ())}
        summary = Summary(
            run="", folder="", started=now.isoformat(timespec="seconds"),
            seconds=round(time.perf_counter() - started, 3), jobs=len(records), workers=workers,
            failed=sum(r.status != "ok" for r in records),
            kernel_seconds=round(sum(r.kernel_seconds for r in records), 3), runs=records,
            provenance=provenance.record({
                "timelines": list(dict.fromkeys(j.timeline for j in todo)), "variants": list(scheme_ids(schemes)),
                "scenarios": list(scenario_ids(scenarios)), **Setting.of(setting).as_dict()}),
        )
        name = _write_and_publish(tmp, out, now, summary, specs, assets)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(pid_dir, ignore_errors=True)
    _point_latest(out, name)
    return summary


class _Shared:
    """What the report computes once in this process for its notebooks and front page, in stages
    that run while the workers run the notebooks handed out before:

    * :attr:`first`: the notebooks that need nothing computed here (01, 05), handed out at once;
    * each timeline's sweep and comparison (:func:`_compute_once`, :func:`_with_results`), then
      the notebooks that read them (02, 03); after the last, the front page's figures start
      building (in a thread);
    * last the multi-hop searches (:func:`_with_explorations`), then the notebooks that read them
      (04, short: they fill the end of the batch, while the long notebook 03 of each timeline has
      started as early as its sweep allowed).

    Each stage returns the jobs it makes ready (:func:`_run_all` hands them to the workers)."""

    def __init__(self, todo: list[Job], schemes: Sequence[str] | None, scenarios: Sequence[str] | None,
                 setting: Setting | None, folder: Path, limit_variants: bool) -> None:
        self.todo, self.schemes, self.scenarios, self.setting = todo, schemes, scenarios, setting
        self.folder, self.limit_variants = folder, limit_variants
        sweep, search = _declaring(todo, "results"), _declaring(todo, "explorations")
        self.first = [j for j, r, e in zip(todo, sweep, search) if not r and not e]
        self._searching = [j for j, r, e in zip(todo, sweep, search) if e and not r]
        self._sweeping = [j for j, r in zip(todo, sweep) if r]
        self._builder: frontpage.AssetBuilder | None = None
        self._timelines = list(dict.fromkeys(j.timeline for j in todo))
        self._results: dict[str, Any] | BaseException = {}
        self._computed: set[str] = set()
        self._held: list[Job] = []
        """Notebooks given their results that wait for the searches too (none of the report's)."""
        self.stages: list[Callable[[], list[Job]]] = [
            *(functools.partial(self._compute, t) for t in self._timelines), self._explore]

    def _explore(self) -> list[Job]:
        return _with_explorations(self._searching + self._held, self.folder)

    def _compute(self, timeline: str) -> list[Job]:
        """One timeline's sweep, then its notebooks that read it (the first timeline's start while
        the next one's is computed); after the last, the front page's builder starts."""
        got = _compute_once([j for j in self.todo if j.timeline == timeline], self.schemes, self.scenarios,
                            self.setting)
        self._computed.add(timeline)
        if isinstance(got, BaseException):
            if not isinstance(self._results, BaseException):
                self._results = got  # the front page says what failed
        elif not isinstance(self._results, BaseException):
            self._results.update(got)
        if self._builder is None and self._computed.issuperset(self._timelines):
            self._builder = frontpage.AssetBuilder(self._results, scheme_ids(self.schemes),
                                                   limit_variants=self.limit_variants, setting=self.setting)
        jobs = [j for j in self._sweeping if j.timeline == timeline]
        jobs = jobs if isinstance(got, BaseException) else _with_results(jobs, got, self.folder)
        searching = _declaring(jobs, "explorations")
        self._held += [j for j, e in zip(jobs, searching) if e]
        return [j for j, e in zip(jobs, searching) if not e]

    def builder(self) -> frontpage.AssetBuilder:
        """The front page's builder (the sweeps no stage has computed are computed now)."""
        for t in self._timelines:
            if t not in self._computed:
                self._compute(t)
        if self._builder is None:  # a report without notebooks
            self._builder = frontpage.AssetBuilder(self._results, scheme_ids(self.schemes),
                                                   limit_variants=self.limit_variants, setting=self.setting)
        return self._builder


def _compute_once(todo: list[Job], schemes: Sequence[str] | None, scenarios: Sequence[str] | None,
                  setting: Setting | None) -> dict[str, Any] | Exception:
    """The sweep and comparison of every timeline, computed once in this process for the front page
    and the notebooks that take a ``results`` parameter; what went wrong (a scheme plugin that
    raises) is returned, and the front page's entry of the run log says it."""
    timelines = list(dict.fromkeys(j.timeline for j in todo))
    try:
        return frontpage.results_for(timelines, scheme_ids(schemes), scenario_ids(scenarios), setting)
    except Exception as exc:  # noqa: BLE001 - recorded like a failed notebook, by the front page
        return exc


SHARED = ("results", "explorations")
"""The parameters by which the report hands a notebook a file of what it computed once: ``results``
(the timeline's sweep and comparison, :func:`_with_results`) and ``explorations`` (the timeline's
multi-hop searches, :func:`_with_explorations`). A notebook run alone computes the same itself."""


def recorded(parameters: dict[str, Any]) -> dict[str, Any]:
    """A notebook's parameters as ``summary.json`` records them: without the :data:`SHARED` files of
    computed results the report hands its notebooks (removed when the report ends; the notebook
    computes the same results from the other parameters when run alone)."""
    return {k: v for k, v in parameters.items() if k not in SHARED}


def _declaring(todo: list[Job], name: str) -> list[bool]:
    """For each job, whether its notebook declares the parameter ``name`` (each notebook read once)."""
    from pcidesign.report.checks import declared_parameters

    declared: dict[str, bool] = {}
    for job in todo:
        if job.source not in declared:
            declared[job.source] = name in declared_parameters(job.source)
    return [declared[job.source] for job in todo]


def _with_results(todo: list[Job], results: dict[str, Any], folder: Path) -> list[Job]:
    """The jobs, each notebook that declares a ``results`` parameter given the file of its
    timeline's results (written to ``folder``, outside the run: removed when the report ends); a
    notebook of one matrix (:attr:`Job.one_matrix`) is given a file of its variant and scenario
    only, when the results hold them (the whole file otherwise)."""
    wants = _declaring(todo, "results")
    files: dict[str, str] = {}
    slices: dict[tuple[str, str, str], str] = {}
    for t, res in results.items():
        pairs = [_matrix_of(job) for job, want in zip(todo, wants) if want and job.one_matrix and job.timeline == t]
        for n, ((variant, scenario), part) in enumerate(res.slices([p for p in pairs if p]).items()):
            slices[(t, variant, scenario)] = str(part.save(folder / f"results-{t}-{n}.pkl"))
        if any(want and job.timeline == t and (t, *(_matrix_of(job) or ("", ""))) not in slices
               for job, want in zip(todo, wants)):
            files[t] = str(res.save(folder / f"results-{t}.pkl"))
    out = []
    for job, want in zip(todo, wants):
        given = slices.get((job.timeline, *(_matrix_of(job) or ("", "")))) or files.get(job.timeline)
        out.append(dataclasses.replace(job, parameters={**job.parameters, "results": given})
                   if want and given else job)
    return out


def _matrix_of(job: Job) -> tuple[str, str] | None:
    """The (variant, scenario) a notebook of one matrix shows, else None."""
    p = job.parameters
    if job.one_matrix and isinstance(p.get("scheme"), str) and isinstance(p.get("scenario"), str):
        return p["scheme"], p["scenario"]
    return None


def _exploring(job: Job) -> tuple[str, int, tuple[str, ...]] | None:
    """What a notebook with an ``explorations`` parameter searches, when it is what
    :func:`~pcidesign.analysis.results.compute_explorations` computes (every intent, any start
    release): (timeline, max_hops, hops); else None."""
    from pcidesign.analysis import paths

    p = job.parameters
    if p.get("intents") or p.get("start") or not isinstance(p.get("scheme"), str):
        return None
    hops = p.get("hops", [h.value for h in paths.DEFAULT_HOPS])
    return job.timeline, int(p.get("max_hops", paths.DEFAULT_MAX_HOPS)), tuple(hops)


def _with_explorations(todo: list[Job], folder: Path) -> list[Job]:
    """The jobs, each notebook that declares an ``explorations`` parameter (notebook 04, one per
    variant) given the file of its timeline's multi-hop searches, run once here for all of them
    (written to ``folder``, outside the run: removed when the report ends). When the searches
    fail here (a scheme plugin that raises), the notebooks run their own, and say what failed."""
    from pcidesign.analysis import results as _results
    from pcidesign.model import registry

    wants = _declaring(todo, "explorations")
    variants: dict[tuple[str, int, tuple[str, ...]], list[str]] = {}
    for job, want in zip(todo, wants):
        key = _exploring(job) if want else None
        if key is not None:
            variants.setdefault(key, []).append(registry.get(job.parameters["scheme"]).id)
    files: dict[tuple[str, int, tuple[str, ...]], str] = {}
    for n, (key, chosen) in enumerate(variants.items()):
        timeline, max_hops, hops = key
        try:
            found = _results.compute_explorations(registry.scheme_ids(), list(dict.fromkeys(chosen)), timeline,
                                                  max_hops, hops)
        except Exception:  # noqa: BLE001 - the notebooks search themselves and record the failure
            continue
        files[key] = str(found.save(folder / f"explorations-{timeline}-{n}.pkl"))
    out = []
    for job, want in zip(todo, wants):
        key = _exploring(job) if want else None
        if key in files:
            job = dataclasses.replace(job, parameters={**job.parameters, "explorations": files[key]})
        out.append(job)
    return out


def _front_page_assets(builder: frontpage.AssetBuilder, todo: list[Job], records: list[Record]) -> Any:
    """The front page's own figures and tables; when building them fails (a scheme plugin that
    raises), a failed entry in the run log says why and the page keeps only the log: the
    notebooks' run is kept."""
    from pcidesign.schemes import loader

    try:
        return builder.result()
    except Exception as exc:  # noqa: BLE001 - recorded like a failed notebook
        plugin = loader.plugin_of(exc)
        why = f"the scheme plugin {plugin} failed: " if plugin else ""
        timeline = todo[0].timeline if todo else "report"
        records.append(Record(f"{timeline}/front-page", "front page", timeline, {}, status="failed",
                              error=f"{why}{_error_text(exc)}"))
        return frontpage.Assets()


def _write_and_publish(tmp: Path, out: Path, now: datetime, summary: Summary, specs: dict[str, NotebookSpec],
                       assets: Any) -> str:
    def fill(name: str) -> None:
        summary.run = summary.folder = name
        (tmp / "summary.json").write_text(summary.to_json(), encoding="utf-8")
        (tmp / "results.json").write_text(results_json(assets), encoding="utf-8")
        assets.write(tmp)
        for page, text in frontpage.pages(summary, specs, assets).items():
            (tmp / page).write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o755)

    try:
        return publish(tmp, out, now, fill)
    except OSError as exc:
        reason = "no space left on device" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise ReportWriteError(f"cannot write the report under {out}: {reason}; earlier runs are untouched "
                               "and nothing of this one was kept") from None


def results_json(assets: Any) -> str:
    """The run's results a machine compares (``pcidesign diff``): per timeline, each variant's place
    against the support policy (on the Pareto front or not), and each grid's cells as outcome values
    (rows: the release that wrote, columns: the release that read; null where no cell)."""
    short = {code: o.value for o, code in SHORT.items()}
    fronts = {p.timeline: {r["variant"]: {"front": bool(r["front"]), "violated": r["violated"],
                                          "benefit": r["benefit"], "expressiveness": r["expressiveness"]}
                           for r in p.rows} for p in getattr(assets, "paretos", [])}
    grids: dict[str, Any] = {}
    for g in getattr(assets, "grids", []):
        panels = {f"{scheme}|{scenario}": [[None if c is None else short.get(c.code, c.code) for c in row]
                                           for row in rows] for (scheme, scenario), rows in g.panels.items()}
        grids[f"{g.timeline}|{g.facet}"] = {"releases": list(g.releases), "panels": panels}
    return json.dumps({"fronts": fronts, "grids": grids}, indent=1)


def _run_all(todo: list[Job], root: str, workers: int, progress: bool, timeout: float | None,
             fresh_kernels: bool, pid_dir: Path, stages: Sequence[Callable[[], list[Job]]] = (),
             total: int | None = None) -> list[Record]:
    """Run ``todo`` on the workers, then each of ``stages`` in a thread of this process while they
    run, handing the workers the jobs each stage returns; the records in the plan's order
    (``total``: every job's count, for the progress bar).

    The workers are handed a job only when one is free (one more is queued, so that none waits
    for this process): each takes the costliest job ready at that moment (:func:`by_cost`), so a
    long notebook a stage makes ready (notebook 03) starts at once, not behind the short ones
    handed out before it."""
    from tqdm import tqdm

    records: dict[int, Record] = {}
    bar = tqdm(total=len(todo) if total is None else total, desc="pcidesign report", unit="nb",
               disable=not progress, file=sys.stderr, dynamic_ncols=True)
    failed = 0
    pool = None
    try:
        with _spawning(pid_dir / WORKERS_LOG):
            pool = _pool(workers)
        ready = by_cost(todo)
        running: dict[Future[Record], Job] = {}
        pending = iter(stages)
        stage = _in_thread(next(pending, None))
        while ready or running or stage is not None:
            while ready and len(running) < workers + 1:
                job = ready.pop(0)
                fut = Future()
                try:
                    fut = pool.submit(execute, job, root, timeout, fresh_kernels, str(pid_dir))
                except BrokenProcessPool as exc:  # a worker died: this job fails as the running ones do
                    fut.set_exception(exc)
                running[fut] = job
            done, _ = wait([*running, *([stage] if stage is not None else [])], return_when=FIRST_COMPLETED)
            for fut in done:
                if fut is stage:
                    ready = by_cost(ready + fut.result())  # a stage that raised stops the batch here
                    stage = _in_thread(next(pending, None))
                    continue
                job = running.pop(fut)
                try:
                    rec = fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker that died
                    rec = Record(job.label, job.notebook, job.timeline, recorded(job.parameters),
                                 status="failed", error=f"worker: {_error_text(exc)}")
                records[job.index] = rec
                failed += rec.status != "ok"
                bar.set_postfix_str(f"{failed} failed" if failed else job.label, refresh=False)
                bar.update()
    except BaseException:
        bar.disable = True
        _end_workers(pid_dir)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        bar.close()
    return [records[i] for i in sorted(records)]


def _in_thread(stage: Callable[[], list[Job]] | None) -> Future[list[Job]] | None:
    """``stage`` run in a daemon thread (an interrupted batch does not wait for it), as a future."""
    if stage is None:
        return None
    fut: Future[list[Job]] = Future()

    def run() -> None:
        try:
            fut.set_result(stage())
        except BaseException as exc:  # noqa: BLE001 - raised again in the main thread
            fut.set_exception(exc)

    threading.Thread(target=run, name="pcidesign-report-stage", daemon=True).start()
    return fut


def by_cost(todo: Sequence[Job]) -> list[Job]:
    """The jobs in the order the workers take them: the costliest first (:attr:`Job.cost`; the
    plan's order between equals), so that no worker is left with a long notebook at the end while
    the other idles. The summary and the pages keep the plan's order."""
    return sorted(todo, key=lambda j: (-j.cost, j.index))


_RUN_NAME = re.compile(r"^run-(\d{8}-\d{6})(?:-(\d+))?$")


def runs_under(out: str | Path) -> list[Path]:
    """The finished runs under ``out`` (folders ``run-<timestamp>[-N]`` holding a ``summary.json``),
    oldest first. A reserved name still being filled by another report has no summary yet and is
    not listed."""
    found = []
    for p in Path(out).iterdir() if Path(out).is_dir() else ():
        m = _RUN_NAME.match(p.name)
        if m and p.is_dir() and not p.is_symlink() and (p / "summary.json").is_file():
            found.append(((m.group(1), int(m.group(2) or 1)), p))
    return [p for _, p in sorted(found)]


def prune(out: str | Path, keep: int) -> list[str]:
    """Remove all but the ``keep`` newest finished runs under ``out`` (:func:`runs_under`); the run
    ``latest`` points to is kept whatever its age. Returns the names removed, oldest first."""
    if keep < 1:
        raise ReportError(f"--keep must be at least 1, not {keep}")
    runs = runs_under(out)
    latest = Path(out) / "latest"
    current = latest.resolve() if latest.is_symlink() else None
    removed = []
    for p in runs[:max(0, len(runs) - keep)]:
        if current is not None and p.resolve() == current:
            continue
        shutil.rmtree(p)
        removed.append(p.name)
    return removed


def _point_latest(out: Path, name: str) -> None:
    link = out / "latest"
    tmp_link = out / f".latest-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(name, tmp_link, target_is_directory=True)
    os.replace(tmp_link, link)
