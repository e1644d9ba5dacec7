"""pandas frames over the engine: matrices, worst-cell pivots, scorecards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from . import engine
from . import scenarios as _scenarios
from . import schemes as _schemes
from .catalog import DEFAULT_TIMELINE, Catalog, load
from .vocab import BY_SEVERITY, Outcome

COLUMNS = ["scheme", "scenario", "timeline", "intent", "from", "to", "outcome", "detail"]
OUTCOME_DTYPE = pd.CategoricalDtype([o.value for o in reversed(BY_SEVERITY)], ordered=True)
"""Outcomes as an ordered categorical: ``not-expressible`` < ``ok`` < ... < ``guest-changed``."""


def matrix(
    scheme: str,
    scenario: str,
    timeline: str = DEFAULT_TIMELINE,
    intents: Iterable[str] | None = None,
    releases: Iterable[str] | None = None,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """One row per (intent, from, to): the outcome of ``scenario`` under ``scheme``.

    ``releases`` limits both axes to those releases of the timeline (in timeline order).
    """
    cat = catalog or load()
    sch, scn = _schemes.get(scheme), _scenarios.get(scenario)
    rels = _releases(cat, timeline, releases)
    its = [cat.intent(i) for i in intents] if intents is not None else list(cat.intents.values())
    hosts = [cat.host(r) for r in rels]
    rows = []
    for it in its:
        for ha in hosts:
            for hb in hosts:
                res = engine._run(sch, scn, it, ha, hb, cat)
                rows.append((sch.id, scn.id, timeline, it.id, ha.release.id, hb.release.id, res.outcome.value, res.detail))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["outcome"] = frame["outcome"].astype(OUTCOME_DTYPE)
    return frame


def sweep(
    schemes: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    timeline: str = DEFAULT_TIMELINE,
    intents: Iterable[str] | None = None,
    releases: Iterable[str] | None = None,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """Every matrix of ``schemes`` x ``scenarios`` (all by default) in one long frame."""
    intents = list(intents) if intents is not None else None
    releases = list(releases) if releases is not None else None
    frames = [
        matrix(s, c, timeline, intents, releases, catalog)
        for s in (schemes or _schemes.scheme_ids())
        for c in (scenarios or _scenarios.scenario_ids())
    ]
    frame = pd.concat(frames, ignore_index=True)
    frame["outcome"] = frame["outcome"].astype(OUTCOME_DTYPE)
    return frame


def worst_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Per (from, to): the worst outcome over the intents and how many intents reach it.

    Keeps the timeline's release order on both axes.
    """
    order = list(dict.fromkeys(frame["from"]))
    g = frame.groupby(["from", "to"], sort=False, observed=True)["outcome"]
    worst = g.max().rename("outcome")
    out = worst.reset_index()
    counts = frame.merge(out, on=["from", "to"], suffixes=("", "_worst"))
    counts = counts[counts["outcome"] == counts["outcome_worst"]].groupby(["from", "to"], sort=False).size()
    out["count"] = [int(counts.get((f, t), 0)) for f, t in zip(out["from"], out["to"])]
    out["from"] = pd.Categorical(out["from"], order, ordered=True)
    out["to"] = pd.Categorical(out["to"], order, ordered=True)
    return out.sort_values(["from", "to"]).reset_index(drop=True)


def pivot(frame: pd.DataFrame) -> pd.DataFrame:
    """The worst-outcome matrix: rows = release that wrote, columns = release that read."""
    cells = worst_cells(frame)
    table = cells.pivot(index="from", columns="to", values="outcome")
    table.index.name, table.columns.name = "written at", "read at"
    return table


def scorecard(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per scheme: per scenario, the share of expressible cells that are ok/rewritten,
    and counts of the four failures that matter most."""
    rows = []
    for (scheme, scenario), g in frame.groupby(["scheme", "scenario"], sort=False):
        expressible = g[g["outcome"] != Outcome.NOT_EXPRESSIBLE.value]
        good = expressible["outcome"].isin([Outcome.OK.value, Outcome.REWRITTEN.value]).sum()
        row = {"scheme": scheme, "scenario": scenario,
               "good share": good / len(expressible) if len(expressible) else float("nan")}
        for o in (Outcome.GUEST_CHANGED, Outcome.DOMAIN_LOST, Outcome.ABORTED, Outcome.REJECTED):
            row[o.value] = int((g["outcome"] == o.value).sum())
        row["worst"] = g["outcome"].max()
        rows.append(row)
    return pd.DataFrame(rows)


def _releases(cat: Catalog, timeline: str, releases: Iterable[str] | None) -> list:
    line = cat.timeline(timeline)
    if releases is None:
        return list(line)
    wanted = [str(r) for r in releases]
    for r in wanted:
        cat.release(r, timeline)
    return [r for r in line if r.id in wanted]
