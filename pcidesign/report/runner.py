"""The batch report: papermill over the parameter grid, HTML copies, figures, an index page.

``pcidesign report`` runs every notebook of :data:`NOTEBOOKS` once per parameter set its spec
gives for a timeline (02 for every scheme x scenario, 04 for every scheme, 01, 03 and 05 once
per timeline), in parallel worker processes. Before anything runs, every parameter set is
checked against the parameters the notebook declares (``papermill.inspect_notebook``) and against
the catalog (:func:`pcidesign.params.check_params`).

Everything is written into a hidden temporary folder beside the target and renamed to
``OUT/run-<timestamp>`` only when the batch is done, so a run folder is complete or absent;
earlier runs are never touched, and ``OUT/latest`` (a relative symlink) is switched atomically to
the new run. A notebook that fails does not stop the others: ``summary.json`` records its error,
``index.html`` marks it, and :attr:`Summary.exit_code` is 1.

Starting a kernel and importing pandas and matplotlib into it costs more than most notebooks take
to run, so each worker keeps one kernel and resets it between notebooks (namespace, figures,
working directory, execution count); a kernel whose notebook failed is replaced. With
``fresh_kernels=True`` (``--fresh-kernels``) every notebook gets a new kernel instead.

The grid is planned in :mod:`.plan`, checked in :mod:`.checks`, run on the kernels of
:mod:`.kernels`; the front page is :mod:`.frontpage`. This module runs the batch.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pcidesign.model import registry as _schemes
from pcidesign.model import scenarios as _scenarios
from pcidesign.report import frontpage, kernels
from pcidesign.report import plan as _plan
from pcidesign.report.checks import check_jobs, check_kernel_schemes, declared_parameters
from pcidesign.report.kernels import KERNEL
from pcidesign.report.plan import NOTEBOOK_DIR, NOTEBOOKS, REPORT_INTENT, Grid, Job, NotebookSpec, ReportError, plan


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

    @property
    def exit_code(self) -> int:
        """0 when every notebook ran, 1 when one failed."""
        return 1 if self.failed else 0

    def to_json(self) -> str:
        """The summary as indented JSON."""
        return json.dumps(asdict(self), indent=2)


# -- running one job (in a worker process) -----------------------------------------------------------
# Starting a kernel and importing pandas and matplotlib into it costs more than most notebooks
# take to run. By default each worker process keeps one kernel and reuses it for its next job,
# after a reset (user namespace, figures, working directory, execution count); a kernel that ran a
# failing notebook is thrown away. ``fresh_kernels=True`` starts one kernel per notebook instead.
_EXPORTER: Any = None


def _html_exporter() -> Any:
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    return _EXPORTER


def _error_text(exc: BaseException) -> str:
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename is not None:
        cell = getattr(exc, "exec_count", None)
        return f"{ename}: {evalue}" + (f" (cell [{cell}])" if cell is not None else "")
    return f"{type(exc).__name__}: {exc}".strip()


def execute(job: Job, root: str, timeout: float | None = 600.0, fresh_kernels: bool = False) -> Record:
    """Run ``job`` with papermill under ``root`` (the run folder being written) and export its
    HTML copy without code. Never raises for a failing notebook: the record says what happened.

    ``kernel_seconds`` is the time spent starting a kernel (or resetting this worker's warm one);
    ``setup_seconds`` the time papermill then takes until the first cell runs (reading and
    parameterizing the notebook, connecting to the kernel).
    """
    import logging

    import papermill

    logging.getLogger("papermill").setLevel(logging.WARNING)
    base = Path(root) / job.timeline
    files = base / job.stem
    out_nb = base / f"{job.stem}.ipynb"
    out_html = base / f"{job.stem}.html"
    files.mkdir(parents=True, exist_ok=True)
    rec = Record(job.label, job.notebook, job.timeline, dict(job.parameters))
    first_cell: list[float] = []
    start = time.perf_counter()
    ready = start
    km = None
    try:
        km, rec.kernel_started = kernels.acquire(root, fresh_kernels)
        ready = time.perf_counter()
        papermill.execute_notebook(
            job.source, str(out_nb), parameters={**job.parameters, "out_dir": str(files)},
            kernel_name=KERNEL, progress_bar=False, request_save_on_cell_execute=False,
            execution_timeout=timeout, km=km,
            on_cell_start=lambda **_kw: first_cell.append(time.perf_counter()) if not first_cell else None,
        )
        rec.status = "ok"
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, none stops the batch
        rec.status, rec.error = "failed", _error_text(exc)
    finally:
        if km is not None:
            kernels.release(km, rec.status == "ok", fresh_kernels)
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


# -- the whole batch ------------------------------------------------------------------------------------
def _pool(workers: int) -> ProcessPoolExecutor:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["papermill", "nbconvert", "pcidesign.report"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


def _run_name(out: Path, now: datetime) -> str:
    name = now.strftime("run-%Y%m%d-%H%M%S")
    n = 1
    candidate = name
    while (out / candidate).exists():
        n += 1
        candidate = f"{name}-{n}"
    return candidate


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
) -> Summary:
    """Produce a report under ``out`` and return its summary (see the module docstring).

    Raises :class:`ReportError` (or :class:`~pcidesign.errors.UnknownNameError`) before anything
    is written when a name or parameter is bad or ``out`` cannot hold a report.
    """
    if jobs < 1:
        raise ReportError(f"--jobs must be at least 1, not {jobs}")
    todo = plan(timelines, schemes, scenarios, notebooks)
    check_jobs(todo)
    check_kernel_schemes([_schemes.get(s).id for s in dict.fromkeys(schemes or _schemes.scheme_ids())])
    out = Path(out).absolute()
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
    started = time.perf_counter()
    try:
        builder = frontpage.AssetBuilder(
            list(dict.fromkeys(j.timeline for j in todo)),
            [_schemes.get(s).id for s in dict.fromkeys(schemes or _schemes.scheme_ids())],
            [_scenarios.get(s).id for s in dict.fromkeys(scenarios or _scenarios.scenario_ids())],
            limit_variants=bool(schemes))
        records = _run_all(todo, str(tmp), jobs, progress, timeout, fresh_kernels)
        assets = builder.result()
        specs = {s.name: s for s in (_plan.NOTEBOOKS if notebooks is None else notebooks)}
        name = _run_name(out, now)
        summary = Summary(
            run=name, folder=name, started=now.isoformat(timespec="seconds"),
            seconds=round(time.perf_counter() - started, 3), jobs=len(todo), workers=jobs,
            failed=sum(r.status != "ok" for r in records),
            kernel_seconds=round(sum(r.kernel_seconds for r in records), 3), runs=records,
        )
        (tmp / "summary.json").write_text(summary.to_json(), encoding="utf-8")
        assets.write(tmp)
        (tmp / "index.html").write_text(frontpage.index_html(summary, specs, assets), encoding="utf-8")
        os.chmod(tmp, 0o755)
        os.rename(tmp, out / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _point_latest(out, name)
    return summary


def _run_all(todo: list[Job], root: str, workers: int, progress: bool, timeout: float | None,
             fresh_kernels: bool) -> list[Record]:
    from tqdm import tqdm

    records: list[Record | None] = [None] * len(todo)
    bar = tqdm(total=len(todo), desc="pcidesign report", unit="nb", disable=not progress, file=sys.stderr,
               dynamic_ncols=True)
    failed = 0
    with bar, _pool(min(workers, len(todo)) or 1) as pool:
        futures: dict[Future[Record], Job] = {pool.submit(execute, job, root, timeout, fresh_kernels): job for job in todo}
        try:
            from concurrent.futures import as_completed

            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    rec = fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker that died
                    rec = Record(job.label, job.notebook, job.timeline, dict(job.parameters),
                                 status="failed", error=f"worker: {_error_text(exc)}")
                records[job.index] = rec
                failed += rec.status != "ok"
                bar.set_postfix_str(f"{failed} failed" if failed else job.label, refresh=False)
                bar.update()
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return [r for r in records if r is not None]


def _point_latest(out: Path, name: str) -> None:
    link = out / "latest"
    tmp_link = out / f".latest-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(name, tmp_link, target_is_directory=True)
    os.replace(tmp_link, link)


__all__ = [  # the report's API in one place: planning, checks and kernels live in their own modules
    "KERNEL", "NOTEBOOKS", "NOTEBOOK_DIR", "REPORT_INTENT", "Grid", "Job", "NotebookSpec", "Record",
    "ReportError", "Summary", "check_jobs", "check_kernel_schemes", "declared_parameters", "execute",
    "plan", "run",
]
