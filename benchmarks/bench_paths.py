"""Benchmark: the multi-hop path search, every scheme, every intent, timeline ``whatif``.

For K = 2, 3, 4, 5 (each from a cold cache, median of three runs) prints the number of paths the
search stands for (counted by dynamic programming over the BFS layers, never enumerated), the
distinct states and transitions, the wall time, and time(K)/time(2).
Targets: K = 5 over all schemes in under 5 s; time(5)/time(2) under 3 while paths grow > 1000x.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import pcidesign
from pcidesign.model import engine, registry
from pcidesign.analysis import paths

sys.path.insert(0, str(Path(__file__).resolve().parent))
import budget  # noqa: E402
from budget import report  # noqa: E402

BUDGETS = (2, 3, 4, 5)
RUNS = 3


def measure(k: int, catalog: pcidesign.Catalog) -> tuple[float, list[paths.Exploration], int]:
    """One cold run at budget ``k``: seconds, the explorations, engine transitions computed."""
    engine.clear_cache()
    t0 = time.perf_counter()
    found = paths.explore_all(None, "whatif", k, catalog=catalog)
    return time.perf_counter() - t0, found, engine.transitions_computed()


def main() -> None:
    catalog = pcidesign.load_catalog()
    print(f"schemes {len(pcidesign.scheme_ids())}, intents {len(catalog.intents)}, "
          f"releases {len(catalog.timeline('whatif'))} (whatif), hops restart+resave+migrate, "
          f"median of {RUNS} cold runs")
    print(f"{'K':>2} {'paths':>16} {'states':>7} {'hops computed':>14} {'engine transitions':>19} "
          f"{'seconds':>8} {'t(K)/t(2)':>10}")
    rows = {}
    for k in BUDGETS:
        runs = [measure(k, catalog) for _ in range(RUNS)]
        seconds = statistics.median(r[0] for r in runs)
        _, found, transitions = runs[-1]
        rows[k] = (sum(e.paths for e in found), seconds)
        print(f"{k:>2} {rows[k][0]:>16,} {sum(e.states for e in found):>7,} "
              f"{sum(e.transitions for e in found):>14,} {transitions:>19,} {seconds:>8.3f} "
              f"{seconds / rows[2][1]:>10.2f}")
    growth = rows[5][0] / rows[2][0]
    ratio = rows[5][1] / rows[2][1]
    report("bench_paths", "paths, K=5, every scheme, whatif", rows[5][1], 5.0)
    budget.ratio("bench_paths", "paths time(5)/time(2)", ratio, 3.0, f"paths grow {growth:,.0f}x")


def whole_timeline(catalog: pcidesign.Catalog) -> None:
    """K = number of releases (the notions' default budget), every variant of the default report,
    both timelines, from a cold cache: the search is budgeted under 5 s (docs/benchmarks.md)."""
    variants = list(registry.default_variants())
    print()
    for timeline in sorted(catalog.timelines):
        k = len(catalog.timeline(timeline))
        engine.clear_cache()
        t0 = time.perf_counter()
        found = [paths.explore(v, timeline, k, catalog=catalog) for v in variants]
        seconds = time.perf_counter() - t0
        report("bench_paths", f"paths, timeline {timeline}, K = {k} (every release), {len(variants)} variants",
               seconds, 5.0, f"{sum(e.states for e in found):,} states, {sum(e.paths for e in found):.3g} paths")


if __name__ == "__main__":
    main()
    whole_timeline(pcidesign.load_catalog())
