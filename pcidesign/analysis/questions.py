"""Questions over the model, and how one is answered per variant (the core of findings and policies).

A :class:`Question` says *how* it is answered: the variants to compare, the method (``cells``:
scenarios over pairs of releases; ``paths``: a search over multi-hop paths; ``policy`` and
``pareto``, answered by :mod:`pcidesign.analysis.findings` from the comparison), the scenarios
or hops, the intents, the releases, the timeline and the pairing. Nothing in an answer is
written by hand: for each variant the answer is the worst outcome the model computes, how many
cells (or which outcomes) reach it, and a witness (the first worst cell, or the shortest path to
the worst outcome) whose step-by-step explanation the renderers expand.

Intents may be given as ids or as ``all``, ``default`` (the class with whatever device the
release picks) or ``named`` (a pinned device). ``direction`` picks the pairs (A, B) of releases
among ``from`` x ``to``: ``any`` (A != B), ``forward`` (A before B), ``backward``,
``adjacent-forward`` (B right after A), ``adjacent-backward``. ``scope`` ``naming`` leaves out
the cells whose intent one of the two releases does not know (every scheme fails there alike).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pcidesign.analysis import paths as _paths
from pcidesign.model import autoadd, engine
from pcidesign.model import registry as _schemes
from pcidesign.model import scenarios as _scenarios
from pcidesign.model.catalog import Catalog, Host, Intent, Release
from pcidesign.model.errors import UnknownNameError
from pcidesign.model.setting import AXES, PAIRINGS, SCOPES, Setting
from pcidesign.model.setting import DEFAULT as DEFAULT_SETTING
from pcidesign.model.transitions import CACHE, on_reset
from pcidesign.model.vocab import BY_SEVERITY, Hop, Outcome

METHODS = ("cells", "paths", "policy", "pareto")
"""``cells``: scenarios over pairs of releases; ``paths``: a search over multi-hop paths;
``policy``: every rule of a support policy (:mod:`pcidesign.analysis.policies`); ``pareto``: the
policy with benefit and expressiveness, and whether the variant is on the Pareto front."""
DIRECTIONS = ("any", "forward", "backward", "adjacent-forward", "adjacent-backward")
WORDS = ("quoted", "summarised")
INTENT_GROUPS = ("all", "default", "named")
DEFAULT_PAIRING = AXES["pairing"].default


@dataclass(frozen=True)
class Question:
    """One question of the thread and how the model answers it (one row of questions.csv)."""

    id: str
    question: str
    who: str
    quote: str
    words: str
    cite: str
    method: str
    variants: tuple[str, ...] | None
    scenarios: tuple[str, ...]
    intents: tuple[str, ...]
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    direction: str
    scope: str
    hops: tuple[Hop, ...]
    notion: str
    max_hops: int | None
    timeline: str
    pairing: str
    policy: str = ""

    @property
    def setting(self) -> Setting:
        """The axes the question fixes itself (its timeline, pairing and scope); the rest default."""
        return Setting(timeline=self.timeline, pairing=self.pairing, scope=self.scope)

    def under(self, user: Setting | None = None) -> Setting:
        """The setting the question is answered under: its own, with every axis the user changed
        from its default (``user``) applied on top."""
        return self.setting.replace(**(user.changed() if user is not None else {}))

    def how(self, setting: Setting | None = None, releases: int | None = None) -> str:
        """How the question is answered, in words built from the fields and the setting it is
        answered under (``releases``: how many releases the timeline has, which is the hop budget
        of a path search without one)."""
        st = setting or self.setting
        where = st.label(skip=("scope",)) + ("" if "pairing" in st.changed() else f" · pairing {st.pairing}")
        if self.method == "policy":
            return f"every rule of support policy {self.policy}; {where}"
        if self.method == "pareto":
            return (f"Pareto front over rules of {self.policy} broken (fewer), benefit and expressiveness (more); "
                    f"{where}")
        intents = " ".join(self.intents) + (" intents" if self.intents[0] in INTENT_GROUPS else "")
        if self.method == "paths":
            budget = self.max_hops or releases or "K"
            return (f"{self.notion} path search: define {intents} at {' '.join(self.sources) or 'any release'}, "
                    f"then up to {budget} hops of {', '.join(h.value for h in self.hops)}; {where}")
        frm = " ".join(self.sources) or "any release"
        to = " ".join(self.targets) or "any release"
        notes = [] if self.direction == "any" else [f"{self.direction} pairs"]
        if self.scope == "naming":
            notes.append("classes known at both releases")
        extra = f" ({'; '.join(notes)})" if notes else ""
        return f"{' and '.join(self.scenarios)} of {intents} from {frm} to {to}{extra}; {where}"


@dataclass(frozen=True)
class CellWitness:
    """The first cell that reaches a variant's worst outcome, with the engine's trace."""

    timeline: str
    result: engine.Result
    setting: Setting = DEFAULT_SETTING
    """The setting the cell was computed under (its command reproduces it)."""

    @property
    def text(self) -> str:
        """``restart dmi-to-pci-bridge 1.2.18 -> H1``."""
        r = self.result
        return f"{r.scenario} {r.intent} {r.from_} -> {r.to}"

    @property
    def command(self) -> str:
        """The ``pcidesign explain`` command that prints this cell step by step."""
        r = self.result
        axes = " ".join(self.setting.cli_args(skip=("timeline", "scope")))
        return (f"pcidesign explain --scheme {r.scheme} --scenario {r.scenario} --intent {r.intent} "
                f"--from {r.from_} --to {r.to} --timeline {self.timeline}" + (f" {axes}" if axes else ""))


@dataclass(frozen=True)
class PathWitness:
    """The shortest path to a variant's worst reachable outcome."""

    notion: str
    max_hops: int
    witness: _paths.Witness
    setting: Setting = DEFAULT_SETTING
    """The setting the search ran under (its command reproduces it)."""

    @property
    def text(self) -> str:
        """``define dmi-to-pci-bridge@1.2.18 > restart@1.2.19 > ...``."""
        return self.witness.describe()

    @property
    def replay_command(self) -> str:
        """The ``pcidesign explain --path`` command that replays this path step by step."""
        return self.witness.command(self.setting)

    @property
    def command(self) -> str | None:
        """The ``pcidesign paths`` command that finds and prints this path (closure searches
        only: the command line searches every release at each hop)."""
        if self.notion != "closure":
            return None
        w = self.witness
        hops = ",".join(h.value for h in _paths.HOP_ORDER if any(h is x for x, _ in w.route))
        axes = " ".join(self.setting.cli_args(skip=("timeline", "scope")))
        return (f"pcidesign paths --scheme {w.scheme} --timeline {w.timeline} --intent {w.intent} "
                f"--start {w.start} --max-hops {self.max_hops} --hops {hops or 'restart'}" + (f" {axes}" if axes else ""))


