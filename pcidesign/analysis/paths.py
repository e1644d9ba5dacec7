"""Multi-hop paths: which outcomes a sequence of hops can reach, and the shortest way there.

A **path** is a ``define`` of one intent at a start release, followed by 1 to K hops, each a
``restart`` (the daemon of some release loads the saved config), a ``resave`` (the release
holding the guest writes its config back) or a ``migrate`` (live, to some release). Its outcome
is defined exactly as a scenario's (``engine.Trail``): the worst event so far wins, a terminal
event (rejected, domain-lost, aborted) ends the path, the running hardware differing from the
hardware right after define is ``guest-changed``, and a path that ends normally is judged by
:func:`engine.judge` against the config saved at define. An intent the scheme cannot write
at the start release gives the zero-hop path ``not-expressible``; one the start release refuses at
define (a value out of its range) gives the zero-hop path ``rejected``, as the matrix's cell does.

The explorer searches breadth-first over **nodes**, not paths. A node is

* the daemon's state: the release holding the guest, the saved XML, the config the daemon
  would save now, the running hardware and (when ``migrate`` is allowed) the MIGRATABLE XML
  it would send; these five values determine every future hop exactly, and
* what the outcome depends on: the reference (the XML saved at define and the hardware right
  after it) and the worst non-terminal event so far.

Each distinct hop from each distinct daemon state is computed once (through the engine's
memoised transitions); the number of paths a search stands for is counted by dynamic
programming over the BFS layers. Ties between shortest paths are broken by a fixed order:
intents in catalog order, start releases in timeline order, then hops (restart, resave,
migrate) and target releases (timeline order); BFS in that order yields for each outcome the
lexicographically first of its shortest paths, whatever the cache holds or the order of input.

Three notions of "transitive" compatibility, each the set of outcomes its paths reach:

* ``pairwise``: every ordered pair of releases (A, B): define at A, then one hop at B. These
  are the single-hop scenarios ``restart`` and ``migrate`` over all pairs (and ``resave`` at A).
* ``adjacent``: paths of up to K hops in which every hop moves at most one release along the
  timeline (a restart or migration to the same or a neighbouring release; a resave), as
  rolling upgrades and their rollbacks do.
* ``closure``: every path of up to K hops, between any releases.

``pairwise`` and ``adjacent`` are both contained in ``closure`` (for K >= 1); neither contains
the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from pcidesign.model import engine, verdict
from pcidesign.model import registry as _schemes
from pcidesign.model.catalog import Catalog, Host, Intent, Release, load
from pcidesign.model.dialect import Dialect
from pcidesign.model.domain import Hardware
from pcidesign.model.engine import State, Step
from pcidesign.model.errors import HopError, PcidesignError, UnknownNameError
from pcidesign.model.hops import HOPS
from pcidesign.model.setting import Setting
from pcidesign.model.transitions import bulk
from pcidesign.model.vocab import BY_SEVERITY, Hop, Outcome
from pcidesign.analysis.scope import LeftOut, left_out, scope_releases

HOP_ORDER: tuple[Hop, ...] = tuple(k.hop for k in HOPS.values() if k.searchable)
"""Every hop a path may use, in the order that breaks ties (the hop table's order)."""

DEFAULT_HOPS: tuple[Hop, ...] = (Hop.RESTART, Hop.RESAVE, Hop.MIGRATE)
"""The hops a search uses unless told otherwise: the daemon's own restart, a re-save and live migration."""

NOTIONS: tuple[str, ...] = ("pairwise", "adjacent", "closure")
"""The three transitivity notions, from the narrowest in length to the widest."""

DEFAULT_MAX_HOPS = 3

_Link = tuple[int, Hop, int] | tuple[str, int]
"""How a node was first reached: (node, hop, target release) or, for a root, (intent, release)."""


def parse_path(text: str) -> tuple[str, str, tuple[tuple[Hop, str], ...]]:
    """``"define INTENT@RELEASE > HOP@RELEASE > ..."`` (what :meth:`Witness.describe` prints) ->
    (intent, start release, route); a malformed path raises, saying what a path looks like."""
    form = "'define INTENT@RELEASE > HOP@RELEASE > ...', e.g. 'define pcie-root-port@1.2.19 > restart@3.2.0'"
    parts = [p.strip() for p in text.split(">")]
    head = parts[0].split()
    if len(head) != 2 or head[0] != "define" or head[1].count("@") != 1:
        raise UnknownNameError("path", text, [form])
    intent, start = head[1].split("@")
    route: list[tuple[Hop, str]] = []
    for part in parts[1:]:
        hop, at, release = part.partition("@")
        if not at or not release or " " in part:
            raise UnknownNameError("path step", part, [f"HOP@RELEASE with HOP one of {', '.join(h.value for h in HOP_ORDER)}"])
        route.append((parse_hops([hop])[0], release))
    return intent, start, tuple(route)


def parse_hops(spec: str | Iterable[str | Hop]) -> tuple[Hop, ...]:
    """``"restart,migrate"`` (or a list) -> the hops in :data:`HOP_ORDER`, errors list valid ones."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    valid = [h.value for h in HOP_ORDER]
    chosen: set[Hop] = set()
    for item in items:
        name = item.value if isinstance(item, Hop) else str(item).strip()
        if name not in valid:
            raise UnknownNameError("hop", name, valid)
        chosen.add(Hop(name))
    if not chosen:
        raise UnknownNameError("hop", "", valid, "an empty hop list")
    return tuple(h for h in HOP_ORDER if h in chosen)


# -- results ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Witness:
    """One path, replayed through the engine: each step, and the outcome had it ended there.

    ``steps[0]`` is the define; ``after[i]`` is the outcome of the path cut after ``steps[i]``
    (for the define alone: ``ok``, ``not-expressible`` or ``rejected``). ``reason`` says why the whole path
    ends where it does, as a scenario's ``detail`` would.
    """

    scheme: str
    timeline: str
    intent: str
    start: str
    route: tuple[tuple[Hop, str], ...]
    steps: tuple[Step, ...]
    after: tuple[Outcome, ...]
    outcome: Outcome
    reason: str
    order: tuple[str, ...] = ()
    """The release ids of the timeline, in order (the rows a drawing of the path uses)."""

    @property
    def hops(self) -> int:
        """How many hops follow the define."""
        return len(self.route)

    @property
    def releases(self) -> tuple[str, ...]:
        """The release of each step, the define's first."""
        return (self.start,) + tuple(r for _, r in self.route)

    def describe(self) -> str:
        """``define dmi-to-pci-bridge@9.0.0 > restart@1.2.18 > resave@1.2.18 > restart@H1``."""
        parts = [f"define {self.intent}@{self.start}"] + [f"{h.value}@{r}" for h, r in self.route]
        return " > ".join(parts)

    def command(self, setting: Setting | None = None) -> str:
        """The ``pcidesign explain --path`` command that replays this path step by step
        (``setting``: the axes it ran under, printed when they differ from the defaults)."""
        axes = " ".join((setting or Setting()).cli_args(skip=("timeline", "scope")))
        return (f"pcidesign explain --scheme {self.scheme} --timeline {self.timeline} --path '{self.describe()}'"
                + (f" {axes}" if axes else ""))

    def to_dict(self, xml: bool = True) -> dict[str, object]:
        """A JSON-ready record (with each step's XML unless ``xml`` is False)."""
        steps = []
        for step, after in zip(self.steps, self.after):
            rec: dict[str, object] = {
                "hop": step.hop.value, "release": step.release,
                "event": step.event.value if step.event else None,
                "outcome_after": after.value, "note": step.note,
                "hardware": engine.describe(step.hardware) if step.hardware is not None else None,
            }
            if xml:
                rec["xml_in"] = step.xml_in.decode() if step.xml_in is not None else None
                rec["xml_out"] = step.xml_out.decode() if step.xml_out is not None else None
            steps.append(rec)
        return {"outcome": self.outcome.value, "hops": self.hops, "intent": self.intent, "start": self.start,
                "path": self.describe(), "reason": self.reason, "steps": steps}


@dataclass(frozen=True)
class Exploration:
    """What every path of up to ``max_hops`` hops reaches under one scheme, with witnesses.

    ``witnesses`` maps each reachable outcome (worst first) to its shortest path.
    ``paths_by_length[j]`` counts the paths of exactly j hops the search stands for
    (``[0]``: the zero-hop paths where no guest starts: not expressible or refused at define). ``states`` counts distinct nodes,
    ``daemon_states`` distinct daemon states, ``transitions`` the hops computed from them.
    """

    scheme: str
    timeline: str
    notion: str
    max_hops: int
    hops: tuple[Hop, ...]
    intents: tuple[str, ...]
    start: str | None
    witnesses: Mapping[Outcome, Witness]
    paths_by_length: tuple[int, ...]
    states: int
    daemon_states: int
    transitions: int

    @property
    def reached(self) -> tuple[Outcome, ...]:
        """The reachable outcomes, worst first."""
        return tuple(self.witnesses)

    @property
    def worst(self) -> Outcome:
        """The worst reachable outcome (``not-expressible`` when nothing is expressible)."""
        return Outcome.worst(list(self.witnesses))

    @property
    def paths(self) -> int:
        """How many paths (of 0 to ``max_hops`` hops) the search stands for."""
        return sum(self.paths_by_length)

    def reaches(self, outcome: Outcome | str, or_worse: bool = False) -> bool:
        """Whether some path reaches ``outcome`` (or, with ``or_worse``, anything as bad or worse)."""
        o = Outcome.parse(outcome) if isinstance(outcome, str) else outcome
        if or_worse:
            return any(r.severity >= o.severity for r in self.witnesses)
        return o in self.witnesses

    def to_dict(self, xml: bool = True) -> dict[str, object]:
        """A JSON-ready record: the search's parameters, its size, and each outcome's witness."""
        return {
            "scheme": self.scheme, "timeline": self.timeline, "notion": self.notion,
            "max_hops": self.max_hops, "hops": [h.value for h in self.hops], "start": self.start,
            "intents": list(self.intents), "paths": self.paths, "states": self.states,
            "worst": self.worst.value,
            "outcomes": [{"outcome": o.value, "reached": o in self.witnesses,
                          "witness": self.witnesses[o].to_dict(xml) if o in self.witnesses else None}
                         for o in BY_SEVERITY],
        }

    def frame(self) -> pd.DataFrame:
        """One row per outcome (worst first): reached?, the shortest path's length, route and reason."""
        rows = []
        for o in BY_SEVERITY:
            w = self.witnesses.get(o)
            rows.append({
                "outcome": o.value, "reached": w is not None,
                "hops": w.hops if w else None, "intent": w.intent if w else "",
                "path": w.describe() if w else "", "why": w.reason if w else "",
            })
        frame = pd.DataFrame(rows)
        frame["hops"] = frame["hops"].astype("Int64")
        return frame


# -- the search -------------------------------------------------------------------------------------
@dataclass
class _Graph:
    """Daemon states, nodes and their edges for one scheme, timeline and set of hops."""

    scheme: _schemes.Scheme
    catalog: Catalog
    releases: tuple[Release, ...]
    hops: tuple[Hop, ...]
    moves: int | None
    setting: Setting = field(default_factory=Setting)
    dialects: list[Dialect] = field(init=False)
    index: dict[str, int] = field(init=False)
    daemon_ids: dict[tuple[object, ...], int] = field(default_factory=dict)
    daemons: list[tuple[State, int]] = field(default_factory=list)
    daemon_edges: dict[tuple[int, Hop, int], tuple[int, Outcome | None, Hardware | None]] = field(default_factory=dict)
    ref_ids: dict[tuple[bytes, Hardware], int] = field(default_factory=dict)
    refs: list[tuple[bytes, Hardware]] = field(default_factory=list)
    node_ids: dict[tuple[int, int, Outcome], int] = field(default_factory=dict)
    nodes: list[tuple[int, int, Outcome]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.dialects = [self.scheme.dialect(path_host(self.catalog, self.setting, r, self.releases), self.catalog,
                                             self.setting) for r in self.releases]
        self.index = {r.id: i for i, r in enumerate(self.releases)}
        self.kinds = [HOPS[h] for h in self.hops]
        self.keyed_origin = Hop.MIGRATE_APP_XML in self.hops
        self.keyed_image = any(k.needs_image for k in self.kinds)

    # daemon states ----------------------------------------------------------------------------
    def daemon(self, state: State) -> int:
        key: tuple[object, ...] = state.key
        if self.keyed_image:
            key += (state.image,)
        if self.keyed_origin:
            key += (state.origin,)
        did = self.daemon_ids.get(key)
        if did is None:
            did = self.daemon_ids[key] = len(self.daemons)
            self.daemons.append((state, self.index[state.release]))
        return did

    def moves_from(self, did: int) -> list[tuple[Hop, int]]:
        """The (hop, target release) pairs allowed from daemon state ``did``, in tie-break order:
        a hop that happens where the guest is stays at its release; one that needs a save image
        only follows a save or snapshot (the hop table says which)."""
        state, rel = self.daemons[did]
        out: list[tuple[Hop, int]] = []
        for kind in self.kinds:
            hop = kind.hop
            if kind.needs_image and state.image is None:
                continue
            if kind.at_holder:
                out.append((hop, rel))
                continue
            for target in range(len(self.releases)):
                if self.moves is None or abs(target - rel) <= self.moves:
                    out.append((hop, target))
        return out

    def daemon_hop(self, did: int, hop: Hop, target: int) -> tuple[int, Outcome | None, Hardware | None]:
        """Hop from daemon state ``did``: (next daemon id or -1 when terminal, event, hardware)."""
        key = (did, hop, target)
        got = self.daemon_edges.get(key)
        if got is None:
            state, _ = self.daemons[did]
            nxt, step = engine.apply(hop, state, self.dialects[target])
            got = self.daemon_edges[key] = (self.daemon(nxt) if nxt is not None else -1, step.event, step.hardware)
        return got

    # nodes -----------------------------------------------------------------------------------
    def node(self, did: int, rid: int, worst: Outcome) -> int:
        key = (did, rid, worst)
        nid = self.node_ids.get(key)
        if nid is None:
            nid = self.node_ids[key] = len(self.nodes)
            self.nodes.append(key)
        return nid

    def ref(self, saved: bytes, hardware: Hardware) -> int:
        key = (saved, hardware)
        rid = self.ref_ids.get(key)
        if rid is None:
            rid = self.ref_ids[key] = len(self.refs)
            self.refs.append(key)
        return rid

    def root(self, intent: Intent, rel: int) -> tuple[int | None, Outcome]:
        """The node right after defining ``intent`` at release ``rel`` and ``ok``; or, when no guest
        starts there, None and why: ``not-expressible`` (the scheme cannot write the intent at that
        release) or ``rejected`` (the release refuses the XML at define, a value out of its range:
        the same answer as the matrix's cell)."""
        d = self.dialects[rel]
        xml = engine.write_intent(d, intent)
        if xml is None:
            return None, Outcome.NOT_EXPRESSIBLE
        state, _ = engine.define(d, xml)
        if state is None:
            return None, Outcome.REJECTED
        return self.node(self.daemon(state), self.ref(state.saved, state.hardware), Outcome.OK), Outcome.OK

    def edge(self, nid: int, hop: Hop, target: int) -> tuple[int, Outcome]:
        """(next node or -1 if the path ends here, the outcome if the path ends after this hop)."""
        did, rid, worst = self.nodes[nid]
        nxt, event, hardware = self.daemon_hop(did, hop, target)
        worst = verdict.worse(worst, verdict.hop_event(event, hardware, self.refs[rid][1]))
        if nxt < 0:
            return -1, verdict.outcome(worst, True, lambda: worst)
        new = self.node(nxt, rid, worst)
        return new, self.stop(new)

    def stop(self, nid: int) -> Outcome:
        """The outcome of a path that ends (normally) at node ``nid``."""
        did, rid, worst = self.nodes[nid]
        return verdict.outcome(
            worst, False, lambda: engine.judge(self.scheme, self.refs[rid][0], self.daemons[did][0].config)[0])


def path_host(cat: Catalog, setting: Setting, release: Release, releases: Sequence[Release]) -> Host:
    """The host of ``release`` on a path under ``setting``'s pairing: the releases a path involves
    are the whole timeline (:func:`pcidesign.model.engine.pairing_qemu`)."""
    return cat.host(release, engine.pairing_qemu(setting, releases, release, cat))


def explore(
    scheme: str | _schemes.Scheme,
    timeline: str | None = None,
    max_hops: int = DEFAULT_MAX_HOPS,
    hops: str | Iterable[str | Hop] = DEFAULT_HOPS,
    intents: Iterable[str] | None = None,
    start: str | None = None,
    notion: str = "closure",
    catalog: Catalog | None = None,
    setting: Setting | None = None,
    releases: Sequence[str] | None = None,
) -> Exploration:
    """Every path of up to ``max_hops`` hops after a define, and the shortest path to each outcome.

    ``notion`` is ``closure`` (any release at each hop), ``adjacent`` (each hop moves at most
    one release along the timeline) or ``pairwise`` (exactly the paths of one hop; ``max_hops``
    is ignored). ``start`` limits the define to that release; ``intents`` to those intents;
    ``releases`` the paths to those releases of the timeline (all by default). The setting's
    scope is not applied here: :func:`explore_scoped` does.
    """
    cat = catalog or load()
    st = Setting.of(setting, timeline=timeline).check(cat)
    timeline = st.timeline
    sch = _schemes.get(scheme)
    releases = cat.timeline(timeline) if releases is None else _subset(cat, timeline, releases)
    hopset = parse_hops(hops)
    if notion not in NOTIONS:
        raise UnknownNameError("notion", notion, NOTIONS)
    if notion == "pairwise":
        max_hops = 1
    if isinstance(max_hops, bool) or not isinstance(max_hops, int) or max_hops < 1:
        raise PcidesignError(f"max_hops must be a whole number >= 1, not {max_hops!r}")
    its = _intents(cat, intents)
    starts = list(range(len(releases)))
    if start is not None:
        starts = [releases.index(cat.release(str(start), timeline))]
    with bulk():  # the search fills the memo: no cyclic collection over it (see bulk)
        g = _Graph(sch, cat, releases, hopset, 1 if notion == "adjacent" else None, st)

        # A witness is the (node, hop, target) that first produced the outcome, or a zero-hop root.
        found: dict[Outcome, _Link] = {}
        parent: dict[int, _Link] = {}
        layer: dict[int, int] = {}
        zero = 0
        for it in its:
            for rel in starts:
                nid, why = g.root(it, rel)
                if nid is None:
                    zero += 1
                    found.setdefault(why, (it.id, rel))
                    continue
                parent.setdefault(nid, (it.id, rel))
                layer[nid] = layer.get(nid, 0) + 1
        frontier = list(layer)
        stopped: set[int] = set()  # nodes whose own "stop here" outcome has been recorded
        succ: dict[int, list[int]] = {}
        by_length = [zero]
        for _ in range(max_hops):
            new_frontier: list[int] = []
            for nid in frontier:
                out = succ[nid] = []
                for hop, target in g.moves_from(g.nodes[nid][0]):
                    nxt, ended_as = g.edge(nid, hop, target)
                    out.append(nxt)
                    if nxt < 0 or nxt not in stopped:
                        found.setdefault(ended_as, (nid, hop, target))
                        if nxt >= 0:
                            stopped.add(nxt)
                    if nxt >= 0 and nxt not in parent:
                        parent[nxt] = (nid, hop, target)
                        new_frontier.append(nxt)
            counts: dict[int, int] = {}
            total = 0
            for nid, c in layer.items():
                out = succ[nid]
                total += c * len(out)
                for nxt in out:
                    if nxt >= 0:
                        counts[nxt] = counts.get(nxt, 0) + c
            by_length.append(total)
            layer, frontier = counts, new_frontier

    label = timeline
    witnesses = {}
    for o in BY_SEVERITY:
        origin = found.get(o)
        if origin is not None:
            witnesses[o] = _witness(g, parent, origin, label)
    return Exploration(
        scheme=sch.id, timeline=timeline, notion=notion, max_hops=max_hops, hops=hopset,
        intents=tuple(i.id for i in its), start=None if start is None else str(start),
        witnesses=witnesses, paths_by_length=tuple(by_length), states=len(g.nodes),
        daemon_states=len(g.daemons), transitions=len(g.daemon_edges),
    )


def _subset(cat: Catalog, timeline: str, ids: Sequence[str]) -> tuple[Release, ...]:
    wanted = {cat.release(str(r), timeline).id for r in ids}
    return tuple(r for r in cat.timeline(timeline) if r.id in wanted)


def explore_scoped(
    scheme: str | _schemes.Scheme,
    timeline: str | None = None,
    max_hops: int = DEFAULT_MAX_HOPS,
    hops: str | Iterable[str | Hop] = DEFAULT_HOPS,
    intents: Iterable[str] | None = None,
    start: str | None = None,
    notion: str = "closure",
    catalog: Catalog | None = None,
    setting: Setting | None = None,
) -> tuple[Exploration, LeftOut]:
    """:func:`explore` under the setting's scope, and what the scope left out. Scope ``all``: one
    search. Scope ``naming``: each intent's paths visit only the releases where it is in scope
    (:func:`scope_releases`); intents with the same releases are searched together and the
    searches merged (for each outcome the shortest witness; the counts added)."""
    cat = catalog or load()
    st = Setting.of(setting, timeline=timeline).check(cat)
    if st.scope != "naming":
        return explore(scheme, st.timeline, max_hops, hops, intents, start, notion, cat, st), LeftOut()
    all_releases = cat.timeline(st.timeline)
    its = _intents(cat, intents)
    groups: dict[tuple[str, ...], list[str]] = {}
    for it in its:
        rels = tuple(r.id for r in scope_releases(cat, it, all_releases))
        if start is not None and cat.release(str(start), st.timeline).id not in rels:
            continue
        if rels:
            groups.setdefault(rels, []).append(it.id)
    parts = [explore(scheme, st.timeline, max_hops, hops, ids, start, notion, cat, st, rels)
             for rels, ids in groups.items()]
    gone = left_out(cat, its, all_releases)
    if not parts:
        return explore(scheme, st.timeline, max_hops, hops, [], start, notion, cat, st), gone
    return _merge(parts, tuple(i.id for i in its)), gone


def _merge(parts: Sequence[Exploration], intents: tuple[str, ...]) -> Exploration:
    """Searches of one scheme over disjoint intents as one: per outcome the shortest witness (the
    first intent's on a tie), the path and state counts added."""
    order = {iid: n for n, iid in enumerate(intents)}
    witnesses: dict[Outcome, Witness] = {}
    for o in BY_SEVERITY:
        found = [e.witnesses[o] for e in parts if o in e.witnesses]
        if found:  # the shortest; on a tie the first intent, as one search over every intent picks
            witnesses[o] = min(found, key=lambda w: (w.hops, order.get(w.intent, len(order))))
    longest = max(len(e.paths_by_length) for e in parts)
    by_length = tuple(sum(e.paths_by_length[j] if j < len(e.paths_by_length) else 0 for e in parts)
                      for j in range(longest))
    first = parts[0]
    return Exploration(
        scheme=first.scheme, timeline=first.timeline, notion=first.notion, max_hops=first.max_hops,
        hops=first.hops, intents=intents, start=first.start, witnesses=witnesses, paths_by_length=by_length,
        states=sum(e.states for e in parts), daemon_states=sum(e.daemon_states for e in parts),
        transitions=sum(e.transitions for e in parts))


def _intents(cat: Catalog, intents: Iterable[str] | None) -> list[Intent]:
    if intents is None:
        return list(cat.intents.values())
    chosen = list(dict.fromkeys(cat.intent(i) for i in intents))  # a user's own <target> values too
    order = {iid: n for n, iid in enumerate(cat.intents)}
    return sorted(chosen, key=lambda i: order.get(i.id, len(order)))  # catalog order, then the user's


def _witness(g: _Graph, parent: Mapping[int, _Link], origin: _Link, timeline: str) -> Witness:
    route: list[tuple[Hop, str]] = []
    link = origin
    while len(link) == 3:
        nid, hop, target = link
        route.append((hop, g.releases[target].id))
        link = parent[nid]
    intent, rel = link
    route.reverse()
    return replay(g.scheme, intent, g.releases[rel].id, route, timeline, g.catalog, g.setting)


def replay(
    scheme: str | _schemes.Scheme,
    intent: str,
    start: str,
    route: Sequence[tuple[Hop | str, str]],
    timeline: str | None = None,
    catalog: Catalog | None = None,
    setting: Setting | None = None,
) -> Witness:
    """Play one path through the engine, step by step, with a scenario's rules for the outcome.

    The route stops early at a terminal event; a hop that happens where the guest is (resave,
    save, snapshot, edit) must name the release holding the guest.
    """
    cat = catalog or load()
    st = Setting.of(setting, timeline=timeline).check(cat)
    timeline = st.timeline
    sch = _schemes.get(scheme)
    it = cat.intent(intent)

    def dialect(rid: str) -> Dialect:
        return sch.dialect(path_host(cat, st, cat.release(rid, timeline), cat.timeline(timeline)), cat, st)

    hops = tuple((Hop(h) if isinstance(h, str) else h, str(r)) for h, r in route)
    first = dialect(start)
    xml = engine.write_intent(first, it)

    def result(steps: list[Step], after: list[Outcome], outcome: Outcome, reason: str, n: int) -> Witness:
        return Witness(sch.id, timeline, it.id, str(start), hops[:n], tuple(steps), tuple(after), outcome, reason,
                       tuple(r.id for r in cat.timeline(timeline)))

    if xml is None:
        return result([], [], Outcome.NOT_EXPRESSIBLE, f"{it.id} cannot be written at {first.host} under {sch.id}", 0)
    state, step = engine.define(first, xml)
    if state is None:
        return result([step], [Outcome.REJECTED], Outcome.REJECTED,
                      f"{it.id} is refused at define by {first.host}: {step.note}", 0)
    trail = engine.Trail(sch, state, step)
    after = [Outcome.OK]
    for hop, rid in hops:
        trail.hop(hop, dialect(rid))
        after.append(trail.verdict()[0])
        if trail.ended:
            break
    return result(trail.steps, after, *trail.verdict(), len(trail.steps) - 1)


# -- text and frames --------------------------------------------------------------------------------
def explore_all(
    schemes: Sequence[str] | None = None,
    timeline: str | None = None,
    max_hops: int = DEFAULT_MAX_HOPS,
    hops: str | Iterable[str | Hop] = DEFAULT_HOPS,
    intents: Iterable[str] | None = None,
    start: str | None = None,
    notion: str = "closure",
    catalog: Catalog | None = None,
    setting: Setting | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Exploration]:
    """:func:`explore` for each scheme (every registered scheme by default), in registry order,
    under the setting's scope (:func:`explore_scoped`); ``progress(done, total, scheme)`` is
    called before each."""
    return [e for e, _ in explore_all_scoped(schemes, timeline, max_hops, hops, intents, start, notion, catalog,
                                             setting, progress)]


def explore_all_scoped(
    schemes: Sequence[str] | None = None,
    timeline: str | None = None,
    max_hops: int = DEFAULT_MAX_HOPS,
    hops: str | Iterable[str | Hop] = DEFAULT_HOPS,
    intents: Iterable[str] | None = None,
    start: str | None = None,
    notion: str = "closure",
    catalog: Catalog | None = None,
    setting: Setting | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[tuple[Exploration, LeftOut]]:
    """:func:`explore_scoped` for each scheme (every registered scheme by default), in registry
    order; ``progress(done, total, scheme)`` is called before each."""
    ids = list(schemes) if schemes is not None else list(_schemes.scheme_ids())
    its = list(intents) if intents is not None else None
    out = []
    for k, s in enumerate(ids):
        if progress is not None:
            progress(k, len(ids), str(s))
        out.append(explore_scoped(s, timeline, max_hops, hops, its, start, notion, catalog, setting))
    return out


def worst_table(explorations: Iterable[Exploration]) -> pd.DataFrame:
    """One row per exploration: the worst reachable outcome and its shortest witness."""
    rows = []
    for e in explorations:
        w = e.witnesses.get(e.worst)
        rows.append({"scheme": e.scheme, "worst": e.worst.value, "hops": w.hops if w else None,
                     "path": w.describe() if w else "", "why": w.reason if w else ""})
    frame = pd.DataFrame(rows, columns=["scheme", "worst", "hops", "path", "why"])
    frame["hops"] = frame["hops"].astype("Int64")
    return frame


def worst_within(e: Exploration, budget: int) -> Outcome:
    """The worst outcome some path of at most ``budget`` hops reaches (shortest paths tell)."""
    return Outcome.worst([o for o, w in e.witnesses.items() if w.hops <= budget])


def budget_table(explorations: Iterable[Exploration], budgets: Iterable[int] | None = None) -> pd.DataFrame:
    """Rows = schemes, columns = hop budgets 1..K: the worst outcome reachable within each budget."""
    exps = list(explorations)
    ks = list(budgets) if budgets is not None else list(range(1, max((e.max_hops for e in exps), default=0) + 1))
    for e in exps:
        too_far = [k for k in ks if k > e.max_hops]
        if too_far:
            raise PcidesignError(f"budget {too_far[0]} exceeds the {e.max_hops} hops explored for {e.scheme}")
    frame = pd.DataFrame({f"K={k}": [worst_within(e, k).value for e in exps] for k in ks},
                         index=pd.Index([e.scheme for e in exps], name="scheme"))
    return frame


def notions(
    scheme: str | _schemes.Scheme,
    timeline: str | None = None,
    max_hops: int | None = None,
    hops: str | Iterable[str | Hop] = DEFAULT_HOPS,
    intents: Iterable[str] | None = None,
    start: str | None = None,
    catalog: Catalog | None = None,
    setting: Setting | None = None,
) -> dict[str, Exploration]:
    """The explorations of ``scheme`` under each notion: ``pairwise``, ``adjacent``, ``closure``.

    The default budget is the number of releases of the timeline, so that ``adjacent`` (one
    release per hop) can walk the whole timeline: a rolling upgrade from the first release to the
    last, with a restart or resave at each, is one of its paths.
    """
    cat = catalog or load()
    st = Setting.of(setting, timeline=timeline)
    budget = max_hops if max_hops is not None else len(cat.timeline(st.timeline))
    its = list(intents) if intents is not None else None
    return {n: explore(scheme, None, budget, hops, its, start, n, cat, st) for n in NOTIONS}


def notions_frame(by_scheme: Mapping[str, Mapping[str, Exploration]]) -> pd.DataFrame:
    """Per scheme: the worst outcome under each notion, and the outcomes on which they disagree.

    ``disagree`` lists ``outcome: notions that reach it`` for each outcome that some notion
    reaches and another does not.
    """
    rows = []
    for scheme, by_notion in by_scheme.items():
        row: dict[str, object] = {"scheme": scheme}
        for n in NOTIONS:
            row[n] = by_notion[n].worst.value
        diffs = []
        for o in BY_SEVERITY:
            who = [n for n in NOTIONS if by_notion[n].reaches(o)]
            if who and len(who) < len(NOTIONS):
                diffs.append(f"{o.value}: {'+'.join(who)}")
        row["agree"] = not diffs
        row["disagree"] = "; ".join(diffs)
        rows.append(row)
    return pd.DataFrame(rows, columns=["scheme", *NOTIONS, "agree", "disagree"])


def notion_outcomes(by_notion: Mapping[str, Exploration]) -> pd.DataFrame:
    """One row per outcome, one column per notion: the length of its shortest path, or <NA>."""
    data = {n: [by_notion[n].witnesses[o].hops if o in by_notion[n].witnesses else None for o in BY_SEVERITY]
            for n in NOTIONS}
    frame = pd.DataFrame(data, index=pd.Index([o.value for o in BY_SEVERITY], name="outcome")).astype("Int64")
    return frame


def follow(
    scheme: str | _schemes.Scheme,
    intent: str,
    start: str,
    route: Sequence[tuple[Hop | str, str]],
    timeline: str | None = None,
    catalog: Catalog | None = None,
    setting: Setting | None = None,
) -> tuple[Outcome, int]:
    """The outcome of one path as the search computes it, node by node, and how many hops it used.

    A terminal event stops the path early (the hops after it are not used). This is the
    search's own arithmetic on nodes; :func:`replay` is the engine's, step by step.
    """
    cat = catalog or load()
    st = Setting.of(setting, timeline=timeline)
    timeline = st.timeline
    releases = cat.timeline(timeline)
    used = parse_hops([h for h, _ in route] or [Hop.RESTART])
    g = _Graph(_schemes.get(scheme), cat, releases, used, None, st)
    rel = g.index[cat.release(str(start), timeline).id]
    nid, why = g.root(cat.intent(intent), rel)
    if nid is None:
        return why, 0
    got = g.stop(nid)
    for n, (h, target) in enumerate(route, start=1):
        hop = Hop(h) if isinstance(h, str) else h
        to = g.index[cat.release(str(target), timeline).id]
        here = g.daemons[g.nodes[nid][0]][1]
        if HOPS[hop].at_holder and to != here:
            raise HopError(f"{hop.value} happens at the release holding the guest ({releases[here].id}), not {target}")
        nid, got = g.edge(nid, hop, to)
        if nid < 0:
            return got, n
    return got, len(route)
