"""Fleet plots: stacked bars of affected domains per scheme and target release.

Colours are the project's outcome colours (:data:`pcidesign.plots.COLOURS`), stacked in the
severity order of :data:`pcidesign.vocab.BY_SEVERITY` (worst at the bottom). Functions take
``ax=None`` and return the Axes they drew on; they never show.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from pcidesign.model.errors import UnknownNameError
from pcidesign.render.plots import COLOURS
from pcidesign.model.vocab import BY_SEVERITY, Outcome

FAILURES: tuple[Outcome, ...] = tuple(o for o in BY_SEVERITY if o.is_failure)
"""The outcomes that count as "affected", worst first."""


def affected_counts(summary: pd.DataFrame, scenario: str, what: str = "domains",
                    outcomes: Sequence[Outcome] = FAILURES) -> pd.DataFrame:
    """Rows (scheme, target) in the summary's order, one column per outcome: the ``what`` count."""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    if scenario not in scenarios:
        raise UnknownNameError("scenario", scenario, scenarios, "the fleet scan")
    part = summary[summary["scenario"] == scenario]
    frame = part.pivot_table(index=["scheme", "target"], columns="outcome", values=what, aggfunc="sum",
                             observed=False, sort=False)
    cols = [o.value for o in outcomes]
    frame = frame.reindex(columns=cols, fill_value=0).fillna(0).astype(int)
    frame.columns.name = None
    return frame


def affected_bars(summary: pd.DataFrame, scenario: str = "restart", ax: Axes | None = None,
                  what: str = "domains", outcomes: Sequence[Outcome] = FAILURES,
                  total: int | None = None) -> Axes:
    """Stacked bars: per scheme (groups) and target release (bars), the ``what`` per failing outcome.

    ``summary`` is :attr:`pcidesign.fleet.FleetScan.summary`; ``total`` (the fleet size) is
    written in the title when given.
    """
    counts = affected_counts(summary, scenario, what, outcomes)
    if ax is None:
        n = len(counts)
        _, ax = plt.subplots(figsize=(max(6.0, 0.32 * n + 2.5), 4.2))
    schemes = list(dict.fromkeys(counts.index.get_level_values(0)))
    xs, labels, centres = [], [], []
    x = 0.0
    for scheme in schemes:
        targets = list(counts.loc[scheme].index)
        start = x
        for target in targets:
            xs.append(x)
            labels.append(str(target))
            x += 1.0
        centres.append(((start + x - 1.0) / 2.0, scheme))
        x += 0.8  # gap between schemes
    bottom = [0] * len(xs)
    for outcome in outcomes:
        values = counts[outcome.value].tolist()
        ax.bar(xs, values, bottom=bottom, width=0.8, color=COLOURS[outcome], edgecolor="0.3", linewidth=0.4,
               label=outcome.value, gid=f"bar-{outcome.value}")
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_xticks(xs)
    ax.set_xticklabels(labels, rotation=90, fontsize=8)
    for centre, scheme in centres:
        ax.annotate(scheme, xy=(centre, 0), xycoords=("data", "axes fraction"), xytext=(0, -46),
                    textcoords="offset points", ha="center", va="top", fontsize=8, rotation=20)
    ax.set_ylabel(f"affected {what}")
    ax.set_xlim(-0.8, max(xs, default=0) + 0.8)
    ax.set_ylim(0, max(max(bottom, default=0), 1) * 1.08)
    of = f" of {total}" if total is not None else ""
    ax.set_title(f"{what.capitalize()}{of} hurt when the fleet moves to each target ({scenario})", fontsize=10)
    ax.legend(handles=[Patch(facecolor=COLOURS[o], edgecolor="0.3", label=o.value) for o in outcomes],
              fontsize=8, loc="upper right", frameon=False)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    return ax
