"""Benchmark: every matrix (all schemes x scenarios x intents x release pairs, both timelines).

Prints the number of cells, cells per second, distinct transitions computed and peak memory.
Target on a 2-core machine: the whole sweep in under 2 seconds.
"""

from __future__ import annotations

import resource
import time

import pcidesign
from pcidesign.analysis import matrices as analysis
from pcidesign.model import engine


def main() -> None:
    catalog = pcidesign.load_catalog()
    engine.clear_cache()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    cells = 0
    for timeline in sorted(catalog.timelines):
        frame = analysis.sweep(timeline=timeline, catalog=catalog)
        cells += len(frame)
    seconds = time.perf_counter() - t0
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"timelines            {', '.join(sorted(catalog.timelines))}")
    print(f"schemes x scenarios  {len(pcidesign.scheme_ids())} x {len(pcidesign.scenario_ids())}")
    print(f"intents              {len(catalog.intents)}")
    print(f"cells                {cells}")
    print(f"distinct transitions {engine.transitions_computed()}")
    print(f"wall time            {seconds:.2f} s   (target < 2 s)")
    print(f"cells per second     {cells / seconds:,.0f}")
    print(f"peak RSS             {rss_after / 1024:.0f} MiB (grew {max(rss_after - rss_before, 0) / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
