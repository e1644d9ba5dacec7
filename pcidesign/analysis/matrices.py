"""pandas frames over the engine: matrices, worst-cell pivots, scorecards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from pcidesign.analysis import parallel
from pcidesign.model import autoadd, engine
from pcidesign.model import scenarios as _scenarios
from pcidesign.model import registry as _schemes
from pcidesign.model.catalog import Catalog, load
from pcidesign.model.errors import UnknownNameError
from pcidesign.model.setting import SCOPES, Setting  # noqa: F401  (SCOPES re-exported by pcidesign.analysis)
from pcidesign.model.transitions import bulk
from pcidesign.model.vocab import BY_SEVERITY, Outcome

COLUMNS = ["scheme", "scenario", "timeline", "intent", "from", "to", "outcome", "detail"]
OUTCOME_DTYPE = pd.CategoricalDtype([o.value for o in reversed(BY_SEVERITY)], ordered=True)
"""Outcomes as an ordered categorical: ``not-expressible`` < ``ok`` < ... < ``guest-changed``."""

"""Which cells a matrix holds: ``all``, or ``naming``: only the cells whose intent's class exists at
both releases. A downgrade below the release that introduced a class loses the domain under every
scheme alike; ``naming`` leaves those shared failures out, so what remains is what the naming
scheme itself causes."""


def matrix(
    scheme: str,
    scenario: str,
    timeline: str | None = None,
    intents: Iterable[str] | None = None,
    releases: Iterable[str] | None = None,
    catalog: Catalog | None = None,
    scope: str | None = None,
    setting: Setting | None = None,
    jobs: int | None = 1,
) -> pd.DataFrame:
    """One row per (intent, from, to): the outcome of ``scenario`` under ``scheme`` and ``setting``.

    ``timeline`` and ``scope`` are shorthands that change those axes of ``setting`` (default: the
    default setting); ``releases`` limits both axes to those releases of the timeline (in timeline
    order). The frame's ``attrs["setting"]`` is the setting used (figures title themselves with it).
    ``jobs`` worker processes share the intents (None: one per CPU; 1: this process alone); the
    frame is the same whatever their number.
    """
    cat = catalog or load()
    st = Setting.of(setting, timeline=timeline, scope=scope).check(cat)
    sid, cid = _schemes.get(scheme).id, _scenarios.get(scenario).id
    its = tuple(cat.intent(i).id for i in intents) if intents is not None else tuple(cat.intents)
    rels = tuple(releases) if releases is not None else None
    _releases(cat, st.timeline, rels)
    workers = parallel.jobs_of(jobs) if parallel.usable([sid]) else 1
    if workers <= 1:
        return _frame(_rows(sid, cid, its, rels, cat, st), st)
    items = [(sid, cid, (i,), rels, st) for i in its]
    return _frame([row for rows in parallel.ordered(_matrix_rows, items, workers, cat, affinity=_intents_of)
                   for row in rows], st)


def _rows(scheme: str, scenario: str, intents: Iterable[str] | None, releases: Iterable[str] | None, cat: Catalog,
          st: Setting) -> list[tuple[str, ...]]:
    """The rows of one matrix (see :func:`matrix`), ``st`` checked."""
    timeline, scope = st.timeline, st.scope
    sch, scn = _schemes.get(scheme), _scenarios.get(scenario)
    rels = _releases(cat, timeline, releases)
    its = [cat.intent(i) for i in intents] if intents is not None else list(cat.intents.values())
    hosts = [cat.host(r) for r in rels]
    rows = []
    with bulk():
        for it in its:
            for ha in hosts:
                bs = hosts if scope != "naming" else [
                    hb for hb in hosts if autoadd.in_naming_scope(cat, it, ha.release, hb.release)]
                for hb, res in zip(bs, engine.run_row(sch, scn, it, ha, bs, cat, st)):
                    rows.append((sch.id, scn.id, timeline, it.id, ha.release.id, hb.release.id, res.outcome.value,
                                 res.detail))
    return rows


def _frame(rows: list[tuple[str, ...]], st: Setting) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["outcome"] = frame["outcome"].astype(OUTCOME_DTYPE)
    frame.attrs.update(setting=st)
    return frame


def _matrix_rows(item: tuple[str, str, tuple[str, ...] | None, tuple[str, ...] | None, Setting]) -> list[tuple[str, ...]]:
    """In a worker: the rows of one matrix named by ids (see :func:`sweep`)."""
    scheme, scenario, intents, releases, st = item
    return _rows(scheme, scenario, intents, releases, parallel.catalog(), st)


def _scheme_of(item: tuple[str, ...]) -> str:
    """A sweep's work item's group: its scheme's family (its scenarios share the define and first
    hops; its scheme's other variants share documents: :func:`pcidesign.analysis.parallel.family`)."""
    return parallel.family(item[0])


