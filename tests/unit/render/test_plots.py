"""Figures are checked for what they show (headless, Agg), not only for not crashing."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from pcidesign import schemes  # noqa: E402
from pcidesign.analysis import matrices as analysis
from pcidesign.render import plots
from pcidesign.model.vocab import BY_SEVERITY, Outcome  # noqa: E402

RELEASES = ["1.2.18", "1.2.19", "3.2.0", "9.0.0"]
SEVERITY_LABELS = [f"{plots.SHORT[o]}  {o.value}" for o in BY_SEVERITY]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def restart() -> pd.DataFrame:
    return analysis.matrix("model-subelement", "restart", "real", releases=RELEASES)


def cell_texts(ax) -> dict[tuple[int, int], str]:
    return {(int(round(t.get_position()[1])), int(round(t.get_position()[0]))): t.get_text()
            for t in ax.texts if (t.get_gid() or "").startswith("cell-")}


def test_heatmap_has_one_cell_per_pair_with_the_worst_outcome_and_its_count(restart):
    ax = plots.heatmap(restart)
    image = ax.images[0].get_array()
    assert image.shape == (len(RELEASES), len(RELEASES))
    texts = cell_texts(ax)
    assert len(texts) == len(RELEASES) ** 2
    worst = analysis.worst_cells(restart)
    for f, t, o, n in zip(worst["from"], worst["to"], worst["outcome"], worst["count"]):
        i, j = RELEASES.index(str(f)), RELEASES.index(str(t))
        outcome = Outcome(str(o))
        assert texts[(i, j)] == f"{plots.SHORT[outcome]}\n{n}"
        assert image[i, j] == BY_SEVERITY.index(outcome)


def test_heatmap_known_cells(restart):
    ax = plots.heatmap(restart)
    texts = cell_texts(ax)
    # Restarting at the release that wrote the config changes nothing: every intent that can be
    # written there is ok, the others are not expressible.
    for i, r in enumerate(RELEASES):
        same = restart[(restart["from"] == r) & (restart["to"] == r)]["outcome"].astype(str)
        assert set(same) <= {"ok", "not-expressible"}
        assert texts[(i, i)] == f"ok\n{(same == 'ok').sum()}"
    # A downgrade from 9.0.0 to 1.2.18 fails for some intent: never ok.
    assert not texts[(RELEASES.index("9.0.0"), RELEASES.index("1.2.18"))].startswith("ok")


def test_heatmap_axes_title_and_legend_order(restart):
    ax = plots.heatmap(restart)
    assert [t.get_text() for t in ax.get_xticklabels()] == RELEASES
    assert [t.get_text() for t in ax.get_yticklabels()] == RELEASES
    assert ax.get_ylabel() == plots.ROW_LABEL and ax.get_xlabel() == plots.COL_LABEL
    title = ax.get_title()
    assert "model-subelement" in title and "restart" in title and "real" in title
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == SEVERITY_LABELS
    colours = [matplotlib.colors.to_hex(h.get_facecolor()) for h in legend.legend_handles]
    assert colours == [plots.COLOURS[o].lower() for o in BY_SEVERITY]


def test_heatmap_draws_on_the_given_axes_and_takes_worst_cells(restart):
    fig, (a, b) = plt.subplots(1, 2)
    assert plots.heatmap(restart, ax=a) is a
    assert plots.heatmap(analysis.worst_cells(restart), ax=b, title="x", legend=False) is b
    assert cell_texts(a) == cell_texts(b)
    assert b.get_legend() is None and b.get_title() == "x"


def test_heatmap_refuses_an_empty_frame(restart):
    with pytest.raises(ValueError, match="no rows"):
        plots.heatmap(restart.head(0))


def test_palette_is_categorical_and_distinct():
    assert list(plots.COLOURS) == list(BY_SEVERITY)
    assert len(set(plots.COLOURS.values())) == len(BY_SEVERITY)
    assert plots.CMAP.N == len(BY_SEVERITY)


def test_grid_one_heatmap_per_scheme_and_scenario_and_one_legend():
    ids = ["status-quo", "impl-attribute", "model-subelement"]
    scenarios = ["restart", "migrate"]
    frame = analysis.sweep(ids, scenarios, "real", releases=RELEASES)
    fig = plots.grid(frame)
    maps = [ax for ax in fig.axes if ax.images]
    assert len(maps) == len(ids) * len(scenarios)
    assert all(ax.get_legend() is None for ax in maps)
    assert [ax.get_ylabel() for ax in maps[:: len(scenarios)]] == ids
    assert [ax.get_title() for ax in maps[: len(scenarios)]] == scenarios
    assert len(fig.legends) == 1
    legend = fig.legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    ncol, nrow = 4, 2  # matplotlib fills columns first; read row by row it is the severity order
    shown = sorted(range(len(texts)), key=lambda k: (k % nrow, k // nrow))
    assert [texts[k] for k in shown] == SEVERITY_LABELS
    # The cell of each small map agrees with the matrix of that scheme and scenario.
    ax = maps[ids.index("model-subelement") * len(scenarios) + scenarios.index("migrate")]
    expected = analysis.worst_cells(frame[(frame.scheme == "model-subelement") & (frame.scenario == "migrate")])
    image = ax.images[0].get_array()
    for f, t, o in zip(expected["from"], expected["to"], expected["outcome"]):
        assert image[RELEASES.index(str(f)), RELEASES.index(str(t))] == BY_SEVERITY.index(Outcome(str(o)))
    assert "real" in fig._suptitle.get_text()


def test_grid_uses_the_given_figure():
    frame = analysis.sweep(["status-quo"], ["restart"], "real", releases=RELEASES[:2])
    fig = plt.figure()
    assert plots.grid(frame, fig=fig) is fig
    assert len([ax for ax in fig.axes if ax.images]) == 1


def test_scorecard_styler_shows_shares_counts_and_the_thread():
    ids = ["status-quo", "model-subelement"]
    frame = analysis.sweep(ids, ["restart", "migrate"], "real")
    styler = plots.scorecard(frame)
    data = styler.data
    assert list(data.index) == ids
    card = analysis.scorecard(frame)
    for row in card.itertuples(index=False):
        assert data.loc[row.scheme, (row.scenario, "good share")] == pytest.approx(getattr(row, "_2"))
        assert data.loc[row.scheme, (row.scenario, "domain-lost")] == row[4]
    html = styler.to_html()
    sch = schemes.get("model-subelement")
    assert sch.pros[0].split("(")[0][:40] in html
    assert "%" in html
    if (card["domain-lost"] > 0).any():
        assert plots.COLOURS[Outcome.DOMAIN_LOST] in html


def test_cell_table_matches_the_cells(restart):
    styler = plots.cell_table(restart)
    worst = analysis.worst_cells(restart)
    for f, t, o, n in zip(worst["from"], worst["to"], worst["outcome"], worst["count"]):
        assert styler.data.loc[str(f), str(t)] == plots.cell_label(str(o), n)
    assert plots.COLOURS[Outcome.OK] in styler.to_html()


def test_xml_table_and_notes():
    forms = analysis.written_forms("pcie-root-port:ioh3420", ["model-subelement"], "real", ["1.2.18", "3.2.0"])
    html = plots.xml_table(forms).to_html()
    assert "&lt;model name=&#34;ioh3420&#34;/&gt;" in html  # escaped: shown as text, not swallowed as a tag
    assert "<model" not in html
    notes = plots.scheme_notes(analysis.scheme_notes(["status-quo", "impl-attribute"])).data
    assert list(notes.index) == ["status-quo", "impl-attribute"]
    assert notes.loc["impl-attribute", "cons"] == "\n".join(schemes.get("impl-attribute").cons)


def test_to_png_renders_png_bytes(restart):
    png = plots.to_png(plots.heatmap(restart).figure)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
