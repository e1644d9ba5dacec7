"""plots.panel_cells: every panel's worst cells in one pass, equal to worst_cells panel by panel."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from pcidesign.analysis import matrices as analysis  # noqa: E402
from pcidesign.render import htmlgrid, plots  # noqa: E402

RELEASES = ["1.2.18", "1.2.19", "3.2.0", "9.0.0"]
IDS = ["status-quo", "impl-attribute", "model-subelement+fill=define-only"]
SCENARIOS = ["restart", "migrate", "resave-roundtrip"]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return analysis.sweep(IDS, SCENARIOS, "real", releases=RELEASES)


def by_panel(frame: pd.DataFrame) -> dict:
    return {k: analysis.worst_cells(g) for k, g in frame.groupby(["scheme", "scenario"], sort=False, observed=True)}


def test_panel_cells_are_worst_cells_of_each_panel_in_the_frames_order(frame):
    got, expected = plots.panel_cells(frame), by_panel(frame)
    assert len(got) == len(IDS) * len(SCENARIOS)
    assert list(got) == list(expected)
    for key, want in expected.items():
        pd.testing.assert_frame_equal(got[key], want, check_exact=True)
        assert list(got[key]["from"].cat.categories) == list(want["from"].cat.categories)


def test_panel_cells_of_a_part_and_of_a_shuffled_frame(frame):
    part = frame[frame["intent"].astype(str).str.contains(":")]  # named-device intents only
    shuffled = frame.sample(frac=1.0, random_state=3)
    for f in (part, shuffled):
        got, expected = plots.panel_cells(f), by_panel(f)
        assert list(got) == list(expected)
        for key, want in expected.items():
            pd.testing.assert_frame_equal(got[key], want, check_exact=True)


def test_panel_cells_of_a_frame_with_text_outcomes_falls_back_to_worst_cells(frame):
    text = frame.astype({"outcome": str})
    got, expected = plots.panel_cells(text), by_panel(text)
    for key, want in expected.items():
        pd.testing.assert_frame_equal(got[key], want)


def test_html_panels_and_overview_agree_with_the_heatmap_cells(frame):
    worst = plots.panel_cells(frame)
    panels = htmlgrid.panels(frame, RELEASES, "intent", worst)
    assert panels == htmlgrid.panels(frame, RELEASES, "intent")
    assert htmlgrid.overview(frame, worst) == htmlgrid.overview(frame)
    cells = analysis.worst_cells(frame[(frame["scheme"] == "impl-attribute") & (frame["scenario"] == "migrate")])
    for f, t, o, n in cells[["from", "to", "outcome", "count"]].itertuples(index=False):
        cell = panels[("impl-attribute", "migrate")][RELEASES.index(str(f))][RELEASES.index(str(t))]
        assert cell is not None and cell.outcome == str(o) and f"({n} intent" in cell.title


def _savefig_tight(fig, dpi: int) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def test_to_png_draws_the_same_pixels_as_savefig_tight(frame):
    import matplotlib.pyplot as plt

    part = frame[(frame["scheme"] == "status-quo") & (frame["scenario"] == "migrate")]
    heat = plots.heatmap(part).figure
    engine = heat.get_layout_engine()
    assert engine is not None  # constrained: laid out once, then drawn once
    assert plots.to_png(heat, 90) == _savefig_tight(plots.heatmap(part).figure, 90)  # a figure as new
    assert heat.get_layout_engine() is engine and heat.dpi == plt.rcParams["figure.dpi"]
    grid = plots.grid(frame)  # fixed margins, no layout engine
    assert grid.get_layout_engine() is None
    assert plots.to_png(grid, 60) == _savefig_tight(plots.grid(frame), 60)
    plt.close("all")


def test_a_grid_of_panels_of_different_shapes_keeps_each_image_and_the_last_limits(frame):
    """Only panels of one shape skip setting the shared limits; a panel with fewer releases keeps
    the grid as it was drawn before (the last image's extent wins, every image drawn whole)."""
    import matplotlib.pyplot as plt

    first = frame["from"].astype(str).isin(RELEASES[:1]) | frame["to"].astype(str).isin(RELEASES[:1])
    small = frame[~((frame["scheme"] == "impl-attribute") & first)]
    fig = plots.grid(small)
    maps = [ax for ax in fig.axes if ax.images]
    shapes = {ax.images[0].get_array().shape for ax in maps}
    assert shapes == {(len(RELEASES), len(RELEASES)), (len(RELEASES) - 1, len(RELEASES) - 1)}
    assert maps[-1].get_xlim() == maps[0].get_xlim() == (-0.5, len(RELEASES) - 0.5)  # the last panel's
    uniform = plots.grid(frame)
    assert all(ax.get_autoscale_on() for ax in uniform.axes if ax.images)  # left as heatmap leaves them
    plt.close("all")
