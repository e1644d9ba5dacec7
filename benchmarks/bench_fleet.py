"""Benchmark: scan a synthetic fleet of 100,000 domains; domains/s and peak memory at two sizes.

The fleet is written (streamed, one file at a time) into a temporary directory, 1,000 files per
sub-directory as hosts would hold them, from the sample fleet's files as templates with a new
name and uuid each. Each size is scanned in a fresh child process, so that its peak resident
memory (``ru_maxrss``) and its peak Python allocations (``tracemalloc``, in a second scan) belong
to that scan alone. Memory that does not grow from 10,000 to 100,000 domains shows the scan
streams.

    python benchmarks/bench_fleet.py [--sizes 10000 100000] [--keep DIR] [--jobs N]

The timed scan uses ``--jobs`` worker processes (default: the CPU count); the traced one runs in
one process, so that its peak covers every domain read. Budget: 100,000 domains in under 5 s on
two cores (issue 22).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from budget import report  # noqa: E402

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "data" / "fleet-sample"
PER_DIR = 1000
TARGET_SECONDS = 5.0

_NAME = re.compile(rb"<name>[^<]*</name>")
_UUID = re.compile(rb"<uuid>[^<]*</uuid>")


def generate(out: Path, n: int) -> None:
    """Write ``n`` domain files under ``out`` (``host-NNN/`` sub-directories), one at a time."""
    templates = [p.read_bytes() for p in sorted(SAMPLE.glob("*.xml"))]
    if not templates:
        raise SystemExit(f"no templates in {SAMPLE}")
    for i in range(n):
        d = out / f"host-{i // PER_DIR:04d}"
        if i % PER_DIR == 0:
            d.mkdir(parents=True, exist_ok=True)
        doc = templates[i % len(templates)]
        doc = _NAME.sub(f"<name>vm-{i:06d}</name>".encode(), doc, count=1)
        doc = _UUID.sub(f"<uuid>{uuid.UUID(int=i + 1)}</uuid>".encode(), doc, count=1)
        (d / f"vm-{i:06d}.xml").write_bytes(doc)


def child(directory: str, jobs: int) -> None:
    """In a fresh process: warm up, scan timed, then scan under tracemalloc; print JSON."""
    import tracemalloc

    from pcidesign.analysis import fleet
    from pcidesign.model.catalog import load

    load()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    result = fleet.scan(directory, jobs=jobs)
    seconds = time.perf_counter() - t0
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    fleet.scan(directory)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"domains": result.domains, "errors": len(result.errors), "seconds": seconds,
                      "rss_before_kib": rss_before, "rss_after_kib": rss_after, "traced_peak": peak}))


def main(argv: list[str]) -> int:
    """Generate the fleets, scan each in a child process, print the table; 1 if over target."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: the CPU count)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    from pcidesign.analysis import parallel

    jobs = parallel.jobs_of(args.jobs)
    if args.child:
        child(args.child, jobs)
        return 0
    base = args.keep or Path(tempfile.mkdtemp(prefix="pcidesign-fleet-"))
    status = 0
    try:
        print(f"{'domains':>8} {'gen s':>7} {'scan s':>7} {'domains/s':>10} {'rss growth MiB':>15} "
              f"{'peak rss MiB':>13} {'py peak MiB':>12}")
        for n in args.sizes:
            d = base / f"fleet-{n}"
            t0 = time.perf_counter()
            if not d.exists():
                generate(d, n)
            gen = time.perf_counter() - t0
            out = subprocess.run([sys.executable, __file__, "--child", str(d), "--jobs", str(jobs)], check=True,
                                 capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            if r["domains"] != n or r["errors"]:
                print(f"scan of {n} saw {r['domains']} domains and {r['errors']} errors", file=sys.stderr)
                status = 1
            print(f"{n:>8} {gen:>7.1f} {r['seconds']:>7.1f} {n / r['seconds']:>10.0f} "
                  f"{(r['rss_after_kib'] - r['rss_before_kib']) / 1024:>15.1f} {r['rss_after_kib'] / 1024:>13.1f} "
                  f"{r['traced_peak'] / 2**20:>12.2f}")
            report("bench_fleet", f"fleet scan, {n:,} domains, {jobs} job(s)", r["seconds"],
                   TARGET_SECONDS if n >= 100_000 else None, f"{n / r['seconds']:,.0f} domains/s")
            if not args.keep:
                shutil.rmtree(d)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
