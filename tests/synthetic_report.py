"""The default report's front page and grid pages at full size, without running anything: every
question, variant, scheme, scenario and pair of releases of the default report, each grid cell
filled with the widest outcome code. The size and layout tests render these (the pages' weight and
width depend on the dimensions, not on the verdicts)."""

from __future__ import annotations

from pathlib import Path

from pcidesign.analysis import findings as _findings
from pcidesign.model.catalog import load
from pcidesign.model.vocab import Outcome
from pcidesign.render import plots
from pcidesign.render.htmlgrid import GridCell, OverviewCell
from pcidesign.report import frontpage, plan
from pcidesign.report import runner as report

WIDEST = (Outcome.DOMAIN_LOST, Outcome.ABORTED, Outcome.INFO_LOST, Outcome.OK)


def assets() -> frontpage.Assets:
    """Front-page assets with the default report's dimensions."""
    cat = load()
    variants = plan.scheme_ids(None)
    scenarios = plan.scenario_ids(None)
    views = []
    for n, q in enumerate(_findings.load_questions()):
        answers = {}
        for m, v in enumerate(variants):
            o = WIDEST[(n + m) % len(WIDEST)]
            answers[v] = frontpage.AnswerCell(v, o.value, plots.SHORT[o], plots.COLOURS[o], plots.text_colour(o),
                                              "a one-line answer " * 3, "witness", "why " * 10,
                                              f"findings/{q.id}/{v}.html")
        views.append(frontpage.FindingView(q.id, q.question, "who: quote", "how " * 10, "summary", None,
                                           f"findings/{q.id}/index.html", answers))
    grids = []
    for t in cat.timelines:
        releases = [r.id for r in cat.timeline(t)]
        for facet, caption in frontpage.FACETS:
            panels = {}
            over = {}
            for i, s in enumerate(variants):
                for j, c in enumerate(scenarios):
                    o = WIDEST[(i + j) % len(WIDEST)]
                    cell = GridCell(plots.SHORT[o], plots.COLOURS[o], plots.text_colour(o), "", o.value)
                    panels[(s, c)] = [[cell] * len(releases) for _ in releases]
                    over[(s, c)] = OverviewCell(plots.SHORT[o], o.value, len(releases) ** 2, len(releases) ** 2)
            grids.append(frontpage.GridView(t, facet, caption, releases, variants, scenarios, panels,
                                            frontpage._parts(scenarios), over))
    return frontpage.Assets(views, variants, grids, [], 0.0, {})


def summary() -> report.Summary:
    """A run log of the default report's jobs, every one ok."""
    jobs = plan.plan()
    recs = [report.Record(j.label, j.notebook, j.timeline, j.parameters, status="ok", seconds=1.0,
                          notebook_file=f"{j.label}.ipynb", html_file=f"{j.label}.html") for j in jobs]
    return report.Summary("run-synthetic", "run-synthetic", "now", 1.0, len(recs), 2, 0, 0.0, recs)


def write(folder: Path) -> dict[str, Path]:
    """The run's own pages at full size, written to ``folder``; by file name."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, text in frontpage.pages(summary(), {s.name: s for s in plan.NOTEBOOKS}, assets()).items():
        out[name] = folder / name
        out[name].write_text(text, encoding="utf-8")
    return out
