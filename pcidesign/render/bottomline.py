"""The bottom line of a report in words, computed from its comparisons and findings (never typed):
per timeline, which variants keep the support policy's rules and which are on the Pareto front;
why the fronts of two timelines differ; and the witnesses a meeting should see first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pcidesign.analysis.compare import Comparison
from pcidesign.analysis.findings import Answer, Finding
from pcidesign.model.vocab import BY_SEVERITY, Outcome


def _name(variant: str) -> str:
    """A variant's id as its name (callers pass the registry's ``name_of``: render knows no registry)."""
    return variant


def _list(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    sep = "; " if any("," in i for i in items) else ", "  # names such as 'what shipped, fill at define only'
    return sep.join(items[:-1]) + f"{';' if sep == '; ' else ''} and " + items[-1]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class BottomLine:
    """One timeline's bottom line: sentences, each computed."""

    timeline: str
    sentences: tuple[str, ...]

    @property
    def text(self) -> str:
        """The sentences as one paragraph."""
        return " ".join(self.sentences)


def timeline_line(c: Comparison, name: Callable[[str], str] = _name) -> BottomLine:
    """The bottom line of one timeline's comparison."""
    rows = c.summary.to_dict("records")
    meets = [r["variant"] for r in rows if r["meets"]]
    broken = [r for r in rows if not r["meets"]]
    front = [r for r in rows if r["pareto"]]
    out: list[str] = []
    if not broken:
        out.append(f"Every variant ({len(rows)}) keeps every rule of the {c.policy} support policy.")
    else:
        groups: dict[tuple[str, ...], list[str]] = {}
        for r in broken:
            rules = tuple(sorted({x.line.split(":", 1)[0] for v in c.verdicts if v.variant == r["variant"]
                                  for x in v.violations}))
            groups.setdefault(rules, []).append(r["variant"])
        parts = [f"{_list([name(v) for v in vs])} break{'s' if len(vs) == 1 else ''} "
                 f"{_plural(len(rules), 'rule')}{' each' if len(vs) > 1 else ''} ({', '.join(rules)})"
                 for rules, vs in sorted(groups.items(), key=lambda kv: -len(kv[0]))]
        out.append(f"{len(meets)} of {len(rows)} variants keep every rule of the {c.policy} support policy; "
                   + "; ".join(parts) + ".")
    if front:
        parts = [f"{name(r['variant'])} (benefit {r['benefit']:.2f}, "
                 f"{'no rule' if not r['violated'] else _plural(int(r['violated']), 'rule')} broken)" for r in front]
        out.append(f"On the Pareto front: {_list(parts)}.")
        zero = [r for r in rows if not r["pareto"] and r["benefit"] == 0]
        if zero:
            out.append(_sentence(f"{_list([name(r['variant']) for r in zero])} give{'s' if len(zero) == 1 else ''} "
                                 "no new controller the preferred device (benefit 0)."))
    return BottomLine(c.timeline, tuple(out))


def across(comparisons: Mapping[str, Comparison], releases: Mapping[str, Sequence[str]],
           name: Callable[[str], str] = _name) -> str:
    """Why the fronts of the timelines differ ('' when they agree or there is one timeline): the
    releases a timeline adds and the variants that leave or join the front there."""
    lines = list(comparisons)
    if len(lines) < 2:
        return ""
    base = lines[0]
    fronts = {t: {r["variant"]: r for r in c.summary.to_dict("records")} for t, c in comparisons.items()}
    out = []
    for t in lines[1:]:
        left = [v for v, r in fronts[base].items() if r["pareto"] and v in fronts[t] and not fronts[t][v]["pareto"]]
        joined = [v for v, r in fronts[t].items() if r["pareto"] and v in fronts[base] and not fronts[base][v]["pareto"]]
        if not left and not joined:
            out.append(f"The fronts of {base} and {t} agree.")
            continue
        extra = [r for r in releases.get(t, ()) if r not in set(releases.get(base, ()))]
        adds = f", which adds {_list(list(extra))} to the releases of {base}," if extra else ""
        parts = []
        if left:
            parts.append(f"{_list([name(v) for v in left])} leave{'s' if len(left) == 1 else ''} the front ("
                         + "; ".join(f"{name(v)}: {_plural(int(fronts[t][v]['violated']), 'rule')} broken on {t}, "
                                     f"{int(fronts[base][v]['violated'])} on {base}" for v in left) + ")")
        if joined:
            parts.append(f"{_list([name(v) for v in joined])} join{'s' if len(joined) == 1 else ''} it")
        out.append(f"The answer depends on the timeline: on {t}{adds} {' and '.join(parts)}.")
    return " ".join(out)


@dataclass(frozen=True)
class Pick:
    """A witness chosen for the summary: the question, the variant's answer and why it matters."""

    finding: Finding
    answer: Answer
    reason: str


def important(found: Sequence[Finding], front: set[str], n: int = 3, name: Callable[[str], str] = _name) -> list[Pick]:
    """The ``n`` witnesses a meeting should see first: the worst outcomes of variants on a Pareto
    front (the candidates), one per question and, while possible, one per variant; then the worst
    of the others."""
    cands = [(f, a) for f in found if not f.skipped for a in f.answers
             if a.witness is not None and not a.mark and a.outcome is not Outcome.OK
             and a.outcome is not Outcome.NOT_EXPRESSIBLE]
    cands.sort(key=lambda fa: (fa[1].variant not in front, BY_SEVERITY.index(fa[1].outcome)))
    picks: list[Pick] = []
    for distinct_variant in (True, False):
        for f, a in cands:
            if len(picks) >= n:
                break
            if any(p.finding is f for p in picks) or (distinct_variant and any(p.answer.variant == a.variant for p in picks)):
                continue
            why = ("on the Pareto front" if a.variant in front else "not on a front") + f", {a.outcome.value}"
            picks.append(Pick(f, a, f"{name(a.variant)} ({why}) on timeline {f.timeline}"))
    return picks
