"""Each benchmark's figure against its budget, printed, and recorded for the generated page.

A benchmark calls :func:`report` with what it measured and the budget it must meet (issue 22's
table); the line is printed whatever happens. When the environment variable
``PCIDESIGN_BENCH_RECORD`` names a file (``make bench`` sets it), the figure is also appended
there as one JSON line, and ``benchmarks/latest.py`` turns that file into
``docs/benchmarks-latest.md``: the documentation's figures are the last run's, never typed.
No test reads a time: a missed budget is printed (``MISSED``), not asserted.
"""

from __future__ import annotations

import json
import os
import time

RECORD_ENV = "PCIDESIGN_BENCH_RECORD"


def report(bench: str, label: str, seconds: float, budget: float | None, detail: str = "") -> str:
    """Print ``label``: ``seconds`` against ``budget`` (None: no budget, the figure alone) and
    record it; returns the line printed."""
    if budget is None:
        verdict = ""
    else:
        verdict = f"   (budget < {budget:g} s: {'met' if seconds < budget else 'MISSED'})"
    line = f"{label}: {seconds:.2f} s{verdict}" + (f"   {detail}" if detail else "")
    print(line, flush=True)
    path = os.environ.get(RECORD_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"bench": bench, "label": label, "seconds": round(seconds, 3), "budget": budget,
                                "met": None if budget is None else seconds < budget, "detail": detail,
                                "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}) + "\n")
    return line


def ratio(bench: str, label: str, value: float, bound: float, detail: str = "") -> str:
    """Print and record a growth ratio ``value`` that must stay at or under ``bound``."""
    line = f"{label}: {value:.2f} (bound <= {bound:.2f}: {'met' if value <= bound else 'MISSED'})" + (
        f"   {detail}" if detail else "")
    print(line, flush=True)
    path = os.environ.get(RECORD_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"bench": bench, "label": label, "ratio": round(value, 3), "bound": round(bound, 3),
                                "met": value <= bound, "detail": detail,
                                "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}) + "\n")
    return line
