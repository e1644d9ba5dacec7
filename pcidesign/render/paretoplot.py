"""The ranking as a picture: benefit against broken rules, the Pareto front drawn, every variant named.

The input is a comparison summary (:attr:`pcidesign.analysis.compare.Comparison.summary`): one
row per variant with ``violated``, ``benefit``, ``expressiveness`` and ``pareto``. Variants that
land on the same point share one label, listed with their expressiveness. Like every figure in
pcidesign it takes the Axes to draw on (a new figure when None), returns it, and never calls
``show()``.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from pcidesign.model.errors import UsageError

FRONT = "#0B3C5D"
DOMINATED = "#9A9A9A"
NEEDED = ("variant", "violated", "benefit", "expressiveness", "pareto")


def pareto_scatter(summary: pd.DataFrame, ax: Axes | None = None, *, title: str | None = None,
                   fontsize: float = 9.0) -> Axes:
    """Benefit (x, more is better) against rules broken (y, fewer is better, so the best corner is
    bottom right); front variants dark and joined by the front's staircase, dominated ones grey.
    A variant without benefit data (no default changed on the timeline) is drawn at benefit 0."""
    missing = [c for c in NEEDED if c not in summary.columns]
    if missing:
        raise UsageError(f"pareto_scatter: the frame lacks column(s) {', '.join(missing)}; pass Comparison.summary")
    if summary.empty:
        raise UsageError("pareto_scatter: the frame has no rows (no variants)")
    if ax is None:
        _, ax = plt.subplots(figsize=(9.5, 5.5))
    points: dict[tuple[float, int], list[dict[str, object]]] = {}
    for r in summary.to_dict("records"):
        b = float(r["benefit"])
        points.setdefault((0.0 if math.isnan(b) else b, int(r["violated"])), []).append(r)
    top = max(y for _, y in points) if points else 0
    for (x, y), rows in points.items():
        on_front = any(bool(r["pareto"]) for r in rows)
        ax.scatter([x], [y], s=70 + 30 * len(rows), color=FRONT if on_front else DOMINATED, zorder=3,
                   edgecolor="white", linewidth=1.0)
        label = "\n".join(f"{r['variant']} (expr. {float(r['expressiveness']):.2f})" for r in rows)
        ax.annotate(label, (x, y), xytext=(8, 6), textcoords="offset points", fontsize=fontsize,
                    color=FRONT if on_front else "0.35", va="bottom", ha="left" if x < 0.6 else "right",
                    zorder=4)
    front = sorted({(x, y) for (x, y), rows in points.items() if any(bool(r["pareto"]) for r in rows)})
    if len(front) > 1:
        xs, ys = [front[0][0]], [front[0][1]]
        for x, y in front[1:]:
            xs += [x, x]
            ys += [ys[-1], y]
        ax.plot(xs, ys, color=FRONT, linewidth=1.4, linestyle="--", zorder=2)
    ax.set_xlim(-0.08, 1.12)
    ax.set_ylim(-0.6, top + 1.4)
    ax.set_xlabel("benefit: share of new default-device controllers that get the preferred device (more is better)")
    ax.set_ylabel("support-policy rules broken (fewer is better)")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(True, color="0.9", zorder=0)
    ax.legend(handles=[Line2D([], [], marker="o", linestyle="--", color=FRONT, label="Pareto front"),
                       Line2D([], [], marker="o", linestyle="", color=DOMINATED, label="dominated")],
              loc="upper left", fontsize=fontsize, frameon=False)
    if title is not None:
        ax.set_title(title)
    return ax
