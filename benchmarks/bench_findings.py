"""Benchmark: `pcidesign findings` (budget: under 5 s on two cores), from the command line and in-process.

    python benchmarks/bench_findings.py [--jobs N]

The command runs in a fresh interpreter with ``--jobs N`` (default: the CPU count), so its time
includes the interpreter's start and the workers'; the in-process figures are the computation
alone from a cold cache, without and with the robustness of each answer (what the command does).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from budget import report  # noqa: E402

BUDGET = 5.0


def main(argv: list[str] | None = None) -> None:
    """Print the wall time of the command (a fresh interpreter) and of the computation alone."""
    from pcidesign.analysis import parallel

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: the CPU count)")
    jobs = parallel.jobs_of(ap.parse_args(argv).jobs)
    for fmt in ("table", "json"):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pcidesign.cli", "findings", "--format", fmt, "--jobs", str(jobs)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        report("bench_findings", f"pcidesign findings --format {fmt} --jobs {jobs} (whole command)",
               time.perf_counter() - start, BUDGET)
    from pcidesign.analysis import findings
    from pcidesign.model import engine

    for robust in (False, True):
        engine.clear_cache()
        parallel.settle()  # the kept workers free the last memo before the clock starts
        start = time.perf_counter()
        found = findings.findings(jobs=jobs, robust=robust)
        seconds = time.perf_counter() - start
        cells = sum(a.total for f in found for a in f.answers)
        report("bench_findings", f"findings.findings(jobs={jobs}, robust={robust}) in-process, cold cache", seconds,
               BUDGET if robust else None,
               f"{len(found)} questions, {sum(len(f.answers) for f in found)} answers, {cells} cells or outcomes")


if __name__ == "__main__":
    main()
