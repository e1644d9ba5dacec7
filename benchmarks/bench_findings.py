"""Benchmark: `pcidesign findings` (target: under 5 s), cold from the command line and in-process."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Print the wall time of the command (a fresh interpreter) and of the computation alone."""
    for fmt in ("table", "json"):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pcidesign.cli", "findings", "--format", fmt], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        print(f"pcidesign findings --format {fmt}: {time.perf_counter() - start:.2f} s (target: under 5 s)")
    from pcidesign.analysis import findings
    from pcidesign.model import engine

    engine.clear_cache()
    start = time.perf_counter()
    found = findings.findings()
    cells = sum(a.total for f in found for a in f.answers)
    print(f"findings.findings(): {len(found)} questions, {sum(len(f.answers) for f in found)} answers, "
          f"{cells} cells or outcomes, {time.perf_counter() - start:.2f} s in-process (cold cache)")


if __name__ == "__main__":
    main()