def _intents_of(item: tuple[object, ...]) -> object:
    """A matrix's work item's group: its intents."""
    return item[2]


def sweep(
    schemes: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    timeline: str | None = None,
    intents: Iterable[str] | None = None,
    releases: Iterable[str] | None = None,
    catalog: Catalog | None = None,
    scope: str | None = None,
    setting: Setting | None = None,
    jobs: int | None = 1,
) -> pd.DataFrame:
    """Every matrix of ``schemes`` x ``scenarios`` (all by default) in one long frame.

    ``jobs`` worker processes share the matrices (None: one per CPU; 1: this process alone);
    the frame is the same whatever their number."""
    cat = catalog or load()
    its = tuple(intents) if intents is not None else None
    rels = tuple(releases) if releases is not None else None
    st = Setting.of(setting, timeline=timeline, scope=scope).check(cat)
    ids = [(_schemes.get(s).id, _scenarios.get(c).id) for s in (schemes or _schemes.scheme_ids())
           for c in (scenarios or _scenarios.scenario_ids())]
    for i in its or ():
        cat.intent(i)  # an unknown name fails here, before any worker starts
    _releases(cat, st.timeline, rels)
    workers = parallel.jobs_of(jobs) if parallel.usable(s for s, _ in ids) else 1
    items = [(s, c, its, rels, st) for s, c in ids]
    frames = [_frame(rows, st) for rows in parallel.ordered(_matrix_rows, items, workers, cat, affinity=_scheme_of)]
    frame = pd.concat(frames, ignore_index=True)
    frame["outcome"] = frame["outcome"].astype(OUTCOME_DTYPE)
    frame.attrs.update(frames[0].attrs)
    return frame


FACETS: tuple[str, ...] = ("default", "named")
"""The intent facets: ``default`` (the class, with whatever device the release picks) and
``named`` (a device pinned by name)."""


def facet(frame: pd.DataFrame, which: str, catalog: Catalog | None = None) -> pd.DataFrame:
    """The rows of ``frame`` whose intent is of facet ``which`` (see :data:`FACETS`)."""
    if which not in FACETS:
        raise UnknownNameError("facet", which, FACETS)
    cat = catalog or load()
    default = {i.id for i in cat.intents.values() if i.device is None}
    mask = frame["intent"].astype(str).isin(default)
    return frame[mask if which == "default" else ~mask]


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


# -- views for the notebooks and the report ------------------------------------------------------
WIDE_MEASURES = ("good share", "guest-changed", "domain-lost", "aborted", "rejected")
"""The per-scenario measures of :func:`scorecard_wide`, in column order."""


