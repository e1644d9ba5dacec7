"""A path drawn as a step diagram: releases on the vertical axis, one column per step, hops as
arrows, each step coloured by the outcome the path would have if it ended there.

Like every figure in pcidesign it takes the Axes to draw on (a new figure when None), returns
it, and never calls ``show()``.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from pcidesign.analysis.paths import Witness
from pcidesign.render.plots import COLOURS
from pcidesign.model.errors import UsageError
from pcidesign.model.vocab import BY_SEVERITY, Hop, Outcome

_MARKERS = {Hop.DEFINE: "s", Hop.RESTART: "o", Hop.RESAVE: "D", Hop.MIGRATE: ">"}


def draw_path(
    witness: Witness,
    releases: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw ``witness`` on ``ax``: y = release (timeline order), x = step, arrows = hops.

    ``releases`` are the rows, bottom to top (default: the witness's timeline). A step that
    ends the path with a terminal event is drawn as a cross.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 + 1.3 * max(len(witness.steps), 2), 0.5 + 0.45 * 9))
    rows = list(releases) if releases is not None else list(witness.order)
    missing = [r for r in witness.releases if r not in rows]
    if missing:
        raise UsageError(f"release {missing[0]!r} of the path is not among the rows {rows}")
    y = [rows.index(r) for r in witness.releases[: len(witness.steps)]]
    for i, (step, after) in enumerate(zip(witness.steps, witness.after)):
        terminal = i == len(witness.steps) - 1 and step.event is not None and step.event is not Outcome.GUEST_CHANGED
        ax.scatter([i], [y[i]], s=170, marker="X" if terminal else _MARKERS[step.hop], color=COLOURS[after],
                   edgecolors="0.2", linewidths=0.8, zorder=3)
        if i == 0:
            continue
        ax.annotate("", xy=(i, y[i]), xytext=(i - 1, y[i - 1]),
                    arrowprops={"arrowstyle": "-|>", "color": COLOURS[after], "lw": 2.2,
                                "shrinkA": 9, "shrinkB": 9, "connectionstyle": "arc3,rad=0.0"}, zorder=2)
        ax.text(i - 0.5, (y[i] + y[i - 1]) / 2, step.hop.value, ha="center", va="bottom", fontsize=8,
                rotation=0, color="0.15", bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.set_yticks(range(len(rows)), rows)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xticks(range(len(witness.steps)), [f"{i}\n{s.hop.value}" for i, s in enumerate(witness.steps)])
    ax.set_xlim(-0.5, max(len(witness.steps) - 0.5, 1.5))
    ax.set_xlabel("step")
    ax.set_ylabel("release")
    ax.grid(axis="y", color="0.9", zorder=0)
    ax.set_title(f"{witness.scheme}: {witness.outcome.value} in {witness.hops} hop(s)\n{witness.intent}", fontsize=10)
    seen = [o for o in BY_SEVERITY if o in witness.after]
    handles = [Line2D([], [], marker="o", linestyle="", markersize=8, color=COLOURS[o], label=o.value) for o in seen]
    ax.legend(handles=handles, title="outcome after the step", loc="center left", bbox_to_anchor=(1.01, 0.5),
              fontsize=8, title_fontsize=8, frameon=False)
    return ax
