"""The grid of a report: which notebooks run with which parameters (one :class:`Job` each).

To add a notebook to the report, add one :class:`NotebookSpec` to :data:`NOTEBOOKS`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pcidesign.model import registry as _schemes
from pcidesign.model import resources
from pcidesign.model import scenarios as _scenarios
from pcidesign.model.catalog import load
from pcidesign.model.setting import DEFAULT as DEFAULT_SETTING
from pcidesign.model.setting import Setting
from pcidesign.model.errors import PcidesignError

NOTEBOOK_DIR = resources.notebook_dir()
"""Where the notebooks live: the package's ``notebooks/`` (override: ``PCIDESIGN_NOTEBOOKS``)."""

REPORT_INTENT = "pcie-root-port:ioh3420"
"""The intent notebook 01 shows in the report: the device at the heart of the 2015 thread."""


class ReportError(PcidesignError):
    """The report cannot start: bad parameters, a missing notebook, an unusable output folder."""


@dataclass(frozen=True)
class Grid:
    """What a report covers for one timeline: the schemes and scenarios to run."""

    timeline: str
    schemes: tuple[str, ...]
    scenarios: tuple[str, ...]
    setting: Setting = DEFAULT_SETTING
    """The axes every notebook of the grid runs under (its timeline is :attr:`timeline`)."""
    matrices: tuple[str, ...] = _scenarios.CORE
    """The scenarios with a matrix notebook each and in notebook 03's figures: the four of docs/index.md#scenarios
    unless chosen with --scenario (the front page's grids show every scenario of ``scenarios``)."""


    @property
    def axes(self) -> dict[str, str]:
        """The notebooks' ``setting`` parameter: the axes changed from their defaults, but the
        timeline and scope (which notebooks take as parameters of their own)."""
        return {k: v for k, v in self.setting.changed().items() if k not in ("timeline", "scope")}


ParamSets = Callable[[Grid], list[dict[str, Any]]]


@dataclass(frozen=True)
class NotebookSpec:
    """One notebook of the report.

    ``params`` gives the parameter sets to run for a timeline's grid; ``slug`` names one run's
    files (unique within the notebook and timeline); ``headline`` is a figure (file name written
    by the notebook) shown at the top of the index page.
    """

    name: str
    title: str
    params: ParamSets
    slug: Callable[[dict[str, Any]], str] = lambda p: ""
    headline: str | None = None
    path: Path | None = None
    cost: float = 1.0
    """How long one run takes, roughly, relative to the others: the report starts the costliest
    runs first, so that its workers finish together (the order of the pages is the plan's)."""
    one_matrix: bool = False
    """The notebook shows the results of one variant and scenario (its ``scheme`` and ``scenario``
    parameters): the report hands its ``results`` parameter a file of those rows only
    (:meth:`pcidesign.analysis.results.Results.slices`), not the whole timeline's."""

    @property
    def source(self) -> Path:
        """The notebook file."""
        if self.path is not None:
            return self.path
        base = Path(os.environ.get("PCIDESIGN_NOTEBOOKS") or NOTEBOOK_DIR)
        return base / f"{self.name}.ipynb"


