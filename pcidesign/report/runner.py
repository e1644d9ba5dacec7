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

To add a notebook to the report, add one :class:`NotebookSpec` to :data:`NOTEBOOKS`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pcidesign.model import scenarios as _scenarios
from pcidesign.model import registry as _schemes
from pcidesign.model.catalog import load
from pcidesign.model.errors import PcidesignError
from pcidesign.report import frontpage
from pcidesign.report.params import check_params
from pcidesign.model.resources import notebook_dir

NOTEBOOK_DIR = notebook_dir()
"""Where the notebooks live: ``notebooks/`` beside the package (override: ``PCIDESIGN_NOTEBOOKS``)."""

KERNEL = "python3"
REPORT_INTENT = "pcie-root-port:ioh3420"
"""The intent notebook 01 shows in the report: the device at the heart of the 2015 thread."""


class ReportError(PcidesignError):
    """The report cannot start: bad parameters, a missing notebook, an unusable output folder."""


# -- the registry ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Grid:
    """What a report covers for one timeline: the schemes and scenarios to run."""

    timeline: str
    schemes: tuple[str, ...]
    scenarios: tuple[str, ...]


ParamSets = Callable[[Grid], list[dict[str, Any]]]


@dataclass(frozen=True)
class NotebookSpec:
    """One notebook of the report.

    ``params`` gives the parameter sets to run for a timeline's grid; ``slug`` names one run's
    files (unique within the notebook and timeline); ``headline`` is a figure (file name written
    by the notebook) shown at the top of the index page.
    """

    name: str
    title: str
    params: ParamSets
    slug: Callable[[dict[str, Any]], str] = lambda p: ""
    headline: str | None = None
    path: Path | None = None

    @property
    def source(self) -> Path:
        """The notebook file."""
        if self.path is not None:
            return self.path
        base = Path(os.environ.get("PCIDESIGN_NOTEBOOKS") or NOTEBOOK_DIR)
        return base / f"{self.name}.ipynb"


NOTEBOOKS: list[NotebookSpec] = [
    NotebookSpec(
        "03_compare", "Comparing the schemes: grid, scorecard, ranking",
        lambda g: [{"timeline": g.timeline, "schemes": list(g.schemes), "scenarios": list(g.scenarios),
                    "scope": "naming"}],
        headline="grid.png",
    ),
    NotebookSpec(
        "01_schemes", f"The schemes side by side ({REPORT_INTENT})",
        lambda g: [{"intent": REPORT_INTENT, "timeline": g.timeline, "schemes": list(g.schemes), "releases": []}],
    ),
    NotebookSpec(
        "02_matrix", "Compatibility matrix per scheme and scenario",
        lambda g: [{"scheme": s, "scenario": c, "timeline": g.timeline, "intents": [], "releases": [], "explain": 3}
                   for s in g.schemes for c in g.scenarios],
        slug=lambda p: f"{p['scheme']}--{p['scenario']}",
    ),
    NotebookSpec(
        "04_paths", "Multi-hop paths: the shortest counterexample per scheme",
        lambda g: [{"scheme": s, "timeline": g.timeline, "max_hops": 3, "hops": ["restart", "resave", "migrate"],
                    "intents": [], "start": ""} for s in g.schemes],
        slug=lambda p: p["scheme"],
    ),
    NotebookSpec(
        "05_fleet", "Fleet impact: the sample fleet per scheme and target",
        lambda g: [{"fleet_dir": "", "timeline": g.timeline, "targets": [], "schemes": list(g.schemes)}],
    ),
]
"""The notebooks of the report, in the order the index shows them."""


# -- jobs and their records ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """One papermill run: a notebook, its parameters, and where (relative to the run) it writes."""

    index: int
    notebook: str
    title: str
    timeline: str
    source: str
    parameters: dict[str, Any]
    stem: str

    @property
    def label(self) -> str:
        """``timeline/stem``: unique within a run."""
        return f"{self.timeline}/{self.stem}"


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


