"""The default report's front page and grid pages at full size, without running anything: every
question, variant, scheme, scenario and pair of releases of the default report, each grid cell
filled with the widest outcome code. The size and layout tests render these (the pages' weight and
width depend on the dimensions, not on the verdicts)."""

from __future__ import annotations

from pathlib import Path

from pcidesign.analysis import findings as _findings
from pcidesign.model import registry
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
                                           f"findings/{q.id}/index.html", answers, "whatif"))
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
    names = [registry.name_of(v) for v in variants]
    paretos, bottom = [], []
    for t in cat.timelines:
        rows = [{"variant": v, "violated": i % 5, "worse": 23, "benefit": "0.86", "expressiveness": "0.80",
                 "front": i % 2 == 0} for i, v in enumerate(variants)]
        paretos.append(frontpage.ParetoView(t, "upstream", frontpage.Image("caption", f"pareto-{t}.png", "alt"),
                                            rows, []))
        bottom.append((t, f"6 of {len(variants)} variants keep every rule of the upstream support policy; "
                          + "; ".join(f"{n} breaks 4 rules (downgrade, migrate-forward, resave-downgrade, upgrade)"
                                      for n in names[:4])
                          + ". On the Pareto front: " + "; ".join(f"{n} (benefit 1.00, 1 rule broken)" for n in names[::2])
                          + ". " + ", ".join(names[1::2]) + " give no new controller the preferred device (benefit 0)."))
    across = ("The answer depends on the timeline: on whatif, which adds H1 and H2 to the releases of real, "
              + " and ".join(names[:2]) + " leave the front (" + "; ".join(
                  f"{n}: 4 rules broken on whatif, 0 on real" for n in names[:2]) + ").")
    q = views[0]
    picks = [frontpage.PickView(v.question, variants[i], Outcome.GUEST_CHANGED.value, "CHG",
                                "restart pcie-root-port:ioh3420 1.2.18 -> H1", v.answers[variants[i]].href,
                                "pcidesign explain --scheme model-subelement+fill=define-only --scenario "
                                "migrate-roundtrip --intent pcie-root-port:ioh3420 --from 1.2.18 --to H1 "
                                "--timeline whatif", f"{names[i]} (on the Pareto front, guest-changed) on timeline "
                                "whatif") for i, v in enumerate(views[:3])]
    return frontpage.Assets(views, variants, grids, paretos, 0.0, {}, bottom, across, picks)


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
