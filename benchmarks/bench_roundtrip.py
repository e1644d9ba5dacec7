"""Benchmark: ``pcidesign roundtrip`` on domains with 1,000, 10,000 and 100,000 PCI controllers.

Each size is written into a temporary directory as a q35 domain (``pcie-root`` at index 0, then
root ports, bridges and switch ports), twice: once valid, once with a duplicate index on the
last controller (which the release rejects, after its duplicate-index check). Each file goes
through the CLI (``cli.main``, its output discarded) in a fresh child process, so that the peak
resident memory (``ru_maxrss``) and the peak Python allocations (``tracemalloc``, in a second
run) belong to that run alone.

Prints seconds, microseconds per controller and memory per size. Linear work shows as a flat
microseconds-per-controller column and memory that grows ten-fold from one size to the next.

    python benchmarks/bench_roundtrip.py [--sizes 1000 10000 100000] [--release 9.0.0]

On the shared two-core development machine: 29, 33 and 38 microseconds per controller for
1,000, 10,000 and 100,000 controllers (3.8 s for 100,000; 1.2 s when a duplicate index rejects
the file). Before the linear roundtrip the same files took 0.8 s, 21 s (30,000) and 35
minutes (100,000, measured while the machine was busy), and with a duplicate index 1.7 s, 14 s
and 129 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLASSES = ("pcie-root-port", "pci-bridge", "pcie-switch-upstream-port", "pcie-switch-downstream-port")


def domain(n: int, duplicate: bool = False) -> bytes:
    """A q35 domain with ``n`` PCI controllers, indexes 0..n-1, one line each (about 70 bytes,
    so that 100,000 fit in the 10 MiB pcidesign reads); when ``duplicate``, the last one repeats
    the index before it (so a search for the first repeated index walks the whole list)."""
    lines = [
        "<domain type='kvm'>",
        f"  <name>bench-{n}</name>",
        "  <memory unit='KiB'>1048576</memory>",
        "  <os>",
        "    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>",
        "  </os>",
        "  <devices>",
        "    <emulator>/usr/bin/qemu-system-x86_64</emulator>",
        "    <controller type='pci' index='0' model='pcie-root'/>",
    ]
    for i in range(1, n):
        index = n - 2 if duplicate and i == n - 1 else i
        lines.append(f"    <controller type='pci' index='{index}' model='{CLASSES[i % len(CLASSES)]}'/>")
    lines += ["  </devices>", "</domain>", ""]
    return "\n".join(lines).encode()


def child(path: str, release: str) -> None:
    """In a fresh process: run the CLI once timed, then once under tracemalloc; print JSON."""
    import tracemalloc

    from pcidesign import cli
    from pcidesign.model.catalog import load

    load()
    argv = ["roundtrip", "--scheme", "model-subelement", "--release", release, path]

    def run() -> int:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            return cli.main(argv)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    status = run()
    seconds = time.perf_counter() - t0
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    from pcidesign.model import engine

    engine.clear_cache()
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"status": status, "seconds": seconds, "rss_before_kib": rss_before,
                      "rss_after_kib": rss_after, "traced_peak": peak}))


def main(argv: list[str]) -> int:
    """Write each domain, run the CLI on it in a child process, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--release", default="9.0.0")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    base = Path(tempfile.mkdtemp(prefix="pcidesign-roundtrip-"))
    status = 0
    try:
        print(f"release {args.release}; scheme model-subelement")
        print(f"{'controllers':>11} {'file':>9} {'MB':>6} {'exit':>4} {'seconds':>8} {'us/ctrl':>8} "
              f"{'rss growth MiB':>15} {'py peak MiB':>12}")
        for n in args.sizes:
            for kind, duplicate, expected in (("valid", False, 0), ("dup", True, 1)):
                path = base / f"domain-{n}-{kind}.xml"
                path.write_bytes(domain(n, duplicate))
                out = subprocess.run([sys.executable, __file__, "--child", str(path), args.release],
                                     check=True, capture_output=True, text=True).stdout
                r = json.loads(out.strip().splitlines()[-1])
                if r["status"] != expected:
                    print(f"{path.name}: exit {r['status']}, expected {expected}", file=sys.stderr)
                    status = 1
                print(f"{n:>11} {kind:>9} {path.stat().st_size / 1e6:>6.2f} {r['status']:>4} {r['seconds']:>8.2f} "
                      f"{r['seconds'] / n * 1e6:>8.1f} {(r['rss_after_kib'] - r['rss_before_kib']) / 1024:>15.1f} "
                      f"{r['traced_peak'] / 2**20:>12.1f}", flush=True)
                path.unlink()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
