"""Benchmark: the full default report (both timelines), its wall time and the share of the
workers' time spent getting kernels ready (starting them, or resetting a warm one).

    .venv/bin/python benchmarks/bench_report.py              # default: warm kernels, 2 workers
    .venv/bin/python benchmarks/bench_report.py --fresh-kernels   # one kernel per notebook
    .venv/bin/python benchmarks/bench_report.py --jobs 1

The report is written to a temporary folder and removed afterwards. Target: under 60 s on a
2-core machine with the defaults.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from pcidesign.report import runner as report

sys.path.insert(0, str(Path(__file__).resolve().parent))
import budget  # noqa: E402

TARGET_SECONDS = 60.0


def _busy() -> float | None:
    """Seconds of CPU the whole machine has spent busy so far (Linux), or None."""
    try:
        fields = open("/proc/stat", encoding="ascii").readline().split()[1:]
    except OSError:
        return None
    ticks = [int(f) for f in fields]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _timed_stages(t0: float) -> list[tuple[str, float, float]]:
    """Record when the report's own process computes what it hands the notebooks (each timeline's
    sweep, the multi-hop searches) and builds the front page: (what, start, end), seconds from ``t0``."""
    import functools

    from pcidesign.report import frontpage

    spans: list[tuple[str, float, float]] = []

    def timed(owner: object, name: str, label: object) -> None:
        f = getattr(owner, name)

        @functools.wraps(f)
        def wrapper(*args: object, **kwargs: object) -> object:
            start = time.perf_counter() - t0
            try:
                return f(*args, **kwargs)
            finally:
                what = label(args) if callable(label) else str(label)
                spans.append((what, start, time.perf_counter() - t0))

        setattr(owner, name, wrapper)

    timed(report._Shared, "_compute", lambda a: f"sweep and comparison, {a[1]}")
    timed(report._Shared, "_explore", "multi-hop searches")
    timed(frontpage, "build_assets", "front page's findings, grids, Pareto views")
    return spans


def main(argv: list[str] | None = None) -> int:
    """Run the report once and print its timings; exit 1 if a notebook failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--fresh-kernels", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pcidesign-bench-") as tmp:
        busy0 = _busy()
        t0 = time.perf_counter()
        spans = _timed_stages(t0)
        summary = report.run(tmp, jobs=args.jobs, progress=False, fresh_kernels=args.fresh_kernels)
        wall = time.perf_counter() - t0
        busy1 = _busy()
    worker = sum(r.seconds for r in summary.runs)
    kernel = sum(r.kernel_seconds for r in summary.runs)
    started = sum(r.kernel_started for r in summary.runs)
    setup = sum(r.setup_seconds for r in summary.runs)
    mode = "a new kernel per notebook" if args.fresh_kernels else "warm kernels (one per worker, reset between notebooks)"
    print(f"report: {summary.jobs} notebooks, {args.jobs} workers, {mode}")
    budget.report("bench_report", f"default report, {summary.jobs} notebooks, {args.jobs} workers", wall,
                  TARGET_SECONDS)
    print(f"worker time:          {worker:6.1f} s   (sum over notebooks, incl. HTML export)")
    print(f"kernel start/reset:   {kernel:6.1f} s   = {kernel / worker:5.1%} of worker time; "
          f"{started} kernels started")
    print(f"papermill setup:      {setup:6.1f} s   = {setup / worker:5.1%} of worker time "
          "(read, parameterize, connect; until the first cell runs)")
    by_notebook: dict[str, list[float]] = {}
    for r in summary.runs:
        by_notebook.setdefault(r.notebook, []).append(r.seconds)
    for name, secs in sorted(by_notebook.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {name:<20} {sum(secs):6.1f} s over {len(secs):3d} runs (longest {max(secs):5.1f} s)")
    print("the report's own process (while the workers run; seconds from the start):")
    for what, start, end in sorted(spans, key=lambda s: s[1]):
        print(f"  {what:<44} {start:6.1f} -> {end:6.1f}   ({end - start:5.1f} s)")
    if busy0 is not None and busy1 is not None:
        cores = os.cpu_count() or 1
        print(f"machine busy:         {busy1 - busy0:6.1f} s   = {(busy1 - busy0) / (wall * cores):5.1%} "
              f"of {cores} cores (includes anything else running)")
    if summary.failed:
        print(f"{summary.failed} notebooks FAILED", file=sys.stderr)
    return summary.exit_code


if __name__ == "__main__":
    sys.exit(main())
