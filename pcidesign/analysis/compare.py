"""What each variant buys beside what it risks: benefit and expressiveness, release by release.

* **expressiveness** at a release: the share of the catalog's intents a user can write there
  (an intent whose class the release does not know counts as not writable).
* **benefit** at a release: of the controllers newly defined there with the default device
  (one per default-device intent whose class the release knows) *whose class has a better
  default than its legacy device on that host*, the share the guest gets with that *preferred*
  device (the newest default the host's QEMU offers). It is the reason defaults change at all:
  ``status-quo`` keeps every class's first device forever, so its benefit is 0 wherever there is
  anything to gain (root ports from 3.2.0); at a release where no default has changed there is
  nothing to gain and the benefit is empty (NaN).

:func:`compare` puts both beside the safety a support policy asks for
(:mod:`pcidesign.analysis.policies`) and marks the **Pareto front**: the variants no other
variant beats on every axis at once (fewer violated rules, more benefit, more expressiveness).
There is no single-key ranking: a variant off the front is dominated, one on it is a trade-off.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pcidesign.analysis import costs as _costs
from pcidesign.analysis import fleet as _fleet
from pcidesign.analysis import parallel
from pcidesign.analysis import policies as _policies

from pcidesign.model import engine
from pcidesign.model import registry as _schemes
from pcidesign.model.catalog import Catalog, load
from pcidesign.model.setting import DEFAULT as DEFAULT_SETTING
from pcidesign.model.setting import Setting
from pcidesign.model.transitions import CACHE, bulk

COLUMNS = ["variant", "timeline", "release", "expressiveness", "benefit", "benefit_of", "gets_preferred", "misses"]


def measures(variants: Sequence[str] | None = None, timeline: str | None = None,
             catalog: Catalog | None = None, setting: Setting | None = None) -> pd.DataFrame:
    """One row per (variant, release): expressiveness, benefit, how many new default-device
    controllers the benefit is over (``benefit_of``), which classes get the preferred device
    (``gets_preferred``) and which get the legacy one instead (``misses``)."""
    cat = catalog or load()
    st = Setting.of(setting, timeline=timeline)
    ids = list(variants) if variants is not None else list(_schemes.scheme_ids())
    return pd.DataFrame([row for vid in ids for row in _measure_rows(vid, cat, st)], columns=COLUMNS)


def _measure_rows(vid: str, cat: Catalog, st: Setting) -> list[dict[str, Any]]:
    """The rows of :func:`measures` for one variant."""
    timeline = st.timeline
    intents = list(cat.intents.values())
    rows = []
    sch = _schemes.get(vid)
    written = st.replace(app_xml=DEFAULT_SETTING.app_xml)  # a define feels no migration: share its dialects
    for rel in cat.timeline(timeline):
        host = engine.paired(cat, st, cat.host(rel), cat.host(rel))[0]  # the pairing's QEMU
        d = sch.dialect(host, cat, written)
        known = cat.known_classes(rel)
        writable = sum(engine.write_intent(d, it) is not None for it in intents if it.cls in known)
        preferred, missed, over = [], [], 0
        for it in intents:
            if it.device is not None or it.cls not in known or cat.legacy_device(it.cls) is None:
                continue
            best = cat.default_device(it.cls, host)
            if best is None or best == cat.legacy_device(it.cls):
                continue
            over += 1
            xml = engine.write_intent(d, it)
            state = engine.define(d, xml)[0] if xml is not None else None
            got = dict((c, dev) for _i, c, dev, _v in state.hardware).get(it.cls) if state is not None else None
            (preferred if got == best else missed).append(it.cls)
        rows.append({"variant": sch.id, "timeline": timeline, "release": rel.id,
                     "expressiveness": round(writable / len(intents), 4),
                     "benefit": round(len(preferred) / over, 4) if over else float("nan"),
                     "benefit_of": over, "gets_preferred": " ".join(preferred),
                     "misses": " ".join(missed)})
    return rows


def guest_benefit(per: pd.DataFrame, guests: Sequence[Sequence[str]], catalog: Catalog) -> dict[str, float]:
    """Benefit per guest: over every release of ``per`` (:func:`measures`' rows) and every guest of a
    fleet (``guests``: each domain's intent ids, :func:`pcidesign.analysis.fleet.signatures`) defined
    anew there, the share of guests that get the better device for every controller that has one
    to gain (a guest whose classes have nothing to gain at a release does not count there). Where
    :func:`measures`' benefit counts (class, release) points alike, this weighs each class by how
    many guests hold it: a class no guest uses moves nothing. NaN when no guest has anything to gain."""
    classes = [frozenset(catalog.intent(i).cls for i in g) for g in guests]
    out: dict[str, float] = {}
    for variant, rows in per.groupby("variant", sort=False):
        got = over = 0
        for gets, misses in zip(rows["gets_preferred"], rows["misses"]):
            better, worse = set(gets.split()), set(misses.split())
            for held in classes:
                if held & (better | worse):
                    over += 1
                    got += not (held & worse)
        out[str(variant)] = round(got / over, 4) if over else float("nan")
    return out


def benefit_of_class(variant: str, cls: str, release: str, timeline: str | None = None,
                     catalog: Catalog | None = None, setting: Setting | None = None) -> int:
    """1 when a ``cls`` controller newly defined at ``release`` with the default device gets the
    class's preferred device under ``variant``, else 0."""
    frame = measures([variant], timeline, catalog, setting)
    row = frame[frame["release"] == release]
    return int(cls in row["gets_preferred"].iloc[0].split()) if not row.empty else 0


DEFAULT_POLICY = "upstream"
SUMMARY_COLUMNS = ["variant", "violated", "worse_cells", "benefit", "guest_benefit", "expressiveness", "pareto", "meets"]


@dataclass(frozen=True)
class Comparison:
    """Every variant against a support policy, with what it buys: the table behind the ranking.

    ``summary`` has one row per variant (``violated``: rules broken; ``worse_cells``: cells
    worse than their rule allows; ``benefit``: the share of all new default-device controllers
    over the timeline that get the preferred device; ``guest_benefit``: the share of a fleet's
    guests, defined anew at each release, that get it for every controller with something to gain
    (:func:`guest_benefit`); ``expressiveness``: the mean share of
    writable intents per release; ``pareto``: on the front); ``per_release`` is :func:`measures`.
    """

    timeline: str
    policy: str
    verdicts: tuple[_policies.Verdict, ...]
    summary: pd.DataFrame
    per_release: pd.DataFrame
    setting: Setting = Setting()
    """The setting the comparison ran under."""
    with_costs: bool = False
    """Whether the thread's costs (``data/costs.csv``) are axes of the Pareto front."""
    alike: tuple[str, ...] = ()
    """Rules every compared variant (two or more) breaks with the same worst outcome: they do not
    tell the variants apart and are left out of the Pareto front's inputs (``every variant alike``)."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: per variant its violations (each with its witness and the command
        that explains it), benefit and expressiveness (overall and per release), Pareto front."""
        out = []
        for v in self.verdicts:
            row = self.summary.set_index("variant").loc[v.variant]
            rel = self.per_release[self.per_release["variant"] == v.variant]
            out.append({
                "variant": v.variant,
                "meets": v.meets,
                "costs": {k: c.to_json() for k, c in _costs.costs_of(v.variant).items()},
                "pareto": bool(row["pareto"]),
                "benefit": None if pd.isna(row["benefit"]) else float(row["benefit"]),
                "guest_benefit": None if pd.isna(row["guest_benefit"]) else float(row["guest_benefit"]),
                "expressiveness": float(row["expressiveness"]),
                "violations": [_violation_json(x) for x in v.violations],
                "releases": {
                    r["release"]: {"benefit": None if pd.isna(r["benefit"]) else float(r["benefit"]), "expressiveness": float(r["expressiveness"]),
                                   "gets_preferred": r["gets_preferred"].split(), "misses": r["misses"].split()}
                    for r in rel.to_dict("records")},
            })
        return {"timeline": self.timeline, "policy": self.policy, "setting": self.setting.as_dict(),
                "alike_rules": list(self.alike), "front_over": list(self.front_axes), "variants": out}

    @property
    def front_axes(self) -> tuple[str, ...]:
        """The axes the Pareto front was drawn over, in words."""
        return ("rules broken (fewer)", "benefit (more)", "expressiveness (more)") + (
            tuple(f"{c} (lower)" for c in _costs.COSTS) if self.with_costs else ())


def _violation_json(x: _policies.Violation) -> dict[str, Any]:
    w = x.answer.witness
    return {"rule": x.rule.id, "says": x.rule.says, "allowed": x.rule.allowed.value,
            "worst": x.answer.outcome.value, "worse": x.worse, "of": x.answer.total,
            "witness": None if w is None else {"text": w.text, "command": w.command, "why": x.answer.why}}


def pareto(frame: pd.DataFrame, minimise: Sequence[str] = ("violated",),
           maximise: Sequence[str] = ("benefit", "expressiveness")) -> pd.Series:
    """True for the rows no other row dominates: at least as good on every axis and better on
    one. Rows with equal values are all on the front (neither dominates the other)."""
    vals = [(tuple(-float(r[c]) for c in minimise) + tuple(float(r[c]) for c in maximise)) for _, r in frame.iterrows()]

    def dominated(a: tuple[float, ...]) -> bool:
        return any(all(x >= y for x, y in zip(b, a)) and b != a for b in vals)

    return pd.Series([not dominated(a) for a in vals], index=frame.index, dtype=bool)


def compare(variants: Sequence[str] | None = None, timeline: str | None = None,
            policy: str = DEFAULT_POLICY, catalog: Catalog | None = None, setting: Setting | None = None,
            jobs: int | None = 1, costs: bool = False, fleet: str | os.PathLike[str] | None = None) -> Comparison:
    """Each variant (the default report's by default) against support policy ``policy`` under
    ``setting`` (``timeline``: a shorthand for that axis), with its benefit, expressiveness and place
    on the Pareto front. Computed once per (variants, setting, policy, catalog) and kept in the
    transitions' cache: the findings' policy and Pareto questions and the report's front page
    share it (treat the frames as read-only). ``jobs`` worker processes share the variants (None:
    one per CPU; 1: this process alone); the comparison is the same whatever their number. With
    ``costs`` the thread's costs (``data/costs.csv``, lower is better) are axes of the Pareto front too.
    ``fleet`` (a folder of domain XML; None: the bundled sample) weighs the benefit per guest
    (:func:`guest_benefit`, column ``guest_benefit``; not an axis of the front)."""
    cat = catalog or load()
    st = Setting.of(setting, timeline=timeline).check(cat)
    schemes, folder = _chosen(variants), _folder(fleet)
    # keyed on the Scheme objects, not their ids: a registry reset (a warm kernel's) makes new ones
    return CACHE.get(("compare", schemes, st, policy, cat, costs, folder),
                     lambda: _compare(schemes, st, policy, cat, jobs, costs, folder))


def _chosen(variants: Sequence[str] | None) -> tuple[_schemes.Scheme, ...]:
    chosen = {_schemes.get(v).id: _schemes.get(v) for v in (variants or _schemes.default_variants())}
    return tuple(chosen.values())


def _folder(fleet: str | os.PathLike[str] | None) -> str:
    return str(Path(fleet if fleet is not None else _fleet.SAMPLE_DIR).resolve())


def prefetch(requests: Sequence[tuple[Sequence[str], str, Setting]], catalog: Catalog | None = None,
             jobs: int | None = 1) -> None:
    """Compute the comparisons ``requests`` name, each (variants, policy, setting), as
    :func:`compare` would (and remember them for it), the variants of all of them in one batch
    of ``jobs`` worker processes: a worker is never idle waiting for the slowest variant of one
    comparison while another comparison waits, and each variant stays on the worker that has
    its cells under the other settings."""
    cat = catalog or load()
    batch = Batch(requests, cat)
    workers = parallel.jobs_of(jobs) if parallel.usable(i for i, _, _ in batch.items) else 1
    batch.store(parallel.ordered(variant_part, batch.items, workers, cat, affinity=variant_of))


class Batch:
    """The variant parts (see :func:`variant_part`) that the comparisons of ``requests`` (each
    (variants, policy, setting)) still need, to be computed anywhere (a batch of workers that
    also does other work) and handed back to :meth:`store`, which remembers each comparison
    for :func:`compare`."""

    def __init__(self, requests: Sequence[tuple[Sequence[str], str, Setting]], cat: Catalog) -> None:
        self.cat, self.folder = cat, _folder(None)
        self.todo: dict[tuple[object, ...], tuple[tuple[_schemes.Scheme, ...], Setting, str]] = {}
        for variants, policy, setting in requests:
            st, schemes = setting.check(cat), _chosen(variants)
            _policies.policy(policy, catalog=cat)  # an unknown policy fails here, before any worker starts
            key = ("compare", schemes, st, policy, cat, False, self.folder)
            if key not in CACHE.data:
                self.todo[key] = (schemes, st, policy)
        self.items: list[tuple[str, str, Setting]] = list(dict.fromkeys(
            (s.id, policy, st) for schemes, st, policy in self.todo.values() for s in schemes))

    def store(self, parts: Iterable[tuple[_policies.Verdict, list[dict[str, Any]]]]) -> None:
        """Remember every comparison from the parts of :attr:`items` (in their order)."""
        got = dict(zip(self.items, parts))
        for key, (schemes, st, policy) in self.todo.items():
            CACHE.put(key, _compare(schemes, st, policy, self.cat, 1, False, self.folder,
                                    [got[(s.id, policy, st)] for s in schemes]))


def variant_part(item: tuple[str, str, Setting]) -> tuple[_policies.Verdict, list[dict[str, Any]]]:
    """In a worker (or here): one variant's verdict against the policy, and its measures."""
    vid, policy, st = item
    cat = parallel.catalog()
    with bulk():
        verdict, = _policies.check([vid], _policies.policy(policy, catalog=cat), None, cat, st)
        return verdict, _measure_rows(vid, cat, st)


def variant_of(item: tuple[str, str, Setting]) -> str:
    """A comparison's work item's group: its variant's family (:func:`pcidesign.analysis.parallel.family`:
    its cells under another setting, and its scheme's other variants, share work)."""
    return parallel.family(item[0])


def _compare(schemes: tuple[_schemes.Scheme, ...], st: Setting, policy: str, cat: Catalog,
             jobs: int | None = 1, costs: bool = False, fleet: str | None = None,
             parts: list[tuple[_policies.Verdict, list[dict[str, Any]]]] | None = None) -> Comparison:
    timeline = st.timeline
    ids = [s.id for s in schemes]
    _policies.policy(policy, catalog=cat)  # an unknown policy fails here, before any worker starts
    if parts is None:  # each variant's verdict and measures (given by :func:`prefetch`)
        workers = parallel.jobs_of(jobs) if parallel.usable(ids) else 1
        parts = list(parallel.ordered(variant_part, [(i, policy, st) for i in ids], workers, cat,
                                      affinity=variant_of))
    verdicts = [v for v, _ in parts]
    per = pd.DataFrame([row for _, rows in parts for row in rows], columns=COLUMNS)
    rows = []
    for v in verdicts:
        m = per[per["variant"] == v.variant]
        over = int(m["benefit_of"].sum())
        got = int(sum(len(s.split()) for s in m["gets_preferred"]))
        rows.append({"variant": v.variant, "violated": len(v.violations),
                     "worse_cells": sum(x.worse for x in v.violations),
                     "benefit": round(got / over, 4) if over else float("nan"),
                     "expressiveness": round(float(m["expressiveness"].mean()), 4), "meets": v.meets})
    summary = pd.DataFrame(rows)
    per_guest = guest_benefit(per, _signatures(fleet or _folder(None), cat), cat)
    summary["guest_benefit"] = [per_guest.get(v, float("nan")) for v in summary["variant"]]
    alike = alike_rules(verdicts)
    telling = summary.assign(violated=[sum(x.rule.id not in alike for x in v.violations) for v in verdicts])
    minimise: tuple[str, ...] = ("violated",)
    if costs:
        table = _costs.load_costs()
        for c in _costs.COSTS:  # a scheme without a given cost counts as the worst level
            telling[c] = [getattr(_costs.costs_of(v, table).get(c), "rank", len(_costs.LEVELS)) for v in ids]
        minimise += _costs.COSTS
    summary["pareto"] = pareto(telling, minimise)
    return Comparison(timeline, policy, tuple(verdicts), summary[SUMMARY_COLUMNS], per, st, costs, alike)


def _signatures(folder: str, cat: Catalog) -> list[_fleet.Signature]:
    """The fleet's signatures (:func:`pcidesign.analysis.fleet.signatures`), read once per folder
    like the comparisons kept on it (the engine's reset reads the folder again): a findings run
    compares under every robustness alternative against the same fleet."""
    return CACHE.get(("fleet-signatures", folder, cat), lambda: _fleet.signatures(folder, cat))


def alike_rules(verdicts: Sequence[_policies.Verdict]) -> tuple[str, ...]:
    """The rules that every one of two or more variants breaks with the same worst outcome."""
    if len(verdicts) < 2:
        return ()
    worst = [{x.rule.id: x.answer.outcome for x in v.violations} for v in verdicts]
    return tuple(r for r, o in worst[0].items() if all(w.get(r) is o for w in worst[1:]))
