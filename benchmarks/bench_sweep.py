"""Benchmark: every matrix (all schemes x scenarios x intents x release pairs, both timelines).

Prints the number of cells, cells per second, distinct transitions computed and peak memory,
first for the plain schemes (target: under 2 s on a 2-core machine), then for every variant of
the default report (each scheme and each filling scheme's ``+fill=define-only``; target: under
5 s), each from a cold cache.
"""

from __future__ import annotations

import resource
import time

import pcidesign
from pcidesign.analysis import matrices as analysis
from pcidesign.model import engine, registry, scenarios


CORE = list(scenarios.CORE)


def main() -> None:
    sweep("plain schemes, core scenarios", list(pcidesign.scheme_ids()), 2.0, CORE)
    print()
    sweep("default variants, core scenarios", list(registry.default_variants()), 5.0, CORE)
    print()
    sweep("default variants, core scenarios, pairing libvirt-only", list(registry.default_variants()), 5.0, CORE,
          pairing="libvirt-only")
    print()
    sweep("default variants, core scenarios, machine q35 (alias)", list(registry.default_variants()), 5.0, CORE,
          machine="q35")
    print()
    sweep("default variants, every scenario (with daemon-restart, save-restore, ...)",
          list(registry.default_variants()), 10.0, None)


def sweep(label: str, variants: list[str], target: float, scenario_ids: list[str] | None, **axes: str) -> None:
    """One cold sweep of ``variants`` x ``scenario_ids`` (all when None) over both timelines, printed."""
    catalog = pcidesign.load_catalog()
    setting = pcidesign.Setting().replace(**axes)
    engine.clear_cache()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    cells = 0
    for timeline in sorted(catalog.timelines):
        frame = analysis.sweep(variants, scenario_ids, catalog=catalog, setting=setting.replace(timeline=timeline))
        cells += len(frame)
    seconds = time.perf_counter() - t0
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"== {label}")
    print(f"timelines            {', '.join(sorted(catalog.timelines))}")
    print(f"variants x scenarios {len(variants)} x {len(scenario_ids or pcidesign.scenario_ids())}")
    print(f"intents              {len(catalog.intents)}")
    print(f"cells                {cells}")
    print(f"distinct transitions {engine.transitions_computed()}")
    print(f"wall time            {seconds:.2f} s   (target < {target:g} s: {'met' if seconds < target else 'MISSED'})")
    print(f"cells per second     {cells / seconds:,.0f}")
    print(f"peak RSS             {rss_after / 1024:.0f} MiB (grew {max(rss_after - rss_before, 0) / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
