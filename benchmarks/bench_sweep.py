"""Benchmark: every matrix (schemes or variants x scenarios x intents x release pairs, both timelines).

Each sweep starts from a cold cache (the kept workers have freed the last sweep's memo before the
clock starts) and uses ``--jobs`` worker processes (default: the CPU count; the frames are the
same with any number); the first sweep's time includes starting the workers. For each it prints the cells, the distinct
transitions computed in this process, the wall time against its budget (issue 22, on the two-core
development machine) and the cells per second.

    python benchmarks/bench_sweep.py [--jobs N]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import pcidesign
from pcidesign.analysis import matrices as analysis
from pcidesign.analysis import parallel
from pcidesign.model import engine, registry, scenarios

sys.path.insert(0, str(Path(__file__).resolve().parent))
from budget import report  # noqa: E402

CORE = list(scenarios.CORE)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: the CPU count)")
    jobs = parallel.jobs_of(ap.parse_args(argv).jobs)
    sweep("plain schemes, core scenarios", list(pcidesign.scheme_ids()), 2.0, CORE, jobs)
    print()
    sweep("default variants, core scenarios", list(registry.default_variants()), 2.0, CORE, jobs)
    print()
    sweep("default variants, core scenarios, pairing libvirt-only", list(registry.default_variants()), 3.0, CORE,
          jobs, pairing="libvirt-only")
    print()
    sweep("default variants, core scenarios, machine q35 (alias)", list(registry.default_variants()), 3.0, CORE,
          jobs, machine="q35")
    print()
    sweep("default variants, every scenario", list(registry.default_variants()), 5.0, None, jobs)


def sweep(label: str, variants: list[str], target: float, scenario_ids: list[str] | None, jobs: int = 1,
          **axes: str) -> float:
    """One cold sweep of ``variants`` x ``scenario_ids`` (all when None) over both timelines, printed;
    returns its wall time."""
    catalog = pcidesign.load_catalog()
    setting = pcidesign.Setting().replace(**axes)
    engine.clear_cache()
    parallel.settle()  # the kept workers free the last memo before the clock starts
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    cells = 0
    for timeline in sorted(catalog.timelines):
        frame = analysis.sweep(variants, scenario_ids, catalog=catalog, setting=setting.replace(timeline=timeline),
                               jobs=jobs)
        cells += len(frame)
    seconds = time.perf_counter() - t0
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"== {label}")
    print(f"timelines            {', '.join(sorted(catalog.timelines))}")
    print(f"variants x scenarios {len(variants)} x {len(scenario_ids or pcidesign.scenario_ids())}")
    print(f"intents              {len(catalog.intents)}")
    print(f"cells                {cells}")
    print(f"jobs                 {jobs}")
    if jobs == 1:
        print(f"distinct transitions {engine.transitions_computed()}")
    report("bench_sweep", label, seconds, target, f"{cells:,} cells, {jobs} job(s)")
    print(f"cells per second     {cells / seconds:,.0f}")
    print(f"peak RSS             {rss_after / 1024:.0f} MiB (grew {max(rss_after - rss_before, 0) / 1024:.0f} MiB)")
    return seconds


if __name__ == "__main__":
    main()
