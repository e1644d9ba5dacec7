"""Support policies: what a project promises its users, as rules the model checks per variant.

``data/support-policies.csv`` holds one row per rule: the policy it belongs to (``upstream``,
``ovirt``, ...), the rule's id and its words, where the promise comes from, the worst outcome
the rule allows, and *what it covers* in the columns of ``questions.csv`` (method, scenarios,
intents, direction, scope, hops, notion, max_hops). A rule is checked on a timeline by answering
it as a question (:mod:`pcidesign.analysis.questions`): a variant violates the rule when some cell
(or reachable path) is worse than allowed, and the first worst one is the witness that
``pcidesign explain`` (or ``pcidesign paths``) expands.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pcidesign.analysis import questions as _questions
from pcidesign.model import registry as _schemes
from pcidesign.model.catalog import DATA_DIR, DEFAULT_TIMELINE, Catalog, load
from pcidesign.model.csvdata import read_csv
from pcidesign.model.setting import Setting
from pcidesign.model.errors import DataError, UnknownNameError
from pcidesign.model.vocab import Outcome

POLICIES_FILE = "support-policies.csv"
COLUMNS = ("policy", "rule", "says", "cite", "allowed", "method", "scenarios", "intents", "direction", "scope",
           "hops", "notion", "max_hops")


@dataclass(frozen=True)
class Rule:
    """One promise of a support policy: what it covers (as a question) and the worst it allows."""

    policy: str
    id: str
    says: str
    cite: str
    allowed: Outcome
    question: _questions.Question


@dataclass(frozen=True)
class Violation:
    """A rule a variant breaks: how many cells are worse than allowed, and the worst of them."""

    rule: Rule
    answer: _questions.Answer

    @property
    def worse(self) -> int:
        """Cells (or reachable outcomes of a path search) worse than the rule allows."""
        return sum(n for o, n in self.answer.counts.items() if o.severity > self.rule.allowed.severity)

    @property
    def line(self) -> str:
        """``upgrade: guest-changed (allowed: rewritten) in 3 of 120 cells``."""
        a = self.answer
        unit = "reachable outcomes" if self.rule.question.method == "paths" else "cells"
        return (f"{self.rule.id}: {a.outcome.value} (allowed: {self.rule.allowed.value}) in {self.worse} of "
                f"{a.total} {unit}")


@dataclass(frozen=True)
class Verdict:
    """Whether one variant meets a support policy on a timeline, and every rule it breaks."""

    variant: str
    policy: str
    timeline: str
    violations: tuple[Violation, ...]

    @property
    def meets(self) -> bool:
        """True when no rule is broken."""
        return not self.violations


def load_policies(data_dir: str | Path | None = None, catalog: Catalog | None = None) -> dict[str, tuple[Rule, ...]]:
    """The support policies of ``data_dir/support-policies.csv`` (the package's ``data/`` by
    default), policy id -> its rules in file order; a bad row raises :class:`DataError`."""
    base = Path(data_dir) if data_dir is not None else DATA_DIR
    cat = catalog or load(base)
    path = base / POLICIES_FILE
    rows = read_csv(path, COLUMNS).rows
    out: dict[str, list[Rule]] = {}
    for row, r in rows:
        try:
            rule = _rule(r, cat)
        except (UnknownNameError, ValueError) as exc:
            raise DataError(path.name, row, str(exc)) from None
        if any(rule.id == o.id for o in out.get(rule.policy, ())):
            raise DataError(path.name, row, f"rule {rule.id!r} appears twice in policy {rule.policy!r}")
        out.setdefault(rule.policy, []).append(rule)
    if not out:
        raise DataError(path.name, None, "no support policy")
    return {p: tuple(rules) for p, rules in out.items()}


def _rule(r: dict[str, str], cat: Catalog) -> Rule:
    if not r["policy"] or not r["rule"] or not r["says"]:
        raise ValueError("a rule needs its policy, its id and what it says")
    allowed = Outcome.parse(r["allowed"])
    q = _questions.question_from_row(
        {**r, "id": f"{r['policy']}/{r['rule']}", "question": r["says"], "who": r["policy"], "quote": "",
         "words": "summarised", "variants": "all", "from": "", "to": "", "timeline": DEFAULT_TIMELINE,
         "pairing": ""}, cat)
    return Rule(r["policy"], r["rule"], r["says"], r["cite"], allowed, q)


def policy(name: str, data_dir: str | Path | None = None, catalog: Catalog | None = None) -> tuple[Rule, ...]:
    """The rules of support policy ``name``, or an error listing the valid policies."""
    known = load_policies(data_dir, catalog)
    if name not in known:
        raise UnknownNameError("support policy", name, known)
    return known[name]


def check(variants: Sequence[str], rules: Sequence[Rule], timeline: str | None = None,
          catalog: Catalog | None = None, setting: Setting | None = None) -> list[Verdict]:
    """Each variant against ``rules`` under ``setting`` (``timeline``: a shorthand for that axis):
    one :class:`Verdict` per variant, in order. A rule's own scope applies; the other axes are the setting's."""
    cat = catalog or load()
    st = Setting.of(setting, timeline=timeline).check(cat)
    timeline = st.timeline
    variants = list(dict.fromkeys(_schemes.get(v).id for v in variants))
    broken: dict[str, list[Violation]] = {v: [] for v in variants}
    for rule in rules:
        q = dataclasses.replace(rule.question, variants=tuple(variants))
        for a in _questions.answers(q, st.replace(scope=q.scope), cat):
            if a.outcome.severity > rule.allowed.severity:
                broken[a.variant].append(Violation(rule, a))
    name = rules[0].policy if rules else ""
    return [Verdict(v, name, timeline, tuple(broken[v])) for v in variants]


__all__ = ["COLUMNS", "Rule", "Verdict", "Violation", "check", "load_policies", "policy"]
