"""Figures from analysis frames: compatibility heatmaps, the small-multiples grid, the scorecard.

Plots know frames, never XML. Every function takes the Axes (or Figure) to draw on and returns
it; none calls ``show()``, so the same code serves notebooks, the batch report and headless tests.

Colours (:data:`COLOURS`) are ordered by severity: failures from pale yellow to near black,
the harmless outcomes in blue, ``not-expressible`` (not a failure) in grey; every pair stays
apart under the common colour-vision deficiencies (``tests/unit/render/test_palette.py``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from collections.abc import Callable

import matplotlib
import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from pandas.io.formats.style import Styler

from pcidesign.analysis import matrices as analysis
from pcidesign.model.errors import UsageError
from pcidesign.model.vocab import BY_SEVERITY, Outcome

COLOURS: dict[Outcome, str] = {
    Outcome.GUEST_CHANGED: "#1A1A1A",  # near black: the worst, darkest
    Outcome.DOMAIN_LOST: "#8E0152",  # dark magenta
    Outcome.ABORTED: "#E66101",  # orange
    Outcome.REJECTED: "#FDB863",  # light orange
    Outcome.INFO_LOST: "#FFF7BC",  # pale yellow
    Outcome.REWRITTEN: "#4393C3",  # mid blue
    Outcome.OK: "#C6DBEF",  # pale blue: the calmest
    Outcome.NOT_EXPRESSIBLE: "#8C8C8C",  # grey: not a failure
}
"""One colour per outcome, keyed in the severity order of docs/index.md#outcomes. The failures darken with
severity (CIELAB L* from about 97 for info-lost to 9 for guest-changed), the harmless outcomes are
blue, so the order survives any colour-vision deficiency; ``tests/unit/render/test_palette.py`` checks every
pair apart under simulated protanopia, deuteranopia and tritanopia."""

SHORT: dict[Outcome, str] = {
    Outcome.GUEST_CHANGED: "CHG",
    Outcome.DOMAIN_LOST: "LOST",
    Outcome.ABORTED: "ABRT",
    Outcome.REJECTED: "REJ",
    Outcome.INFO_LOST: "INFO",
    Outcome.REWRITTEN: "RW",
    Outcome.OK: "ok",
    Outcome.NOT_EXPRESSIBLE: "n/e",
}
"""The label written in a heatmap cell for each outcome."""

_CODE = {o: i for i, o in enumerate(BY_SEVERITY)}
CMAP = mcolors.ListedColormap([COLOURS[o] for o in BY_SEVERITY], name="pcidesign-outcomes")
"""The categorical colormap: code ``i`` is ``BY_SEVERITY[i]``."""

ROW_LABEL = "release that wrote the XML (A)"
COL_LABEL = "release that read it (B)"


def text_colour(outcome: Outcome | str) -> str:
    """Black or white, whichever reads better on the outcome's colour."""
    r, g, b = mcolors.to_rgb(COLOURS[Outcome(outcome)])
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if lum > 0.4 else "white"


def legend_handles() -> list[Patch]:
    """One patch per outcome, worst first, labelled ``SHORT  outcome``."""
    return [Patch(facecolor=COLOURS[o], edgecolor="0.4", label=f"{SHORT[o]}  {o.value}") for o in BY_SEVERITY]