@dataclass(frozen=True)
class Answer:
    """What one variant does for one question: the worst outcome, its witness and why."""

    variant: str
    outcome: Outcome
    counts: dict[Outcome, int]
    witness: CellWitness | PathWitness | None
    why: str
    summary_line: str = ""
    """The one-line answer when it is not a count of outcomes (policy and Pareto questions)."""
    mark: str = ""
    """A short label that replaces the outcome's code where the answer is shown in a cell
    (``front`` or ``dominated`` for a Pareto question); empty for the outcome's own code."""

    @property
    def total(self) -> int:
        """Cells computed (for a path search: the number of reachable outcomes)."""
        return sum(self.counts.values())

    @property
    def line(self) -> str:
        """The one-line answer, filled in from the computed outcomes."""
        if self.summary_line:
            return self.summary_line
        if isinstance(self.witness, PathWitness):
            w = self.witness.witness
            others = [o.value for o in self.counts if o is not self.outcome]
            rest = f"; also reaches {', '.join(others)}" if others else ""
            return f"{self.outcome.value}, reached in {w.hops} hop(s){rest}"
        n = self.counts.get(self.outcome, 0)
        if n == self.total:
            return f"{self.outcome.value} in {_all(n)}"
        rest = ", ".join(f"{o.value} {c}" for o, c in self.counts.items() if o is not self.outcome and c)
        return f"{self.outcome.value} in {n} of {self.total} cells ({rest})"


def _all(n: int) -> str:
    return "the only cell" if n == 1 else "both cells" if n == 2 else f"all {n} cells"


def _choice(name: str, value: str, valid: Sequence[str]) -> str:
    if value not in valid:
        raise UnknownNameError(name, value, valid)
    return value


