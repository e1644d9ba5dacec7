"""The report's front page, findings first, and the run's other own pages: rendered from Jinja2
templates (``templates/``).

``index.html`` shows, top to bottom: links to the one-page summary and to notebook 01 (the XML
each scheme writes); the findings table (one row per question of ``data/questions.csv``, one
column per variant by its name in the thread, each cell the variant's worst outcome linking to its
witness explained step by step, each step's XML as a diff against the one before); the Pareto
plots; an overview of the grids (per timeline and intent facet, one cell per scheme and scenario:
the worst outcome and how many pairs of releases reach it); and last the run log. Every pair of
releases is on one page per timeline, ``grids-TIMELINE.html`` (tables that fit 1920 px, coloured
by CSS classes: the front page stays light). ``summary.html`` is the one-page summary for a
meeting (:func:`pages`). :func:`build_assets` makes everything the pages link to besides the
notebooks (a page per question and per answer, ``findings.json``) in memory, and the grids;
:class:`AssetBuilder` runs it in a thread while the notebooks run, and the report writes the
files (:meth:`Assets.write`) only once the batch is done, so an interrupted run leaves nothing
half-written behind.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import jinja2
import markupsafe

from pcidesign.analysis import findings as _findings
from pcidesign.analysis import results as _results
from pcidesign.analysis.results import Results
from pcidesign.model.catalog import Catalog, load
from pcidesign.model.setting import Setting
from pcidesign.model.vocab import BY_SEVERITY, Outcome
from pcidesign.render import findingstext, htmlgrid, plots, witnessdiff
from pcidesign.render.htmlgrid import GridCell



class RunRecord(Protocol):
    """What the page shows of one notebook run (``runner.Record``)."""

    id: str
    notebook: str
    timeline: str
    parameters: dict[str, Any]
    status: str
    seconds: float
    notebook_file: str | None
    html_file: str | None
    outputs: list[str]
    error: str | None


class RunSummary(Protocol):
    """What the page shows of a whole run (``runner.Summary``)."""

    run: str
    started: str
    seconds: float
    jobs: int
    workers: int
    failed: int

    @property
    def runs(self) -> Sequence[RunRecord]: ...


class Titled(Protocol):
    """A notebook spec, for its title (``runner.NotebookSpec``)."""

    title: str

FACETS: tuple[tuple[str, str], ...] = (
    ("default", "default-device intents (the class, with whatever device the release picks)"),
    ("named", "named-device intents (a device pinned by name)"),
)
"""The intent facets of the grids: id and caption."""


@dataclass(frozen=True)
class AnswerCell:
    """One variant's answer to one question, as the front page shows it."""

    variant: str
    outcome: str
    code: str
    colour: str
    ink: str
    line: str
    witness: str
    why: str
    href: str


@dataclass(frozen=True)
class FindingView:
    """One question for the templates: its words, how it is answered, and its answers."""

    id: str
    question: str
    attribution: str
    how: str
    summary: str
    skipped: str | None
    href: str
    answers: dict[str, AnswerCell]
    timeline: str = ""
    """The timeline the question is answered on."""


@dataclass(frozen=True)
class PickView:
    """A witness the one-page summary shows (:func:`pcidesign.render.bottomline.important`)."""

    question: str
    variant: str
    outcome: str
    code: str
    witness: str
    href: str
    command: str | None
    reason: str


@dataclass(frozen=True)
class Image:
    """A figure on the front page."""

    title: str
    src: str
    alt: str


@dataclass(frozen=True)
class ParetoView:
    """One timeline's comparison under a support policy: the scatter and its table."""

    timeline: str
    policy: str
    image: Image
    rows: list[dict[str, Any]]
    violations: list[str]
    assumptions: str = ""
    """One sentence: the setting the front was drawn under and how to see what it depends on."""
    guarded: str = ""
    """One sentence: the shipped design with its default change unguarded beside guarded (computed)."""


POLICY = "upstream"
"""The support policy the front page's Pareto plots use (``pcidesign compare --policy`` for others)."""