NOTEBOOKS: list[NotebookSpec] = [
    NotebookSpec(
        "03_compare", "Comparing the variants: support policy, Pareto front, grids and scorecards by intent facet",
        lambda g: [{"timeline": g.timeline, "schemes": list(g.schemes), "scenarios": list(g.matrices),
                    "policy": "upstream", "setting": g.axes, "scope": "naming"}],
        headline="pareto.png", cost=40.0,
    ),
    NotebookSpec(
        "01_schemes", f"The schemes side by side ({REPORT_INTENT})",
        lambda g: [{"intent": REPORT_INTENT, "timeline": g.timeline, "schemes": list(g.schemes), "releases": []}],
    ),
    NotebookSpec(
        "02_matrix", "Compatibility matrix per scheme and scenario",
        lambda g: [{"scheme": s, "scenario": c, "timeline": g.timeline, "intents": [], "releases": [],
                    "setting": g.axes, "explain": 3}
                   for s in g.schemes for c in g.matrices],
        slug=lambda p: f"{p['scheme']}--{p['scenario']}", cost=1.5, one_matrix=True,
    ),
    NotebookSpec(
        "04_paths", "Multi-hop paths: the shortest counterexample per scheme",
        lambda g: [{"scheme": s, "timeline": g.timeline, "max_hops": 3, "hops": ["restart", "resave", "migrate"],
                    "intents": [], "start": ""} for s in g.schemes],
        slug=lambda p: p["scheme"], cost=3.0,
    ),
    NotebookSpec(
        "05_fleet", "Fleet impact: the sample fleet per scheme and target",
        lambda g: [{"fleet_dir": "", "timeline": g.timeline, "targets": [], "schemes": list(g.schemes)}], cost=3.0,
    ),
]
"""The notebooks of the report, in the order the index shows them."""


@dataclass(frozen=True)
class Job:
    """One papermill run: a notebook, its parameters, and where (relative to the run) it writes."""

    index: int
    notebook: str
    title: str
    timeline: str
    source: str
    parameters: dict[str, Any]
    stem: str
    cost: float = 1.0
    """Its notebook's :attr:`NotebookSpec.cost`."""
    one_matrix: bool = False
    """Its notebook's :attr:`NotebookSpec.one_matrix`."""

    @property
    def label(self) -> str:
        """``timeline/stem``: unique within a run."""
        return f"{self.timeline}/{self.stem}"


def _slugify(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "run"


def scheme_ids(schemes: Sequence[str] | None, variants: Sequence[str] | None = None) -> list[str]:
    """The variants a report covers: ``schemes`` (checked, without repeats) or by default every
    registered scheme with each filling scheme's ``+fill=define-only`` variant
    (:func:`pcidesign.model.registry.default_variants`), then ``variants`` added."""
    chosen = list(schemes or _schemes.default_variants()) + list(variants or ())
    return list(dict.fromkeys(_schemes.get(s).id for s in chosen))


def scenario_ids(scenarios: Sequence[str] | None) -> list[str]:
    """The scenarios a report covers: those given (checked, without repeats), or every one."""
    return [_scenarios.get(s).id for s in dict.fromkeys(scenarios or _scenarios.scenario_ids())]


def plan(
    timelines: Sequence[str] | None = None,
    schemes: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    notebooks: Sequence[NotebookSpec] | None = None,
    setting: Setting | None = None,
) -> list[Job]:
    """Every job of a report (every timeline by default, every scheme and scenario), in order.

    Unknown names raise :class:`~pcidesign.model.errors.UnknownNameError` listing the valid ones.
    """
    cat = load()
    lines = list(dict.fromkeys(timelines or cat.timelines))
    for t in lines:
        cat.timeline(t)
    sch = tuple(scheme_ids(schemes))
    scn = tuple(scenario_ids(scenarios))
    jobs: list[Job] = []
    for t in lines:
        grid = Grid(t, sch, scn, setting or DEFAULT_SETTING,
                    scn if scenarios else tuple(s for s in scn if s in _scenarios.CORE))
        for spec in (NOTEBOOKS if notebooks is None else notebooks):
            for p in spec.params(grid):
                slug = spec.slug(p)
                stem = _slugify(f"{spec.name}-{slug}" if slug else spec.name)
                jobs.append(Job(len(jobs), spec.name, spec.title, t, str(spec.source), dict(p), stem, spec.cost,
                                spec.one_matrix))
    stems = [j.label for j in jobs]
    dupes = sorted({s for s in stems if stems.count(s) > 1})
    if dupes:
        raise ReportError(f"two runs would write the same files: {', '.join(dupes)}; give the spec a slug")
    return jobs