def question_from_row(r: dict[str, str], cat: Catalog) -> Question:
    """One checked row of questions.csv (its columns as a dict of stripped strings) -> a Question;
    an unknown name raises UnknownNameError, a bad value ValueError."""
    if not r["id"] or not r["question"]:
        raise ValueError("a question needs an id and its text")
    method = _choice("method", r["method"], METHODS)
    _choice("words", r["words"], WORDS)
    timeline = r["timeline"]
    cat.timeline(timeline)
    variants = None if r["variants"] in ("", "all") else tuple(r["variants"].split())
    for v in variants or ():
        _schemes.get(v)
    intents = tuple(r["intents"].split()) or ("all",)
    for i in intents:
        if i not in INTENT_GROUPS:
            cat.intent(i)
    sources, targets = tuple(r["from"].split()), tuple(r["to"].split())
    for rel in sources + targets:
        cat.release(rel, timeline)
    pairing = _choice("pairing", r["pairing"] or DEFAULT_PAIRING, PAIRINGS)
    policy = r.get("policy", "")
    if method in ("policy", "pareto") and not policy:
        raise ValueError(f"method {method!r} needs a support policy in column 'policy'")
    scenarios: tuple[str, ...] = ()
    hops: tuple[Hop, ...] = ()
    notion, max_hops, direction, scope = "", None, r["direction"] or "any", r["scope"] or "all"
    if method in ("policy", "pareto"):
        pass
    elif method == "cells":
        scenarios = tuple(_scenarios.get(s).id for s in r["scenarios"].split())
        if not scenarios:
            raise ValueError("method 'cells' needs at least one scenario")
        _choice("direction", direction, DIRECTIONS)
        _choice("scope", scope, SCOPES)
    else:
        hops = _paths.parse_hops(r["hops"].split() or list(_paths.HOP_ORDER))
        notion = _choice("notion", r["notion"] or "closure", _paths.NOTIONS)
        if len(sources) > 1:
            raise ValueError("method 'paths' takes at most one start release in 'from'")
        if r["max_hops"] not in ("", "timeline"):
            if re.fullmatch(r"[0-9]{1,4}", r["max_hops"]) is None or int(r["max_hops"]) < 1:  # never int() of 10,000 digits
                raise ValueError(f"max_hops must be a whole number >= 1 or 'timeline', not {r['max_hops']!r}")
            max_hops = int(r["max_hops"])
    return Question(
        id=r["id"], question=r["question"], who=r["who"], quote=r["quote"], words=r["words"], cite=r["cite"],
        method=method, variants=variants, scenarios=scenarios, intents=intents, sources=sources, targets=targets,
        direction=direction, scope=scope, hops=hops, notion=notion, max_hops=max_hops, timeline=timeline,
        pairing=pairing, policy=policy,
    )


# -- answering -----------------------------------------------------------------------------------
def variants_of(question: Question) -> tuple[str, ...]:
    """The variants a question compares: its own list, or the default ones (every registered
    scheme and each filling scheme's ``+fill=define-only``)."""
    return question.variants if question.variants is not None else _schemes.default_variants()


def select_intents(cat: Catalog, spec: Sequence[str]) -> list[Intent]:
    """Intent ids and groups (``all``, ``default``, ``named``) -> the intents, in catalog order
    within each item, without repeats; an unknown id raises, listing the valid ones."""
    chosen: list[Intent] = []
    for item in spec:
        if item == "all":
            group = list(cat.intents.values())
        elif item == "default":
            group = [i for i in cat.intents.values() if i.device is None]
        elif item == "named":
            group = [i for i in cat.intents.values() if i.device is not None]
        else:
            group = [cat.intent(item)]
        chosen += [i for i in group if i not in chosen]
    return chosen


def pairs(question: Question, line: Sequence[Release]) -> list[tuple[Release, Release]]:
    """The (A, B) release pairs of a ``cells`` question on the timeline ``line``, in order."""
    return _pairs(question.sources, question.targets, question.direction, line)


def _pairs(froms: Sequence[str], tos: Sequence[str], direction: str,
           line: Sequence[Release]) -> list[tuple[Release, Release]]:
    """:func:`pairs` from the question's ``from`` and ``to`` release ids (empty: every release)."""
    pos = {r.id: n for n, r in enumerate(line)}
    sources = [r for r in line if not froms or r.id in froms]
    targets = [r for r in line if not tos or r.id in tos]
    keep = {
        "any": lambda a, b: a != b,
        "forward": lambda a, b: a < b,
        "backward": lambda a, b: a > b,
        "adjacent-forward": lambda a, b: b == a + 1,
        "adjacent-backward": lambda a, b: b == a - 1,
    }[direction]
    return [(a, b) for a in sources for b in targets if keep(pos[a.id], pos[b.id])]


def answers(question: Question, setting: Setting, catalog: Catalog) -> tuple[Answer, ...]:
    """One :class:`Answer` per variant of a ``cells`` or ``paths`` question under ``setting``
    (see :meth:`Question.under`)."""
    if question.method not in ("cells", "paths"):
        raise UnknownNameError("method", question.method, ("cells", "paths"), f"question {question.id!r}")
    return tuple(variant_answer(question, v, setting, catalog) for v in variants_of(question))


def answer_key(question: Question, variant: str, setting: Setting, catalog: Catalog) -> tuple[object, ...]:
    """The key :func:`variant_answer` remembers its answer under (the question without its variant list)."""
    return ("answer", dataclasses.replace(question, variants=None), _schemes.get(variant), setting, catalog)


def variant_answer(question: Question, variant: str, setting: Setting, catalog: Catalog) -> Answer:
    """The :class:`Answer` of one variant to a ``cells`` or ``paths`` question under ``setting``,
    computed once (and remembered in the transitions' cache: the findings' workers hand theirs
    over with :func:`answer_key`)."""
    return CACHE.get(answer_key(question, variant, setting, catalog),
                     lambda: _variant_answer(question, variant, setting, catalog))


