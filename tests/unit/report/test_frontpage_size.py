"""The report's front page stays light at the default report's full size: ``index.html`` under
1.5 MB with no cell per pair of releases (those are on one grid page per timeline), every grid
cell coloured by a class rather than an inline style or a hover title."""

from __future__ import annotations

import re
from pathlib import Path

import synthetic_report

from pcidesign.model.catalog import load
from pcidesign.report import plan

LIMIT = 1_500_000


def test_the_default_report_pages_are_light(tmp_path: Path) -> None:
    pages = synthetic_report.write(tmp_path)
    cat = load()
    assert sorted(pages) == sorted(["index.html", "summary.html", *(f"grids-{t}.html" for t in cat.timelines)])
    index = pages["index.html"].read_text()
    assert len(index.encode()) < LIMIT, f"index.html is {len(index.encode()):,} bytes"
    variants, scenarios = plan.scheme_ids(None), plan.scenario_ids(None)
    assets = synthetic_report.assets()
    questions = len(assets.findings)
    pareto = sum(len(p.rows) * 6 for p in assets.paretos)
    overview = len(variants) * len(scenarios) * 2 * len(cat.timelines)
    log = len(plan.plan()) * 6
    assert index.count("<td") <= questions * len(variants) + overview + pareto + log, "no cell per pair on the front page"
    for t in cat.timelines:
        page = pages[f"grids-{t}.html"].read_text()
        assert len(page.encode()) < LIMIT
        pairs = len(cat.timeline(t)) ** 2 * len(variants) * len(scenarios) * 2
        cells = re.findall(r'<td class="o-[a-z-]+">[A-Za-z/]+</td>', page)
        assert len(cells) == pairs, "every pair of every panel, each coloured by its class"
        assert ' title="' not in page and 'style="background' not in page