def _slugify(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "run"


def plan(
    timelines: Sequence[str] | None = None,
    schemes: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    notebooks: Sequence[NotebookSpec] | None = None,
) -> list[Job]:
    """Every job of a report (every timeline by default, every scheme and scenario), in order.

    Unknown names raise :class:`~pcidesign.errors.UnknownNameError` listing the valid ones.
    """
    cat = load()
    lines = list(dict.fromkeys(timelines or cat.timelines))
    for t in lines:
        cat.timeline(t)
    sch = tuple(_schemes.get(s).id for s in dict.fromkeys(schemes or _schemes.scheme_ids()))
    scn = tuple(_scenarios.get(s).id for s in dict.fromkeys(scenarios or _scenarios.scenario_ids()))
    jobs: list[Job] = []
    for t in lines:
        grid = Grid(t, sch, scn)
        for spec in (NOTEBOOKS if notebooks is None else notebooks):
            for p in spec.params(grid):
                slug = spec.slug(p)
                stem = _slugify(f"{spec.name}-{slug}" if slug else spec.name)
                jobs.append(Job(len(jobs), spec.name, spec.title, t, str(spec.source), dict(p), stem))
    stems = [j.label for j in jobs]
    dupes = sorted({s for s in stems if stems.count(s) > 1})
    if dupes:
        raise ReportError(f"two runs would write the same files: {', '.join(dupes)}; give the spec a slug")
    return jobs


# -- checking before running --------------------------------------------------------------------------
_TYPES: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "list[str]": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "list[int]": lambda v: isinstance(v, list) and all(isinstance(x, int) for x in v),
    "dict": lambda v: isinstance(v, dict),
}


def declared_parameters(source: str | Path) -> dict[str, str]:
    """The parameters a notebook declares in its ``parameters`` cell: name -> inferred type."""
    import papermill

    path = Path(source)
    if not path.is_file():
        raise ReportError(f"notebook {path} does not exist")
    try:
        found = papermill.inspect_notebook(str(path))
    except Exception as exc:  # papermill raises plain exceptions for unreadable notebooks
        raise ReportError(f"cannot inspect notebook {path.name}: {exc}") from None
    return {name: str(p.get("inferred_type_name", "None")) for name, p in found.items()}


def check_kernel_schemes(schemes: Sequence[str]) -> None:
    """Check, in a fresh interpreter with this process's environment (what every notebook kernel
    gets), that pcidesign loads and knows every scheme of the report.

    A scheme registered only in this process (``pcidesign.register()`` from a script) is not
    seen by the kernels: it must come from ``--scheme-module``, ``PCIDESIGN_SCHEMES`` or an entry
    point. Raises :class:`ReportError` saying which scheme is missing and how to load it.
    """
    import subprocess

    probe = ("import json, pcidesign\n"
             "from pcidesign.schemes import loader\n"
             "loader.check()\n"
             "print(json.dumps(list(pcidesign.scheme_ids())))\n")
    try:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                              cwd=tempfile.gettempdir())
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ReportError(f"cannot start a Python to check what the notebooks will load: {exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise ReportError(f"the notebooks' Python cannot load pcidesign with these schemes: {last}")
    seen = set(json.loads(done.stdout.strip().splitlines()[-1]))
    missing = [s for s in schemes if s not in seen]
    if missing:
        raise ReportError(
            f"scheme(s) {', '.join(missing)} are registered in this process only; the notebooks would not "
            "see them. Load them with 'pcidesign --scheme-module MODULE_OR_FILE report ...', "
            "$PCIDESIGN_SCHEMES, or a 'pcidesign.schemes' entry point")


def check_jobs(jobs: Iterable[Job]) -> None:
    """Check every job before anything runs: each parameter is declared by its notebook with a
    matching type, ``out_dir`` is declared, and the values name things that exist.

    Raises :class:`ReportError` listing every problem found.
    """
    problems: list[str] = []
    declared: dict[str, dict[str, str]] = {}
    cat = load()
    for job in jobs:
        if job.source not in declared:
            declared[job.source] = declared_parameters(job.source)
        names = declared[job.source]
        where = f"{job.label}"
        if "out_dir" not in names:
            problems.append(f"{where}: notebook {job.notebook} declares no out_dir parameter")
        for name, value in job.parameters.items():
            if name not in names:
                problems.append(f"{where}: notebook {job.notebook} has no parameter {name!r}; "
                                f"declared: {', '.join(names) or 'none'}")
                continue
            test = _TYPES.get(names[name])
            if test is not None and not test(value):
                problems.append(f"{where}: parameter {name}={value!r} is not of the declared type {names[name]}")
        try:
            check_params(cat, **job.parameters)
        except PcidesignError as exc:
            problems.append(f"{where}: {exc}")
    if problems:
        raise ReportError("the report cannot start:\n  " + "\n  ".join(problems))


# -- running one job (in a worker process) -----------------------------------------------------------
# Starting a kernel and importing pandas and matplotlib into it costs more than most notebooks
# take to run. By default each worker process keeps one kernel and reuses it for its next job,
# after a reset (user namespace, figures, working directory, execution count); a kernel that ran a
# failing notebook is thrown away. ``fresh_kernels=True`` starts one kernel per notebook instead.
_EXPORTER: Any = None
_KERNEL: Any = None
_KERNEL_LOG = "kernels.log"
_RESET = """
get_ipython().run_line_magic("reset", "-f")
import os as _os, sys as _sys
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
_os.chdir({cwd!r})
get_ipython().execution_count = 1
if "pcidesign" in _sys.modules:
    # the model as a fresh kernel has it: no remembered transitions, only the schemes that load
    _sys.modules["pcidesign.schemes.loader"].reset()
    _sys.modules["pcidesign.model.engine"].clear_cache()
del _os, _sys
"""


def _html_exporter() -> Any:
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    return _EXPORTER


def _kernel_manager_class() -> Any:
    from jupyter_client.asynchronous.client import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager

    class WarmClient(AsyncKernelClient):  # type: ignore[misc]
        """A client kept connected across jobs: each new connection waits a fixed 0.2 s for the
        kernel's output channel to settle, which adds up over a batch."""

        def start_channels(self, *args: Any, **kwargs: Any) -> None:
            if not self.channels_running:
                super().start_channels(*args, **kwargs)

        async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
            if not self.__dict__.get("_ready"):
                await super()._async_wait_for_ready(timeout=timeout)
                self.__dict__["_ready"] = True

    class ReusableKernel(AsyncKernelManager):  # type: ignore[misc]
        """A kernel manager that hands out one warm client (nbclient leaves it open)."""

        def client(self, **kwargs: Any) -> Any:
            kc = self.__dict__.get("_warm")
            if kc is None:
                self.client_factory = WarmClient
                kc = self.__dict__["_warm"] = super().client(**kwargs)
            return kc

        def close_client(self) -> None:
            kc = self.__dict__.pop("_warm", None)
            if kc is not None:
                try:
                    kc.stop_channels()
                except Exception:  # noqa: BLE001 - closing a client of a dead kernel
                    pass

    return ReusableKernel


def _start_kernel(root: str) -> Any:
    from jupyter_core.utils import run_sync

    km = _kernel_manager_class()(kernel_name=KERNEL)
    log = open(Path(root) / _KERNEL_LOG, "ab")  # noqa: SIM115 - the kernel process keeps it
    try:
        run_sync(km.start_kernel)(stdout=log, stderr=log, cwd=str(Path.cwd()))
    finally:
        log.close()
    try:
        kc = km.client()
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=120)
    except BaseException:
        _stop_kernel(km)
        raise
    km.__dict__["_used"] = False
    return km