@dataclass
class Assets:
    """What :func:`build_assets` wrote, for :func:`index_html`."""

    findings: list[FindingView] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)
    grids: list[GridView] = field(default_factory=list)
    paretos: list[ParetoView] = field(default_factory=list)
    seconds: float = 0.0
    files: dict[str, bytes] = field(default_factory=dict)
    bottom: list[tuple[str, str]] = field(default_factory=list)
    """(timeline, its bottom line in words), computed from the comparison."""
    across: str = ""
    """Why the timelines' fronts differ, in words ('' when they agree)."""
    picks: list[PickView] = field(default_factory=list)
    """The witnesses the one-page summary shows first."""

    def write(self, root: str | Path) -> list[str]:
        """Write :attr:`files` under ``root``; return their relative paths."""
        for rel, data in self.files.items():
            target = Path(root) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return sorted(self.files)


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("pcidesign.report", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["url"] = lambda path: urllib.parse.quote(str(path))
    env.filters["breakable"] = _breakable
    env.globals["outcome_css"] = outcome_css()
    env.globals["name_of"] = _name
    return env


def _name(variant: str) -> str:
    """The thread's name of a variant; the id itself for one the registry does not know."""
    from pcidesign.model import registry

    try:
        return registry.name_of(variant)
    except Exception:  # noqa: BLE001 - a plugin's variant removed since: its id is its name
        return variant


def outcome_css() -> markupsafe.Markup:
    """A CSS class per outcome (``.o-ok``...) with its colours, so a cell says ``class="o-ok"``
    instead of an inline style (the grids have thousands of cells)."""
    return markupsafe.Markup("\n".join(
        f".o-{o.value} {{ background: {plots.COLOURS[o]}; color: {plots.text_colour(o)}; }}" for o in BY_SEVERITY))


def _breakable(name: str) -> markupsafe.Markup:
    """``name`` (escaped) with a line-break opportunity after each '-' and before each '+'."""
    text = str(markupsafe.escape(name))
    return markupsafe.Markup(text.replace("-", "-<wbr>").replace("+", "<wbr>+"))


def legend() -> list[dict[str, str]]:
    """The outcome legend: code, name, colours and meaning, worst first."""
    return [{"code": plots.SHORT[o], "outcome": o.value, "colour": plots.COLOURS[o],
             "ink": plots.text_colour(o), "meaning": o.meaning} for o in BY_SEVERITY]


def _page(variant: str) -> str:
    return "".join(c if c.isalnum() or c in "-._+=" else "_" for c in variant) + ".html"


def findings_pages(files: dict[str, bytes], schemes: Sequence[str] | None = None,
                   setting: Setting | None = None,
                   collect: list[_findings.Finding] | None = None) -> tuple[list[FindingView], list[str]]:
    """Answer every question; add ``findings.json``, a page per question (``findings/ID/index.html``)
    and per answer (``findings/ID/VARIANT.html``) to ``files``; return the views and the variants
    (columns) for the index. ``schemes`` limits the answers to those variants (all by default);
    ``collect``, when given, receives the findings themselves."""
    found = _findings.findings(setting=setting)
    if schemes is not None:
        keep = set(schemes)
        found = [_findings.Finding(f.question, f.setting,
                                   tuple(a for a in f.answers if a.variant in keep), f.skipped, f.releases)
                 for f in found]
    if collect is not None:
        collect.extend(found)
    env = _env()
    files["findings.json"] = json.dumps(findingstext.to_json(found), indent=2, ensure_ascii=False).encode()
    views: list[FindingView] = []
    variants: list[str] = []
    for f in found:
        folder = f"findings/{f.question.id}"
        cells: dict[str, AnswerCell] = {}
        for a in f.answers:
            if a.variant not in variants:
                variants.append(a.variant)
            page = _page(a.variant)
            shown = a.outcome if not a.mark else Outcome.OK if a.mark == "front" else Outcome.NOT_EXPRESSIBLE
            cells[a.variant] = AnswerCell(
                a.variant, a.mark or a.outcome.value, a.mark or plots.SHORT[a.outcome], plots.COLOURS[shown],
                plots.text_colour(shown), a.line, a.witness.text if a.witness else "", a.why,
                f"findings/{f.question.id}/{page}")
            files[f"{folder}/{page}"] = env.get_template("answer.html.j2").render(
                finding=f, answer=a, attribution=findingstext.attribution(f), cell=cells[a.variant],
                explanation=findingstext.explanation(a), witness=witnessdiff.of_answer(a), context=witnessdiff.CONTEXT,
                command=a.witness.command if a.witness else None).encode()
        view = FindingView(f.question.id, f.question.question, findingstext.attribution(f), f.how, f.summary,
                           f.skipped, f"findings/{f.question.id}/index.html", cells, f.timeline)
        files[f"{folder}/index.html"] = env.get_template("question.html.j2").render(
            finding=view, legend=legend()).encode()
        views.append(view)
    return views, variants


@dataclass(frozen=True)
class GridView:
    """The grid of one timeline and intent facet: schemes x scenarios panels of release pairs,
    shown in :attr:`parts` (groups of scenarios narrow enough to fit the page side by side)."""

    timeline: str
    facet: str
    caption: str
    releases: list[str]
    schemes: list[str]
    scenarios: list[str]
    panels: dict[tuple[str, str], list[list[GridCell | None]]]
    parts: list[tuple[str, list[str]]] = field(default_factory=list)
    """(caption, scenarios) per table of the grid page: the core scenarios, then the others."""
    overview: dict[tuple[str, str], htmlgrid.OverviewCell] = field(default_factory=dict)
    """Per (scheme, scenario): the worst outcome over the panel's pairs, for the front page."""

    @property
    def page(self) -> str:
        """The page (relative to the run) that shows this grid's panels."""
        return f"grids-{self.timeline}.html"

    @property
    def anchor(self) -> str:
        """The id of this grid on its page (and of its overview on the front page)."""
        return f"grid-{self.timeline}-{self.facet}"


PART_WIDTH = 5
"""At most this many scenarios side by side in a table of the grid page (ten releases a panel fit
1920 px at legible codes)."""


def _parts(scenarios: Sequence[str]) -> list[tuple[str, list[str]]]:
    from pcidesign.model.scenarios import CORE

    core = [s for s in scenarios if s in CORE]
    rest = [s for s in scenarios if s not in CORE]
    out: list[tuple[str, list[str]]] = []
    for caption, group in (("the four scenarios of the design: upgrade, downgrade and migration", core),
                           ("the lifecycle scenarios", rest)):
        for n in range(0, len(group), PART_WIDTH):
            out.append((caption, group[n:n + PART_WIDTH]))
    return out


def grid_views(results: Mapping[str, Results], catalog: Catalog | None = None) -> list[GridView]:
    """Per timeline (the report's results of each), the worst outcome per pair of releases (scope
    ``naming``) for every scheme and scenario, once over default-device and once over named-device
    intents (HTML cells, :mod:`pcidesign.render.htmlgrid`: each carries its outcome code), with
    the overview of each panel (its worst outcome and how many pairs reach it)."""
    cat = catalog or load()
    default = {i.id for i in cat.intents.values() if i.device is None}
    out: list[GridView] = []
    for t, res in results.items():
        frame = res.cells("naming")
        releases = [r.id for r in cat.timeline(t)]
        is_default = frame["intent"].isin(default)
        for facet, caption in FACETS:
            part = frame[is_default if facet == "default" else ~is_default]
            if part.empty:
                continue
            worst = plots.panel_cells(part)  # the panels and the overview share them
            out.append(GridView(t, facet, caption, releases, list(res.variants), list(res.scenarios),
                                htmlgrid.panels(part, releases, f"{facet}-device intent", worst),
                                _parts(res.scenarios), htmlgrid.overview(part, worst)))
    return out


def results_for(timelines: Sequence[str], schemes: Sequence[str], scenarios: Sequence[str],
                setting: Setting | None = None, catalog: Catalog | None = None) -> dict[str, Results]:
    """The report's results, computed once per timeline (:mod:`pcidesign.analysis.results`)."""
    return {t: _results.compute(list(schemes), list(scenarios), Setting.of(setting, timeline=t), POLICY, catalog)
            for t in timelines}


def build_assets(results: Mapping[str, Results], schemes: Sequence[str], limit_variants: bool = False,
                 setting: Setting | None = None) -> Assets:
    """The findings pages, the grids and the Pareto views, in memory (see the module docstring),
    from the report's ``results`` (computed once); ``limit_variants`` limits the findings to ``schemes``."""
    import time

    start = time.perf_counter()
    files: dict[str, bytes] = {}
    cat = load()
    found: list[_findings.Finding] = []
    views, variants = findings_pages(files, schemes if limit_variants else None, setting, found)
    grids = grid_views(results, cat)
    paretos = pareto_views(results, files)
    bottom, across, picks = bottom_line(results, found, cat)
    return Assets(views, variants, grids, paretos, round(time.perf_counter() - start, 3), files, bottom, across,
                  picks)


def bottom_line(results: Mapping[str, Results], found: Sequence[_findings.Finding],
                catalog: Catalog | None = None) -> tuple[list[tuple[str, str]], str, list[PickView]]:
    """The one-page summary's words, computed (:mod:`pcidesign.render.bottomline`): each
    timeline's bottom line, why the timelines' fronts differ, and the three witnesses to see first."""
    from pcidesign.render import bottomline

    cat = catalog or load()
    comparisons = {t: r.comparison for t, r in results.items()}
    bottom = [(t, bottomline.timeline_line(c, _name).text) for t, c in comparisons.items()]
    across = bottomline.across(comparisons, {t: [r.id for r in cat.timeline(t)] for t in comparisons}, _name)
    front = {str(r["variant"]) for c in comparisons.values() for r in c.summary.to_dict("records") if r["pareto"]}
    picks = [PickView(p.finding.question.question, p.answer.variant, p.answer.outcome.value,
                      plots.SHORT[p.answer.outcome], p.answer.witness.text if p.answer.witness else "",
                      f"findings/{p.finding.question.id}/{_page(p.answer.variant)}",
                      p.answer.witness.command if p.answer.witness else None, p.reason)
             for p in bottomline.important(found, front, name=_name)]
    return bottom, across, picks


def pareto_views(results: Mapping[str, Results], files: dict[str, bytes]) -> list[ParetoView]:
    """Per timeline, every variant against the support policy of its results: the Pareto scatter
    (added to ``files`` as ``pareto-TIMELINE.png``), the table behind it and each broken rule with
    its witness."""
    import io

    from matplotlib.figure import Figure  # no pyplot: this runs in a thread beside the notebooks

    from pcidesign.render import comparetext, paretoplot

    out: list[ParetoView] = []
    for t, res in results.items():
        c = res.comparison
        fig = Figure(figsize=(9.5, 5.5))
        paretoplot.pareto_scatter(c.summary, fig.subplots(),
                                  title=f"support policy {c.policy}, {c.setting.label(skip=('scope',))}")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
        name = f"pareto-{t}.png"
        files[name] = buf.getvalue()
        rows = comparetext.summary_records(c)
        alt = "; ".join(f"{r['variant']}: {r['violated']} rules broken, benefit {r['benefit']}" for r in rows)
        caption = (f"{c.setting.label(skip=('scope',))}: benefit against rules of {c.policy} broken; the "
                   "dashed staircase is the Pareto front")
        out.append(ParetoView(t, c.policy, Image(caption, name, alt), rows, comparetext.violation_lines(c),
                              assumptions_sentence(c), guarded_sentence(rows)))
    return out


ROBUSTNESS_AXES = ("machine", "writer", "pairing", "app-xml")
"""The assumption axes ``pcidesign findings`` varies, one at a time, to say what a front depends on."""


def assumptions_sentence(c: Any) -> str:
    """Which assumptions this front was drawn under, and the command that says which of them it
    depends on (each other value of each axis, one at a time: about a minute and a half of CPU per
    timeline, so the report does not run it)."""
    label = c.setting.label(skip=("scope",))
    return (f"Drawn under {label}: the front depends on these assumptions wherever another value of one of them "
            f"({', '.join(ROBUSTNESS_AXES)}) moves a variant on or off it; "
            f"pcidesign findings --question pareto-{c.policy} --timeline {c.timeline} computes which do "
            f"(its front_changes), and pcidesign compare --timeline {c.timeline} --machine q35 (or --writer newest, "
            "--pairing libvirt-only) draws the front under one of them.")


SHIPPED, GUARDED = "model-subelement", "model-subelement+fill=define-only"
"""The shipped design with a default change that reaches every config read (unguarded), and with
the fill at define only (the guard libvirt has had since 1.2.20, ``VIR_DOMAIN_DEF_PARSE_ABI_UPDATE``,
set for define and create only; facts §10)."""


def guarded_sentence(rows: Sequence[Mapping[str, Any]]) -> str:
    """The shipped design's row with its default change unguarded beside the guarded one, in words
    ('' when the comparison has not both)."""
    by = {r["variant"]: r for r in rows}
    if SHIPPED not in by or GUARDED not in by:
        return ""

    def words(r: Mapping[str, Any]) -> str:
        return (f"{r['violated']} rules broken ({r['worse']} cells worse), benefit {r['benefit']}, "
                f"{'on the front' if r['front'] else 'dominated'}")

    return (f"The shipped design with its default change unguarded ({_name(SHIPPED)}): {words(by[SHIPPED])}; "
            f"guarded, the default filled at define only as libvirt has guarded default changes since 1.2.20 "
            f"({_name(GUARDED)}): {words(by[GUARDED])}.")


class AssetBuilder:
    """:func:`build_assets` in a thread, so that it runs while the notebooks do."""

    def __init__(self, results: Mapping[str, Results] | BaseException, schemes: Sequence[str], limit_variants: bool = False,
                 setting: Setting | None = None) -> None:
        self._result: Assets | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run,
                                        args=(results, schemes, limit_variants, setting),
                                        name="pcidesign-frontpage", daemon=True)
        self._thread.start()

    def _run(self, results: Mapping[str, Results] | BaseException, *args: Any) -> None:
        try:
            if isinstance(results, BaseException):
                raise results  # computing the report's results failed: the front page says why
            self._result = build_assets(results, *args)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller of result()
            self._error = exc

    def result(self) -> Assets:
        """Wait for the assets; re-raise what went wrong building them."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def _params_text(params: Mapping[str, Any]) -> str:
    parts = []
    for k, v in params.items():
        if isinstance(v, list):
            v = ", ".join(map(str, v)) if v else "all"
        parts.append(f"{k}={v}")
    return "; ".join(parts)


def index_html(summary: RunSummary, specs: Mapping[str, Titled], assets: Assets | None = None) -> str:
    """The front page of a run (see the module docstring). Every link is relative, so the run
    folder can be moved; without ``assets`` the page has only the run log."""
    return pages(summary, specs, assets)["index.html"]


def pages(summary: RunSummary, specs: Mapping[str, Titled], assets: Assets | None = None) -> dict[str, str]:
    """The run's own pages, by file name: ``index.html`` (see the module docstring), one
    ``grids-TIMELINE.html`` per timeline with grids (every pair of releases of every panel) and
    ``summary.html``, the one-page summary for a meeting (the bottom line per timeline, the
    findings in the thread's names, the Pareto front per timeline, three witnesses; it prints on
    one landscape page)."""
    assets = assets or Assets()
    timelines = list(dict.fromkeys(r.timeline for r in summary.runs))
    log = []
    for t in timelines:
        groups = []
        for name in dict.fromkeys(r.notebook for r in summary.runs if r.timeline == t):
            recs = [r for r in summary.runs if r.timeline == t and r.notebook == name]
            title = specs[name].title if name in specs else name
            groups.append({"name": name, "title": title, "runs": [{
                "stem": r.id.split("/", 1)[1], "record": r, "params": _params_text(r.parameters),
                "files": [(o, o.rsplit("/", 1)[-1]) for o in r.outputs],
            } for r in recs]})
        log.append({"timeline": t, "groups": groups})
    env = _env()
    panels = panel_pages(summary)
    out: dict[str, str] = {}
    grid_timelines = list(dict.fromkeys(g.timeline for g in assets.grids))
    for t in grid_timelines:
        views = [g for g in assets.grids if g.timeline == t]
        out[views[0].page] = env.get_template("grids.html.j2").render(
            summary=summary, timeline=t, timelines=grid_timelines, releases=views[0].releases, grids=views,
            legend=legend(), panels=panels)
    has_summary = bool(assets.findings or assets.paretos)
    if has_summary:
        out["summary.html"] = env.get_template("summary.html.j2").render(
            summary=summary, assets=assets, legend=legend(), schemes_pages=schemes_pages(summary))
    out["index.html"] = env.get_template("index.html.j2").render(
        summary=summary, assets=assets, legend=legend(), log=log, panels=panels,
        schemes_pages=schemes_pages(summary), has_summary=has_summary)
    return out


def schemes_pages(summary: RunSummary) -> list[tuple[str, str]]:
    """(timeline, HTML page) of each notebook 01 that ran: the XML each scheme writes."""
    return [(r.timeline, r.html_file) for r in summary.runs
            if r.notebook == "01_schemes" and r.html_file and r.status == "ok"]


def panel_pages(summary: RunSummary) -> dict[tuple[str, str, str], str]:
    """(timeline, scheme, scenario) -> the HTML page of the notebook run that shows that matrix
    (a grid panel links to it), for the runs that succeeded."""
    pages: dict[tuple[str, str, str], str] = {}
    for r in summary.runs:
        p = r.parameters
        if r.html_file and r.status == "ok" and isinstance(p.get("scheme"), str) and isinstance(p.get("scenario"), str):
            pages.setdefault((r.timeline, p["scheme"], p["scenario"]), r.html_file)
    return pages
