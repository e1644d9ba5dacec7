"""Benchmark: how the sweep's time grows with the work, so that a new axis's cost shows before it lands.

Two growths, each from a cold cache in one process (the growth of the work itself, not of the
pool), core scenarios:

* **variants**: the first N variants, then the first 2N (``pcidesign.model.registry.variant_ids``),
  timeline ``real``: doubling the variants should at most double the time (ratio <= 2);
* **releases**: timeline ``whatif`` (R releases), then a synthetic timeline of the same releases
  followed by R more hypothetical ones (a copy of the data directory with extra rows in
  ``releases.csv``, each running the newest QEMU): the cells grow with the square of the
  releases (pairs), so the time should grow at most by (2R / R)^2 = 4.

    python benchmarks/bench_growth.py [--variants N]
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pcidesign
from pcidesign.analysis import matrices, parallel
from pcidesign.model import engine, registry, scenarios
from pcidesign.model.catalog import DATA_DIR

sys.path.insert(0, str(Path(__file__).resolve().parent))
from budget import ratio, report  # noqa: E402

CORE = list(scenarios.CORE)


RUNS = 3


def timed(variants: list[str], timeline: str, catalog: pcidesign.Catalog) -> tuple[float, int]:
    """Seconds (the median of :data:`RUNS` cold sweeps in this process: one run is at the mercy of
    the machine's load, and a ratio of two single runs doubly so) and cells of a sweep."""
    times = []
    for _ in range(RUNS):
        engine.clear_cache()
        parallel.settle()  # the kept workers free the last memo before the clock starts
        t0 = time.perf_counter()
        frame = matrices.sweep(variants, CORE, timeline, catalog=catalog, jobs=1)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(frame)


def longer_timeline(base: Path, out: Path, timeline: str, name: str) -> int:
    """Copy the CSV files of ``base`` into ``out`` with timeline ``name``: every release of
    ``timeline``, then as many hypothetical ones; returns its number of releases."""
    for f in base.glob("*.csv"):
        shutil.copy(f, out / f.name)
    text = (base / "releases.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    members = [r for r in rows if timeline in r["timelines"].split()]
    for r in members:
        r["timelines"] = f"{r['timelines']} {name}"
    qemu = members[-1]["qemu"]
    for i in range(1, len(members) + 1):
        rows.append({"release": f"G{i}", "libvirt": "", "qemu": qemu, "date": "", "hypothetical": "yes",
                     "timelines": name, "adds": "nothing: a synthetic release of the growth benchmark",
                     "source": "benchmarks/bench_growth.py"})
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    (out / "releases.csv").write_text(buf.getvalue(), encoding="utf-8")
    return 2 * len(members)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", type=int, default=6, help="N, the smaller number of variants (default: 6)")
    n = ap.parse_args(argv).variants
    catalog = pcidesign.load_catalog()
    ids = list(registry.variant_ids())
    if 2 * n > len(ids):
        raise SystemExit(f"--variants {n}: at most {len(ids) // 2} (there are {len(ids)} variants)")
    small, cells_small = timed(ids[:n], "real", catalog)
    large, cells_large = timed(ids[:2 * n], "real", catalog)
    report("bench_growth", f"sweep, {n} variants, timeline real", small, None, f"{cells_small:,} cells")
    report("bench_growth", f"sweep, {2 * n} variants, timeline real", large, None, f"{cells_large:,} cells")
    ratio("bench_growth", f"time({2 * n} variants) / time({n} variants)", large / small, 2.0,
          f"cells x{cells_large / cells_small:.2f}")
    other, _ = timed(ids[n:2 * n], "real", catalog)
    print(f"time({2 * n} variants) / (time(first {n}) + time(other {n})): {large / (small + other):.2f}   "
          "(1.00: each variant costs what it costs alone; the doubling's ratio also weighs which variants were added)")
    print()
    variants = ids[:n]
    with tempfile.TemporaryDirectory(prefix="pcidesign-growth-") as tmp:
        releases = longer_timeline(DATA_DIR, Path(tmp), "whatif", "growth")
        longer = pcidesign.load_catalog(tmp)
        r = len(longer.timeline("whatif"))
        short, cells_short = timed(variants, "whatif", longer)
        long, cells_long = timed(variants, "growth", longer)
    report("bench_growth", f"sweep, {n} variants, {r} releases", short, None, f"{cells_short:,} cells")
    report("bench_growth", f"sweep, {n} variants, {releases} releases", long, None, f"{cells_long:,} cells")
    ratio("bench_growth", f"time({releases} releases) / time({r} releases)", long / short, (releases / r) ** 2,
          f"cells x{cells_long / cells_short:.2f}; bound: the square of the releases ratio")


if __name__ == "__main__":
    main()