def _stop_kernel(km: Any) -> None:
    from jupyter_core.utils import run_sync

    km.close_client()
    try:
        run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - it may be dead already
        pass


def _reset_kernel(km: Any, timeout: float = 30.0) -> None:
    """Clear what the last notebook left in the kernel (on the shell channel only: no output)."""
    from jupyter_core.utils import run_sync

    async def reset() -> dict[str, Any]:
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=timeout)
        msg_id = kc.execute(_RESET.format(cwd=str(Path.cwd())), silent=True, store_history=False)
        while True:
            reply: dict[str, Any] = await kc.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    content = run_sync(reset)()["content"]
    if content.get("status") != "ok":
        raise RuntimeError(f"kernel reset failed: {content.get('ename')}: {content.get('evalue')}")


def _kernel(root: str, fresh: bool) -> tuple[Any, bool]:
    """The kernel for the next job, and whether it was just started: this worker's warm one
    (reset), or a new one."""
    global _KERNEL
    km = _KERNEL
    if km is not None and (fresh or not _alive(km)):
        _stop_kernel(km)
        km = _KERNEL = None
    if km is not None and km.__dict__.get("_used"):
        try:
            _reset_kernel(km)
        except Exception:  # noqa: BLE001 - a kernel that cannot be reset is replaced
            _stop_kernel(km)
            km = None
    if km is None:
        km = _start_kernel(root)
        if not fresh:
            _KERNEL = km
            import multiprocessing.util

            multiprocessing.util.Finalize(None, _stop_kernel, args=(km,), exitpriority=10)
        return km, True
    return km, False


def _alive(km: Any) -> bool:
    from jupyter_core.utils import run_sync

    try:
        return bool(run_sync(km.is_alive)())
    except Exception:  # noqa: BLE001
        return False


def _release_kernel(km: Any, ok: bool, fresh: bool) -> None:
    global _KERNEL
    km.__dict__["_used"] = True
    if fresh or not ok:
        _stop_kernel(km)
        if _KERNEL is km:
            _KERNEL = None


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
        km, rec.kernel_started = _kernel(root, fresh_kernels)
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
            _release_kernel(km, rec.status == "ok", fresh_kernels)
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
        specs = {s.name: s for s in (NOTEBOOKS if notebooks is None else notebooks)}
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