def _variant_answer(question: Question, variant: str, setting: Setting, catalog: Catalog) -> Answer:
    intents = select_intents(catalog, question.intents)
    if question.method == "paths":
        return _path_answer(question, variant, setting, intents, catalog)
    return _cell_answer(question, variant, setting, intents, catalog.timeline(setting.timeline), catalog)


def _cell_answer(q: Question, variant: str, st: Setting, intents: list[Intent], line: Sequence[Release],
                 cat: Catalog) -> Answer:
    """The answer from the question's cells, shared by every setting whose cells are the same:
    a cell feels only some axes (:func:`pcidesign.model.engine.cell_setting`), so a setting that
    changes an axis none of the question's cells feels (``app_xml`` for a question without a
    migration that takes the application's XML, say) gets the same outcomes and witness; only the
    witness's setting (its command) is the one asked for."""
    sch = _schemes.get(variant)
    model = _schemes.model_setting(st)
    felt = tuple(engine.cell_setting(model, _scenarios.get(s), it, cat) for s in q.scenarios for it in intents)
    key = ("cells", dataclasses.replace(q, variants=None), sch, st.timeline, st.pairing, st.scope, felt, cat)
    got: Answer = CACHE.get(key, lambda: _cells_answer(q, sch, st, intents, line, cat))
    w = got.witness
    if isinstance(w, CellWitness) and w.setting is not st:
        return dataclasses.replace(got, witness=dataclasses.replace(w, setting=st))
    return got


def _cells_answer(q: Question, sch: _schemes.Scheme, st: Setting, intents: list[Intent], line: Sequence[Release],
                  cat: Catalog) -> Answer:
    timeline = st.timeline
    counts = {o: 0 for o in BY_SEVERITY}
    worst: engine.Result | None = None
    rows = _rows(q.sources, q.targets, q.direction, tuple(line), tuple(intents), st.scope, cat)
    for scenario in q.scenarios:
        scn = _scenarios.get(scenario)
        for it in intents:
            for ha, hbs in rows[it.id]:  # one row of the matrix at a time: the same cells, in order
                for res in engine.run_row(sch, scn, it, ha, hbs, cat, st):
                    counts[res.outcome] += 1
                    if worst is None or res.outcome.severity > worst.outcome.severity:
                        worst = res
    counts = {o: c for o, c in counts.items() if c}
    if worst is None:
        return Answer(sch.id, Outcome.NOT_EXPRESSIBLE, {}, None, "no cell matches the question on this timeline")
    return Answer(sch.id, worst.outcome, counts, CellWitness(timeline, worst, st), worst.detail)


@functools.lru_cache(maxsize=1024)
def _rows(sources: tuple[str, ...], targets: tuple[str, ...], direction: str, line: tuple[Release, ...],
          intents: tuple[Intent, ...], scope: str, cat: Catalog) -> dict[str, list[tuple[Host, list[Host]]]]:
    """The cells of a ``cells`` question, per intent, as rows of a matrix: (the host of A, the
    hosts of its Bs), in the order of :func:`pairs`, without the cells scope ``naming`` leaves
    out. The same for every variant and every setting with this timeline and scope."""
    hosts = {r.id: cat.host(r) for r in line}
    every = _pairs(sources, targets, direction, line)
    rows: dict[str, list[tuple[Host, list[Host]]]] = {}
    for it in intents:
        rows[it.id] = by_a = []
        for a, b in every:
            if scope == "naming" and not autoadd.in_naming_scope(cat, it, a, b):
                continue
            if not by_a or by_a[-1][0] is not hosts[a.id]:
                by_a.append((hosts[a.id], []))
            by_a[-1][1].append(hosts[b.id])
    return rows


on_reset(_rows.cache_clear)


def _path_answer(q: Question, variant: str, st: Setting, intents: list[Intent], cat: Catalog) -> Answer:
    k = q.max_hops if q.max_hops is not None else len(cat.timeline(st.timeline))
    found = _paths.explore(variant, None, k, q.hops, [i.id for i in intents],
                           q.sources[0] if q.sources else None, q.notion, cat, setting=st)
    worst = found.worst
    w = found.witnesses.get(worst)
    counts = {o: 1 for o in found.reached}
    if w is None:
        return Answer(found.scheme, worst, counts, None, "no path is expressible")
    return Answer(found.scheme, worst, counts, PathWitness(q.notion, k, w, st), w.reason)


__all__ = [
    "Answer", "CellWitness", "DIRECTIONS", "INTENT_GROUPS", "METHODS", "PAIRINGS", "PathWitness", "Question",
    "WORDS", "answer_key", "answers", "pairs", "question_from_row", "select_intents", "variant_answer", "variants_of",
]
