"""Regenerate the README's figures from the model (``.venv/bin/python docs/figures.py``).

``docs/pareto-whatif.png``: the Pareto scatter of the default variants under the ``upstream``
support policy on the ``whatif`` timeline; ``docs/grid-whatif.png``: the grid of worst outcomes
of the default variants (scope ``naming``), default-device intents. Both are what
``pcidesign report`` draws in ``whatif/03_compare/`` (``pareto.png``, ``grid-default.png``).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from pcidesign import analysis  # noqa: E402
from pcidesign.analysis import compare  # noqa: E402
from pcidesign.render import paretoplot, plots  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    """Write both figures next to this script."""
    result = compare.compare(None, "whatif", "upstream")
    ax = paretoplot.pareto_scatter(result.summary, title="support policy upstream, timeline whatif")
    ax.figure.savefig(HERE / "pareto-whatif.png", dpi=80, bbox_inches="tight")
    frame = analysis.sweep(list(result.summary["variant"]), None, "whatif", scope="naming")
    fig = plots.grid(analysis.facet(frame, "default"), title="default-device intents, timeline whatif")
    fig.savefig(HERE / "grid-whatif.png", dpi=60, bbox_inches="tight")


if __name__ == "__main__":
    main()
