"""The explorer behind ``notebooks/00_explore.ipynb``: one heatmap, its failing cells, and a chosen
cell explained hop by hop with the XML.

:func:`view` computes one static view from plain parameters (what papermill runs);
:class:`Explorer` puts ipywidgets controls (variant, scenario, timeline, pairing, intents) around
the same computation, redraws the heatmap when a control changes, and explains the cell chosen
in the dropdown of failing cells. :func:`widgets_wanted` decides whether to build the controls:
a kernel started by a Jupyter server (JupyterLab, Notebook) has ``JPY_SESSION_NAME`` set; a
papermill run does not, and shows only the static view.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


import pandas as pd

from pcidesign.analysis import findings as _findings
from pcidesign.analysis import matrices
from pcidesign.model import engine
from pcidesign.model import registry as _schemes
from pcidesign.model import scenarios as _scenarios
from pcidesign.model.catalog import DEFAULT_TIMELINE, Catalog, load
from pcidesign.model.setting import AXES, PAIRINGS, SCOPES, SHOWN_SCOPE, Setting
from pcidesign.model.errors import UnknownNameError
from pcidesign.model.vocab import Outcome
from pcidesign.render import plots
from pcidesign.render.text import explanation

INTENT_GROUPS = _findings.INTENT_GROUPS
"""Intent choices besides single intents: every intent, default-device or named-device ones."""
WIDGETS = ("auto", "yes", "no")
SHOWN = 12
"""How many failing cells the static view lists (all of them are in ``failing.csv``)."""


@dataclass(frozen=True)
class Cell:
    """One cell of the matrix: an intent written at ``a`` and read at ``b``, and its outcome."""

    intent: str
    a: str
    b: str
    outcome: Outcome

    @property
    def label(self) -> str:
        """``guest-changed: dmi-to-pci-bridge 1.2.18 -> H1``."""
        return f"{self.outcome.value}: {self.intent} {self.a} -> {self.b}"

    @property
    def key(self) -> str:
        """``dmi-to-pci-bridge 1.2.18 H1``: the form the ``cell`` parameter takes."""
        return f"{self.intent} {self.a} {self.b}"


@dataclass(frozen=True)
class View:
    """One state of the explorer: the matrix, its failing cells (worst first), the chosen cell."""

    variant: str
    scenario: str
    setting: Setting
    intents: tuple[str, ...]
    frame: pd.DataFrame
    failing: tuple[Cell, ...]
    chosen: Cell | None
    result: engine.Result | None

    @property
    def timeline(self) -> str:
        """The timeline of the view."""
        return self.setting.timeline

    @property
    def pairing(self) -> str:
        """The pairing of the view."""
        return self.setting.pairing

    @property
    def left_out(self) -> str:
        """What scope ``naming`` left out of the heatmap, in words ('' under scope ``all``)."""
        if self.setting.scope != "naming":
            return ""
        from pcidesign.analysis.scope import left_out

        cat = load()
        return left_out(cat, [cat.intent(i) for i in self.intents], cat.timeline(self.timeline)).text()

    @property
    def explanation(self) -> str:
        """The chosen cell hop by hop with the XML ('' when no cell fails)."""
        return explanation(self.result, name=_schemes.label_of) if self.result is not None else ""


def intent_ids(spec: str | Sequence[str], catalog: Catalog | None = None) -> list[str]:
    """``"default"`` / ``"named"`` / ``"all"`` / an intent id / a list of them -> intent ids."""
    items = [spec] if isinstance(spec, str) else list(spec)
    return [i.id for i in _findings.select_intents(catalog or load(), items or ["all"])]


def view(variant: str, scenario: str, timeline: str | None = None, pairing: str | None = None,
         intents: str | Sequence[str] = "all", cell: str = "", catalog: Catalog | None = None,
         setting: Setting | None = None, scope: str | None = None) -> View:
    """Compute one view under ``setting`` (``timeline``, ``pairing`` and ``scope``: shorthands for
    those axes; without a setting the scope is :data:`~pcidesign.model.setting.SHOWN_SCOPE`,
    the naming signal apart). ``cell`` (``"INTENT FROM TO"``) picks the cell to explain; empty:
    the worst failing cell. Unknown names raise, listing the valid ones."""
    cat = catalog or load()
    if setting is None and scope is None:
        scope = SHOWN_SCOPE
    st = Setting.of(setting, timeline=timeline, pairing=pairing, scope=scope).check(cat)
    timeline = st.timeline
    its = intent_ids(intents, cat)
    frame = matrices.matrix(variant, scenario, intents=its, catalog=cat, setting=st)
    failing = sorted(
        (Cell(i, str(a), str(b), Outcome(str(o)))
         for i, a, b, o in frame[["intent", "from", "to", "outcome"]].itertuples(index=False)
         if Outcome(str(o)).is_failure),
        key=lambda c: -c.outcome.severity)
    chosen: Cell | None = failing[0] if failing else None
    if cell:
        parts = cell.split()
        if len(parts) != 3:
            raise UnknownNameError("cell", cell, ["INTENT FROM TO, e.g. 'dmi-to-pci-bridge 1.2.18 H1'"])
        intent, a, b = parts
        cat.release(a, timeline)
        cat.release(b, timeline)
        res = engine.run(variant, scenario, cat.intent(intent).id, a, b, cat, st)
        chosen = Cell(intent, a, b, res.outcome)
    result = engine.run(variant, scenario, chosen.intent, chosen.a, chosen.b, cat, st) if chosen else None
    return View(_schemes.get(variant).id, _scenarios.get(scenario).id, st, tuple(its), frame,
                tuple(failing), chosen, result)


def failing_table(v: View) -> pd.DataFrame:
    """The failing cells of ``v``, worst first: outcome, intent, from, to."""
    return pd.DataFrame([{"outcome": c.outcome.value, "intent": c.intent, "from": c.a, "to": c.b} for c in v.failing],
                        columns=["outcome", "intent", "from", "to"])


def explanation_html(v: View) -> str:
    """The chosen cell's explanation as escaped, preformatted HTML."""
    if v.result is None:
        return "<p>No cell fails: nothing worse than 'rewritten'.</p>"
    c = v.chosen
    assert c is not None
    head = (f"<h4>{html.escape(_schemes.label_of(v.variant))} · {html.escape(v.scenario)} · {html.escape(c.intent)} "
            f"{html.escape(c.a)} &rarr; {html.escape(c.b)}: {html.escape(v.result.outcome.value)}</h4>")
    return f'{head}<pre style="font-size: 0.85em; white-space: pre-wrap">{html.escape(v.explanation)}</pre>'