def row_major(items: Sequence[Patch], ncol: int) -> list[Patch]:
    """Reorder ``items`` so that a legend with ``ncol`` columns (filled column by column, as
    matplotlib does) reads in the original order row by row."""
    nrow = -(-len(items) // ncol)
    return [items[r * ncol + c] for c in range(ncol) for r in range(nrow) if r * ncol + c < len(items)]


def cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as worst cells (from, to, outcome, count): a matrix frame is reduced with
    :func:`pcidesign.analysis.worst_cells`; a frame that already has a ``count`` is kept."""
    if "count" in frame.columns and "intent" not in frame.columns:
        return frame
    return analysis.worst_cells(frame)


PanelKey = tuple[object, object]
"""A panel of a grid: (scheme, scenario), as the frame holds them."""


def panel_cells(frame: pd.DataFrame) -> dict[PanelKey, pd.DataFrame]:
    """:func:`pcidesign.analysis.worst_cells` of every (scheme, scenario) panel of a sweep frame,
    in the frame's order of panels: the same frames as grouping the sweep by scheme and scenario
    and calling ``worst_cells`` on each group, but in one pass over the sweep (a report's grids
    have 126 panels: grouping and merging each panel apart took seconds). A frame whose outcome
    is not an ordered categorical (as the engine makes it) is reduced panel by panel."""
    keys = ["scheme", "scenario"]
    outcome = frame["outcome"] if "outcome" in frame.columns else None
    if outcome is None or frame.empty or not (isinstance(outcome.dtype, pd.CategoricalDtype) and outcome.dtype.ordered):
        return {k: analysis.worst_cells(g) for k, g in frame.groupby(keys, sort=False, observed=True)}
    by = [frame[c] for c in (*keys, "from", "to")]
    codes = pd.Series(outcome.cat.codes.to_numpy(), index=frame.index)
    top = codes.groupby(by, sort=False, observed=True).transform("max")
    hit = (codes == top) & (codes >= 0)  # a missing outcome is never the worst (the frame has none)
    agg = pd.DataFrame({"top": top, "hit": hit}).groupby(by, sort=False, observed=True).agg(
        top=("top", "first"), count=("hit", "sum"))
    index = agg.index
    schemes, scenarios = index.get_level_values(0), index.get_level_values(1)
    froms, tos = index.get_level_values(2), index.get_level_values(3)
    tops, counts = agg["top"].to_numpy(), agg["count"].to_numpy()
    starts: dict[PanelKey, list[int]] = {}
    for n, key in enumerate(zip(schemes, scenarios)):
        starts.setdefault(key, []).append(n)
    out: dict[PanelKey, pd.DataFrame] = {}
    for key, rows in starts.items():
        f, t = froms[rows], tos[rows]
        order = list(dict.fromkeys(f))
        worst = pd.DataFrame({
            "from": pd.Categorical(pd.Series(f), order, ordered=True),
            "to": pd.Categorical(pd.Series(t), order, ordered=True),
            "outcome": pd.Categorical.from_codes(tops[rows], dtype=outcome.dtype),
            "count": counts[rows].astype("int64"),
        })
        out[key] = worst.sort_values(["from", "to"]).reset_index(drop=True)
    return out


def _codes(worst: pd.DataFrame) -> tuple[np.ndarray, list[str], list[str], np.ndarray]:
    rows = [str(r) for r in dict.fromkeys(worst["from"])]
    cols = [str(c) for c in dict.fromkeys(worst["to"])]
    if isinstance(worst["from"].dtype, pd.CategoricalDtype):
        rows = [str(r) for r in worst["from"].cat.categories if str(r) in rows]
    if isinstance(worst["to"].dtype, pd.CategoricalDtype):
        cols = [str(c) for c in worst["to"].cat.categories if str(c) in cols]
    codes = np.full((len(rows), len(cols)), np.nan)
    counts = np.zeros((len(rows), len(cols)), dtype=int)
    ri, ci = {r: i for i, r in enumerate(rows)}, {c: j for j, c in enumerate(cols)}
    for f, t, o, n in zip(worst["from"], worst["to"], worst["outcome"], worst["count"]):
        codes[ri[str(f)], ci[str(t)]] = _CODE[Outcome(str(o))]
        counts[ri[str(f)], ci[str(t)]] = int(n)
    return codes, rows, cols, counts


def _title(frame: pd.DataFrame) -> str:
    parts = []
    for col, word in (("scheme", "scheme"), ("scenario", "scenario"), ("timeline", "timeline")):
        if col in frame.columns:
            values = list(dict.fromkeys(map(str, frame[col])))
            parts.append(f"{word} {', '.join(values)}")
    return " · ".join(parts + axes_note(frame))


def axes_note(frame: pd.DataFrame) -> list[str]:
    """``["machine q35", "pairing libvirt-only"]``: the axes of the frame's setting (``attrs["setting"]``,
    set by :func:`pcidesign.analysis.matrix`) changed from their defaults, but the timeline (a
    column) and the scope, so that every figure says which machine and pairing it used."""
    setting = frame.attrs.get("setting")
    if setting is None:
        return []
    return [f"{k} {v}" for k, v in setting.changed().items() if k not in ("timeline", "scope")]


def heatmap(
    frame: pd.DataFrame,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    annotate: bool = True,
    legend: bool = True,
    fontsize: float = 9.0,
    ticks: bool = True,
) -> Axes:
    """The compatibility heatmap of one scheme and scenario.

    ``frame`` is a :func:`pcidesign.analysis.matrix` frame (or its :func:`worst_cells`). Rows are
    the release that wrote the XML, columns the release that read it; each cell is coloured by
    the worst outcome over the intents and, with ``annotate``, shows the outcome's short label
    and how many intents reach it. The title names scheme, scenario and timeline (from the
    frame's columns) unless ``title`` is given. ``ticks`` False leaves the ticks to an Axes this
    one shares them with (a grid sets them once). Returns the Axes drawn on.
    """
    if frame.empty:
        raise UsageError("heatmap: the frame has no rows (no intents or no releases selected)")
    worst = cells(frame)
    codes, rows, cols, counts = _codes(worst)
    if ax is None:
        size = max(4.0, 0.75 * len(cols) + 3.5), max(3.0, 0.6 * len(rows) + 1.8)
        _fig, ax = plt.subplots(figsize=size, layout="constrained")
    ax.imshow(np.ma.masked_invalid(codes), cmap=CMAP, vmin=-0.5, vmax=len(BY_SEVERITY) - 0.5,
              aspect="auto", interpolation="nearest")
    if ticks:
        ax.set_xticks(range(len(cols)), cols, fontsize=fontsize)
        ax.set_yticks(range(len(rows)), rows, fontsize=fontsize)
        ax.set_xticks(np.arange(-0.5, len(cols)), minor=True)
        ax.set_yticks(np.arange(-0.5, len(rows)), minor=True)
    if max(map(len, cols)) > 4:
        ax.tick_params(axis="x", which="major", labelrotation=45)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    ax.tick_params(axis="both", which="major", labelsize=fontsize)
    ax.grid(which="minor", color="white", linewidth=1.0)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel(COL_LABEL, fontsize=fontsize)
    ax.set_ylabel(ROW_LABEL, fontsize=fontsize)
    if annotate:
        for i in range(len(rows)):
            for j in range(len(cols)):
                if np.isnan(codes[i, j]):
                    continue
                outcome = BY_SEVERITY[int(codes[i, j])]
                ax.text(j, i, f"{SHORT[outcome]}\n{counts[i, j]}", ha="center", va="center",
                        fontsize=fontsize * 0.85, color=text_colour(outcome), gid=f"cell-{i}-{j}")
    ax.set_title(title if title is not None else _title(frame), fontsize=fontsize * 1.15)
    if legend:
        ax.legend(handles=legend_handles(), loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  fontsize=fontsize * 0.85, title="worst outcome", title_fontsize=fontsize * 0.9,
                  frameon=False)
    return ax


def grid_size(schemes: int, scenarios: int) -> tuple[float, float]:
    """The figure size (inches) :func:`grid` uses for ``schemes`` rows and ``scenarios`` columns."""
    return 2.9 * scenarios + 1.6, 2.5 * schemes + 1.6


def grid(
    frame: pd.DataFrame,
    fig: Figure | None = None,
    *,
    schemes: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    annotate: bool = False,
    codes: bool = True,
    title: str | None = None,
) -> Figure:
    """Small multiples: one heatmap per scheme (rows) and scenario (columns), one shared legend.

    ``frame`` is a :func:`pcidesign.analysis.sweep` frame. Scheme names label the rows, scenario
    names the columns; release labels appear on the outer axes only. With ``codes`` each cell
    shows its outcome's short code (:data:`SHORT`) where it fits at a readable size; with
    ``annotate`` the code and the number of intents, as :func:`heatmap` does. Returns the Figure.
    """
    if frame.empty:
        raise UsageError("grid: the frame has no rows")
    schemes = list(schemes or dict.fromkeys(frame["scheme"]))
    scenarios = list(scenarios or dict.fromkeys(frame["scenario"]))
    if fig is None:
        fig = plt.figure(figsize=grid_size(len(schemes), len(scenarios)))
    axes = fig.subplots(len(schemes), len(scenarios), squeeze=False, sharex=True, sharey=True)
    panels = panel_cells(frame)  # every panel's worst cells at once: the heatmaps and the codes share them
    coded: list[tuple[Axes, np.ndarray]] = []
    ticked = False
    # The axes share their limits: each image setting them made every other panel follow (the
    # panels squared). When every panel has the same pairs of releases, the first sets them for all.
    shapes = {(len(set(map(str, w["from"]))), len(set(map(str, w["to"])))) for w in panels.values() if not w.empty}
    for i, scheme in enumerate(schemes):
        for j, scenario in enumerate(scenarios):
            ax = axes[i][j]
            worst = panels.get((scheme, scenario))
            if worst is None or worst.empty:
                ax.set_axis_off()
                continue
            if ticked and len(shapes) == 1:
                ax.set_autoscale_on(False)
            heatmap(worst, ax, title="", annotate=annotate, legend=False, fontsize=8, ticks=not ticked)
            ax.set_autoscale_on(True)
            ticked = True  # the axes share their ticks: set once, not once per panel
            if codes and not annotate:
                coded.append((ax, _codes(worst)[0]))
            ax.set_xlabel("")
            ax.set_ylabel("")
            if i == 0:
                ax.set_title(scenario, fontsize=13, fontweight="bold")
            if j == 0:
                ax.set_ylabel(str(scheme).replace("+", "\n+"), fontsize=12, fontweight="bold")  # a variant: one policy per line
            ax.tick_params(labelbottom=i == len(schemes) - 1, labelleft=j == 0)
    fig.supxlabel(COL_LABEL, fontsize=11)
    fig.supylabel(ROW_LABEL, fontsize=11, x=0.0)
    timelines = ", ".join(dict.fromkeys(map(str, frame["timeline"]))) if "timeline" in frame else ""
    note = " · ".join(axes_note(frame))
    heading = title if title is not None else f"Worst outcome per pair of releases · timeline {timelines}"
    w, h = fig.get_size_inches()
    fig.suptitle(heading + (f" · {note}" if note and note not in heading else ""),
                 fontsize=15, y=1 - 0.08 / h, va="top")
    fig.legend(handles=row_major(legend_handles(), 4), loc="upper center", ncol=4, fontsize=11,
               frameon=False, bbox_to_anchor=(0.5, 1 - 0.45 / h))
    # fixed margins in inches (row labels of two lines, rotated release names), not tight_layout,
    # which measures every tick label of every panel (seconds for a 40-panel grid)
    lines = max(str(s).count("+") + 1 for s in schemes)  # a variant's row label: one policy per line
    fig.subplots_adjust(left=(1.2 + 0.25 * lines) / w, right=1 - 0.15 / w, bottom=0.95 / h, top=1 - 1.6 / h,
                        wspace=0.12, hspace=0.16)
    for ax, panel in coded:
        write_codes(ax, panel)
    return fig


MIN_CODE_POINTS = 4.5
"""The smallest font size (points) at which :func:`write_codes` writes a cell's code."""


def write_codes(ax: Axes, codes: np.ndarray, max_points: float = 8.0) -> float:
    """Write each cell's outcome code (:data:`SHORT`) in the cell, at the largest size up to
    ``max_points`` that fits the cell's width and height on ``ax`` as laid out now; write nothing
    when that size is below :data:`MIN_CODE_POINTS`. ``codes`` holds ``BY_SEVERITY`` indices
    (NaN: no cell). Returns the font size used (0 when nothing was written)."""
    rows, cols = codes.shape
    if not rows or not cols:
        return 0.0
    box = ax.get_position()
    width_pt = box.width * ax.figure.get_figwidth() * 72 / cols
    height_pt = box.height * ax.figure.get_figheight() * 72 / rows
    longest = max(len(SHORT[o]) for o in BY_SEVERITY)
    size = min(max_points, 0.85 * width_pt / (0.62 * longest), 0.6 * height_pt)
    if size < MIN_CODE_POINTS:
        return 0.0
    for i in range(rows):
        for j in range(cols):
            if np.isnan(codes[i, j]):
                continue
            outcome = BY_SEVERITY[int(codes[i, j])]
            ax.text(j, i, SHORT[outcome], ha="center", va="center", fontsize=size,
                    color=text_colour(outcome), gid=f"code-{i}-{j}", in_layout=False)
    return size


def _cell_style(outcome_col: str) -> Callable[[object], str]:
    colour = COLOURS[Outcome(outcome_col)]
    ink = text_colour(outcome_col)

    def style(value: object) -> str:
        return f"background-color: {colour}; color: {ink}" if isinstance(value, (int, np.integer)) and value > 0 else ""

    return style


def scorecard(frame: pd.DataFrame, with_notes: bool = True) -> Styler:
    """The scorecard as a styled table: one row per scheme, per scenario the share of cells
    that are ok/rewritten and the counts of the four worst outcomes (coloured when non-zero),
    then the scheme's pros and cons from the thread.

    ``frame`` is a :func:`pcidesign.analysis.sweep` frame (or the output of
    :func:`pcidesign.analysis.scorecard_wide`).
    """
    wide = frame if isinstance(frame.columns, pd.MultiIndex) else analysis.scorecard_wide(frame, with_notes)
    styler = wide.style
    share_cols = [c for c in wide.columns if c[1] == "good share"]
    styler = styler.format("{:.0%}", subset=share_cols, na_rep="-")
    styler = styler.background_gradient(cmap="Greens", subset=share_cols, vmin=0.0, vmax=1.0)
    for outcome in ("guest-changed", "domain-lost", "aborted", "rejected"):
        subset = [c for c in wide.columns if c[1] == outcome]
        if subset:
            styler = styler.map(_cell_style(outcome), subset=subset)
    notes = [c for c in wide.columns if c[1] in ("pros", "cons")]
    if notes:
        styler = styler.format(escape="html", subset=notes).set_properties(subset=notes, **{"white-space": "pre-line", "text-align": "left",
                                                        "min-width": "18em", "font-size": "0.85em"})
    styler = styler.set_caption("Scorecard: share of expressible cells that are ok/rewritten, "
                                "and how many cells end in each of the four worst outcomes")
    return styler.set_table_styles([{"selector": "th", "props": "text-align: center"}], overwrite=False)


def scheme_notes(notes: pd.DataFrame) -> Styler:
    """The frame of :func:`pcidesign.analysis.scheme_notes` (id, place in the thread, naming,
    pros and cons, one row per scheme) as a styled table."""
    return notes.style.format(escape="html").set_properties(
        **{"white-space": "pre-line", "text-align": "left", "vertical-align": "top"})


def cell_label(outcome: Outcome | str, count: int) -> str:
    """The text of one cell in :func:`cell_table`: ``"domain-lost (6)"``."""
    return f"{Outcome(str(outcome)).value} ({int(count)})"


def cell_table(frame: pd.DataFrame) -> Styler:
    """The worst cells as a table shaped like the heatmap (rows: release that wrote, columns:
    release that read), each cell ``outcome (count)`` on the outcome's colour."""
    worst = cells(frame)
    _codes_, rows, cols, _counts = _codes(worst)
    table = pd.DataFrame("", index=rows, columns=cols)
    colours = pd.DataFrame("", index=rows, columns=cols)
    for f, t, o, n in zip(worst["from"], worst["to"], worst["outcome"], worst["count"]):
        table.loc[str(f), str(t)] = cell_label(str(o), n)
        colours.loc[str(f), str(t)] = f"background-color: {COLOURS[Outcome(str(o))]}; color: {text_colour(str(o))}"
    styler = table.style.apply(lambda _frame: colours, axis=None)
    return styler.set_caption(f"rows: {ROW_LABEL}; columns: {COL_LABEL}")


def xml_table(forms: pd.DataFrame) -> Styler:
    """A :func:`pcidesign.analysis.written_forms` frame as a styled table: XML in monospace,
    cells where the intent cannot be written greyed out."""
    xml_cols = [c for c in ("written", "saved", "migratable") if c in forms.columns]
    styler = forms.style.hide(axis="index").format(escape="html")
    styler = styler.set_properties(subset=xml_cols, **{"font-family": "monospace", "font-size": "0.85em",
                                                       "white-space": "pre-wrap", "text-align": "left"})
    grey = f"background-color: {COLOURS[Outcome.NOT_EXPRESSIBLE]}"
    return styler.apply(lambda row: [grey if not row.get("written") else "" for _ in row], axis=1)


def to_png(fig: Figure, dpi: int = 110) -> bytes:
    """``fig`` rendered as PNG bytes, cropped to its content (``bbox_inches="tight"``).

    Drawn once: ``savefig(bbox_inches="tight")`` draws the whole figure twice (once without
    rendering, to lay it out and measure it; once for the pixels), which doubled the time of the
    large grids. Here the figure's layout engine (if any) runs once, the tight box is measured on
    the same renderer savefig would use, and the figure is saved with that box and its layout
    fixed: the same pixels, one draw. Figures on another canvas than Agg, or with a layout that
    rcParams would bring back, are saved as before."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buf = io.BytesIO()
    if (not isinstance(fig.canvas, FigureCanvasAgg) or matplotlib.rcParams["figure.autolayout"]
            or matplotlib.rcParams["figure.constrained_layout.use"]):
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        return buf.getvalue()
    engine = fig.get_layout_engine()
    original_dpi = fig.dpi
    try:
        fig.dpi = dpi  # as savefig does: the layout and the measures at the resolution drawn
        if engine is not None:
            engine.execute(fig)
        box = fig.get_tightbbox(fig.canvas.get_renderer())
        fig.set_layout_engine(None)  # laid out: savefig now draws once (no layout pass of its own)
    finally:
        fig.dpi = original_dpi
    try:
        pad = matplotlib.rcParams["savefig.pad_inches"]
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches=box.padded(pad, pad))
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)
    return buf.getvalue()
