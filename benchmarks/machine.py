"""The machine's speed, measured before the benchmarks: the same fixed work on every machine.

    python benchmarks/machine.py

The budgets hold on "the two-core development machine", but the machine a session gets differs
in speed from day to day (and a neighbour's load changes it within a day). This prints, and
``make bench`` records beside the other figures, the time of a fixed pure-Python workload shaped
like the engine's (tuples hashed into a dict, small objects made and dropped) in one process and
in two at once: figures from two runs compare once divided by their machine's reference.
"""

from __future__ import annotations

import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from budget import report  # noqa: E402

ROUNDS = 3


def work(n: int = 400_000) -> float:
    """Seconds for the fixed workload: ``n`` lookups of fresh tuple keys in a growing dict."""
    start = time.perf_counter()
    memo: dict[tuple[object, ...], object] = {}
    for i in range(n):
        key = ("restart", i % 5_000, str(i % 97), (i, i + 1))
        got = memo.get(key)
        if got is None:
            memo[key] = (i, [i] * 3, f"{i}:{key[1]}")
    return time.perf_counter() - start


def main() -> None:
    """Print and record the reference, alone and with both cores busy."""
    alone = statistics.median(work() for _ in range(ROUNDS))
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(work, [1_000] * 2))  # the workers started before the clock
        both = statistics.median(max(pool.map(work, [400_000] * 2)) for _ in range(ROUNDS))
    report("machine", "machine reference: fixed engine-shaped work, one process", alone, None,
           "divide a figure by it to compare machines")
    report("machine", "machine reference: the same work in two processes at once (the slower)", both, None,
           f"{both / alone:.2f}x one process: what two cores lose to each other here")


if __name__ == "__main__":
    main()