def heatmap_png(v: View, dpi: int = 100) -> bytes:
    """The heatmap of ``v`` as PNG bytes."""
    import matplotlib.pyplot as plt

    ax = plots.heatmap(v.frame, title=f"{_schemes.label_of(v.variant)} · {v.scenario} · {v.setting.label()} · "
                                      f"{len(v.intents)} intent(s)")
    png = plots.to_png(ax.figure, dpi)
    plt.close(ax.figure)
    return png


def widgets_wanted(mode: str = "auto") -> bool:
    """Whether to build the ipywidgets controls: ``yes``, ``no``, or ``auto`` (a Jupyter server
    started this kernel; papermill does not)."""
    if mode not in WIDGETS:
        raise UnknownNameError("widgets", mode, WIDGETS)
    return mode == "yes" or (mode == "auto" and bool(os.environ.get("JPY_SESSION_NAME")))


class Explorer:
    """ipywidgets controls around :func:`view`, beside the explanation: one clickable heatmap (a
    button per pair of releases, coloured and labelled by its worst outcome) and the dropdown of
    failing cells, kept in sync (a click selects its cell in the dropdown when it fails); the chosen
    cell is explained hop by hop with the XML. Variants are listed by their names in the thread."""

    def __init__(self, variant: str, scenario: str, timeline: str = DEFAULT_TIMELINE,
                 pairing: str = AXES["pairing"].default, intents: str = "all", scope: str = SHOWN_SCOPE) -> None:
        import ipywidgets as w

        cat = load()
        chosen = _schemes.get(variant).id
        ids = list(dict.fromkeys([*_schemes.variant_ids(), chosen]))  # every scheme and single-policy variant
        wide = {"description_width": "6em"}
        full = w.Layout(width="34em")
        self.variant = w.Dropdown(options=[(_schemes.label_of(v), v) for v in ids], value=chosen,
                                  description="variant", style=wide, layout=full)
        self.scenario = w.Dropdown(options=list(_scenarios.scenario_ids()), value=scenario, description="scenario",
                                   style=wide, layout=full)
        self.timeline = w.Dropdown(options=list(cat.timelines), value=timeline, description="timeline",
                                   style=wide, layout=full)
        self.pairing = w.Dropdown(options=list(PAIRINGS), value=pairing, description="pairing", style=wide,
                                  layout=full)
        own = [] if intents in INTENT_GROUPS or intents in cat.intents else [cat.intent(intents).id]  # a user's values
        self.intents = w.Dropdown(options=list(INTENT_GROUPS) + list(cat.intents) + own, value=intents,
                                  description="intents", style=wide, layout=full)
        self.scope = w.Dropdown(options=list(SCOPES), value=scope, description="scope", style=wide, layout=full)
        self.cell = w.Dropdown(options=[], description="failing cell", style=wide, layout=full)
        self.picker = w.GridBox()
        self.status = w.HTML()
        self.explained = w.HTML(layout=w.Layout(width="100%"))
        self.current: View | None = None
        self._syncing = False
        for control in (self.variant, self.scenario, self.timeline, self.pairing, self.intents, self.scope):
            control.observe(lambda _change: self.redraw(), names="value")
        self.cell.observe(lambda _change: None if self._syncing else self.explain(), names="value")
        controls = w.VBox([
            self.variant, self.scenario, self.timeline, self.pairing, self.intents, self.scope, self.status,
            w.HTML("<b>Click a cell</b> (row: the release that wrote the XML; column: the release that read it; "
                   "each the worst intent of the pair) or choose a failing cell:"),
            self.picker, self.cell,
        ], layout=w.Layout(flex="0 0 auto", width="36em"))
        self.widget = w.HBox([controls, w.VBox([self.explained], layout=w.Layout(flex="1 1 auto", min_width="0"))],
                             layout=w.Layout(align_items="flex-start", width="100%"))
        self.redraw()

    @property
    def image(self) -> Any:
        """The heatmap, as the clickable grid (kept under its former name)."""
        return self.picker

    def redraw(self) -> None:
        """Recompute the view from the controls and redraw the heatmap and the failing cells."""
        try:
            v = view(self.variant.value, self.scenario.value, self.timeline.value, self.pairing.value,
                     self.intents.value, scope=self.scope.value)
        except Exception as exc:  # noqa: BLE001 - shown in the widget, not raised into the event loop
            self.status.value = f"<b>cannot draw:</b> {html.escape(str(exc))}"
            return
        self.current = v
        gone = v.left_out
        self.status.value = (f"{_schemes.label_of(v.variant)} &middot; {html.escape(v.setting.label())}: "
                             f"{len(v.frame)} cells, {len(v.failing)} failing"
                             + (f"<br><small>{html.escape(gone)}</small>" if gone else ""))
        options = [(c.label, c.key) for c in v.failing]
        self._syncing = True
        try:
            self.cell.options = options
            self.cell.value = options[0][1] if options else None
        finally:
            self._syncing = False
        self.picker.children, self.picker.layout = self._picker(v)
        self.explain()

    def _picker(self, v: View) -> tuple[tuple[Any, ...], Any]:
        """The heatmap: one button per pair of releases, coloured and labelled by its worst outcome;
        clicking one explains the worst intent of that pair."""
        import ipywidgets as w

        worst = matrices.worst_cells(v.frame)
        releases = [r.id for r in load().timeline(v.timeline)]
        by_pair = {(str(a), str(b)): Outcome(str(o)) for a, b, o in worst[["from", "to", "outcome"]].itertuples(index=False)}
        first = {}
        for c in sorted((Cell(i, str(a), str(b), Outcome(str(o))) for i, a, b, o in
                         v.frame[["intent", "from", "to", "outcome"]].itertuples(index=False)),
                        key=lambda c: -c.outcome.severity):
            first.setdefault((c.a, c.b), c)
        label = w.Layout(width="auto", overflow="visible")
        children: list[Any] = [w.HTML("")] + [w.HTML(f"<small>{html.escape(r)}</small>", layout=label)
                                              for r in releases]
        for a in releases:
            children.append(w.HTML(f"<small>{html.escape(a)}</small>", layout=label))
            for b in releases:
                o = by_pair.get((a, b))
                if o is None:
                    children.append(w.HTML("<small>&ndash;</small>", layout=label))
                    continue
                button = w.Button(description=plots.SHORT[o], tooltip=f"{a} -> {b}: {o.value}",
                                  layout=w.Layout(width="100%", height="26px", padding="0", margin="0"))
                button.style.button_color = plots.COLOURS[o]
                button.style.text_color = plots.text_colour(o)
                button.style.font_weight = "bold"
                button.on_click(lambda _b, c=first[(a, b)]: self.choose(c))
                children.append(button)
        layout = w.Layout(grid_template_columns=f"3.6em repeat({len(releases)}, 2.9em)", grid_gap="2px")
        return tuple(children), layout

    def choose(self, c: Cell) -> None:
        """Explain cell ``c`` (what clicking the heatmap does) and select it in the dropdown when it
        is a failing cell (otherwise the dropdown is cleared: it lists failing cells only)."""
        v = self.current
        if v is None:
            return
        keys = [k for _, k in self.cell.options]
        self._syncing = True
        try:
            self.cell.value = c.key if c.key in keys else None
        finally:
            self._syncing = False
        self.explained.value = explanation_html(view(v.variant, v.scenario, v.timeline, v.pairing, list(v.intents),
                                                     cell=c.key, setting=v.setting))

    def explain(self) -> None:
        """Explain the cell chosen in the dropdown (the worst one after a redraw)."""
        v = self.current
        if v is None:
            return
        if self.cell.value:
            v = view(v.variant, v.scenario, v.timeline, v.pairing, list(v.intents), cell=self.cell.value,
                     setting=v.setting)
        self.explained.value = explanation_html(v)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def show(v: View, out_dir: str = "", heatmap: bool = True) -> None:
    """Display one static view (heatmap, what scope ``naming`` left out, failing cells, the chosen
    cell explained); with ``out_dir``, also write ``heatmap.png`` and ``failing.csv`` there. With
    ``heatmap`` False (the controls show it), only the files are written and one line says so."""
    from IPython.display import HTML, Image, display

    from pcidesign.report.params import Outputs

    out = Outputs(out_dir)
    png = heatmap_png(v)
    if out.dir is not None:
        (out.dir / "heatmap.png").write_bytes(png)
    if not heatmap:
        out.table(failing_table(v), "failing")
        display(HTML("<p>The controls below show this view: one heatmap, the failing cells, the chosen cell "
                     "explained.</p>"))
        return
    display(Image(data=png, format="png"))
    if v.left_out:
        display(HTML(f"<p><small>{html.escape(v.left_out)}</small></p>"))
    display(out.table(failing_table(v), "failing").head(SHOWN))
    display(HTML(explanation_html(v)))


__all__ = ["Cell", "Explorer", "View", "explanation_html", "failing_table", "heatmap_png", "intent_ids", "show",
           "view", "widgets_wanted"]