def scorecard_wide(frame: pd.DataFrame, with_notes: bool = True) -> pd.DataFrame:
    """One row per scheme, a column pair (scenario, measure) for each of :data:`WIDE_MEASURES`.

    With ``with_notes``, two more columns ``("", "pros")`` and ``("", "cons")`` hold the scheme's
    pros and cons from the thread, one per line. Schemes and scenarios keep the frame's order.
    """
    card = scorecard(frame)
    schemes = list(dict.fromkeys(card["scheme"]))
    scenarios = list(dict.fromkeys(card["scenario"]))
    wide = card.set_index(["scheme", "scenario"])[list(WIDE_MEASURES)].unstack("scenario")
    wide = wide.swaplevel(0, 1, axis=1)
    columns = pd.MultiIndex.from_tuples([(s, m) for s in scenarios for m in WIDE_MEASURES],
                                        names=["scenario", "measure"])
    wide = wide.reindex(index=schemes, columns=columns)
    for m in WIDE_MEASURES[1:]:
        wide[[(s, m) for s in scenarios]] = wide[[(s, m) for s in scenarios]].astype(int)
    if with_notes:
        wide[("", "pros")] = ["\n".join(_schemes.get(s).pros) for s in schemes]
        wide[("", "cons")] = ["\n".join(_schemes.get(s).cons) for s in schemes]
    wide.index.name = "scheme"
    return wide


def scheme_notes(scheme_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Id, place in the thread, naming, pros and cons of each scheme (all by default), one row per
    scheme indexed by id; pros and cons one per line."""
    rows = [{"scheme": s.id, "in the thread": s.thread, "naming": s.naming,
             "pros": "\n".join(s.pros), "cons": "\n".join(s.cons)}
            for s in (_schemes.get(i) for i in (scheme_ids or _schemes.scheme_ids()))]
    return pd.DataFrame(rows, columns=["scheme", "in the thread", "naming", "pros", "cons"]).set_index("scheme")


def written_forms(
    intent: str,
    schemes: Sequence[str] | None = None,
    timeline: str | None = None,
    releases: Iterable[str] | None = None,
    catalog: Catalog | None = None,
    setting: Setting | None = None,
) -> pd.DataFrame:
    """How each scheme spells ``intent`` at each release: what the user writes, what the release
    saves, and what it sends with MIGRATABLE (the intent's controller element only).

    Columns: scheme, release, written, saved, migratable, device (the device the guest gets),
    note (why a column is empty). ``written`` is empty when the intent cannot be written there.
    """
    from pcidesign.model.domain import last_controller_text as element

    cat = catalog or load()
    st = Setting.of(setting, timeline=timeline)
    it = cat.intent(intent)
    rels = _releases(cat, st.timeline, releases)

    rows = []
    for sid in (schemes or _schemes.scheme_ids()):
        sch = _schemes.get(sid)
        for rel in rels:
            host = cat.host(rel)
            row = {"scheme": sch.id, "release": rel.id, "written": "", "saved": "", "migratable": "",
                   "device": "", "note": ""}
            xml = engine.write_intent(sch.dialect(host, cat, st), it)
            if xml is None:
                row["note"] = f"{it.id} cannot be written at {rel.id}"
                rows.append(row)
                continue
            row["written"] = element(xml)
            saved = engine.roundtrip(sch, host, xml, migratable=False, catalog=cat, setting=st)
            sent = engine.roundtrip(sch, host, xml, migratable=True, catalog=cat, setting=st)
            if saved.xml is not None:
                row["saved"] = element(saved.xml)
            if sent.xml is not None:
                row["migratable"] = element(sent.xml)
                assert sent.hardware is not None
                row["device"] = {e[0]: e[2] for e in sent.hardware}[max(e[0] for e in sent.hardware)]
            row["note"] = saved.error or sent.error or ""
            rows.append(row)
    return pd.DataFrame(rows, columns=["scheme", "release", "written", "saved", "migratable", "device", "note"])


def worst_examples(frame: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """Up to ``n`` rows of ``frame`` for distinct (from, to) pairs at the most severe outcomes,
    worst first (the cells worth explaining step by step). Failures only: nothing worse than
    ``rewritten`` gives an empty frame."""
    failing = frame[frame["outcome"].astype(str).map(lambda o: Outcome(o).is_failure)]
    if failing.empty or n <= 0:
        return failing.head(0).reset_index(drop=True)
    severity = failing["outcome"].astype(str).map(lambda o: Outcome(o).severity)
    ranked = failing.assign(_sev=severity).sort_values("_sev", ascending=False, kind="stable")
    ranked = ranked.drop_duplicates(["from", "to"]).head(n)
    return ranked.drop(columns="_sev").reset_index(drop=True)
