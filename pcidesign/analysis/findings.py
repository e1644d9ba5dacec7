"""Findings: the design questions of the June 2015 thread as data, each answered by the model.

``data/questions.csv`` holds one row per question: its id, the question, who asked it in the
thread and in which words, and how it is answered (:mod:`pcidesign.analysis.questions`).
``cells`` and ``paths`` questions are answered there; ``policy`` questions check every variant
against a support policy and ``pareto`` questions place it on the Pareto front
(:mod:`pcidesign.analysis.compare`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pcidesign.analysis import compare as _compare
from pcidesign.analysis import parallel
from pcidesign.analysis import robustness as _robustness
from pcidesign.analysis.policies import load_policies
from pcidesign.analysis.questions import (
    DEFAULT_PAIRING, DIRECTIONS, INTENT_GROUPS, METHODS, PAIRINGS, WORDS, Answer, CellWitness, PathWitness, Question,
    answer_key, answers, pairs, question_from_row, select_intents, variant_answer, variants_of,
)
from pcidesign.model.catalog import DATA_DIR, Catalog, load
from pcidesign.model.csvdata import read_csv
from pcidesign.model.errors import DataError, UnknownNameError
from pcidesign.model.setting import Setting
from pcidesign.model.transitions import CACHE, bulk
from pcidesign.model.vocab import BY_SEVERITY, Outcome

QUESTIONS_FILE = "questions.csv"
COLUMNS = ("id", "question", "who", "quote", "words", "cite", "method", "variants", "scenarios", "intents",
           "from", "to", "direction", "scope", "hops", "notion", "max_hops", "timeline", "pairing", "policy")

@dataclass(frozen=True)
class Finding:
    """A question with one answer per variant (or the reason it cannot be answered here)."""

    question: Question
    setting: Setting
    """The setting the question was answered under (its own, with the user's changes on top)."""
    answers: tuple[Answer, ...] = ()
    skipped: str | None = None
    releases: int = 0
    flips: dict[str, tuple[_robustness.Flip, ...]] | None = None
    """Per variant, the one-axis changes of the setting under which its answer changes (empty:
    robust); None when robustness was not computed (:mod:`pcidesign.analysis.robustness`)."""
    front_changes: tuple[str, ...] = ()
    """For a Pareto question: the alternatives (``axis=value``) under which the front differs."""

    @property
    def discriminates(self) -> bool | None:
        """Whether the question tells the variants apart (False: every variant alike; None when
        it was not answered here)."""
        if self.skipped or not self.answers:
            return None
        return len({_robustness.key(a) for a in self.answers}) > 1

    def robust(self, variant: str) -> bool | None:
        """Whether ``variant``'s answer holds under every alternative (None: not computed)."""
        if self.flips is None:
            return None
        return not self.flips.get(variant)

    @property
    def timeline(self) -> str:
        """The timeline the question was answered on."""
        return self.setting.timeline

    @property
    def pairing(self) -> str:
        """The pairing the question was answered under."""
        return self.setting.pairing

    @property
    def how(self) -> str:
        """How the question was answered here (its setting, its hop budget)."""
        return self.question.how(self.setting, self.releases)

    @property
    def summary(self) -> str:
        """The variants grouped by outcome, worst first: ``guest-changed: a, b; ok: c``."""
        if self.skipped:
            return self.skipped
        if any(a.mark for a in self.answers):
            marks: dict[str, list[str]] = {}
            for a in self.answers:
                marks.setdefault(a.mark, []).append(a.variant)
            return "; ".join(f"{m}: {', '.join(vs)}" for m, vs in marks.items())
        groups: dict[Outcome, list[str]] = {}
        for a in self.answers:
            groups.setdefault(a.outcome, []).append(a.variant)
        return "; ".join(f"{o.value}: {', '.join(groups[o])}" for o in BY_SEVERITY if o in groups)


# -- loading -------------------------------------------------------------------------------------
def load_questions(data_dir: str | Path | None = None, catalog: Catalog | None = None) -> tuple[Question, ...]:
    """The questions of ``data_dir/questions.csv`` (the package's ``data/`` by default), checked
    against the catalog; a bad row raises :class:`DataError` naming the file, row and problem."""
    base = Path(data_dir) if data_dir is not None else DATA_DIR
    cat = catalog or load(base)
    path = base / QUESTIONS_FILE
    table = read_csv(path, COLUMNS)
    out: list[Question] = []
    known_policies: dict[str, object] | None = None
    for row, r in table.rows:
        try:
            q = question_from_row(r, cat)
            if q.policy:  # checked here, naming file and row, not when the question is answered
                known_policies = known_policies if known_policies is not None else dict(load_policies(base, cat))
                if q.policy not in known_policies:
                    raise UnknownNameError("support policy", q.policy, known_policies, "column 'policy'")
        except (UnknownNameError, ValueError) as exc:
            raise DataError(path.name, row, str(exc)) from None
        if any(q.id == o.id for o in out):
            raise DataError(path.name, row, f"duplicate question id {q.id!r}")
        out.append(q)
    table.require_rows("questions")
    return tuple(out)


def answer(
    question: Question,
    setting: Setting | None = None,
    catalog: Catalog | None = None,
    timeline: str | None = None,
    robust: bool = False,
) -> Finding:
    """Answer ``question`` for each of its variants under its own setting with every axis that
    ``setting`` changed from its default on top (:meth:`Question.under`); ``timeline`` answers it
    on that timeline whatever the question's own.

    A question that names a release the chosen timeline lacks is returned with ``skipped`` set.
    With ``robust`` the question is answered again under each one-axis change of its setting
    (:mod:`pcidesign.analysis.robustness`) and each answer says whether it flips.
    """
    with bulk():
        return _answer(question, setting, catalog or load(), timeline, robust)


def _answer(question: Question, setting: Setting | None, cat: Catalog, timeline: str | None,
            robust: bool = False) -> Finding:
    st = question.under(setting).replace(timeline=timeline).check(cat)
    return _answered(question, st, cat, robust)


def _answered(question: Question, st: Setting, cat: Catalog, robust: bool) -> Finding:
    t, pair = st.timeline, st
    line = cat.timeline(t)
    ids = {r.id for r in line}
    absent = [r for r in question.sources + question.targets if r not in ids]
    if absent:
        return Finding(question, pair, releases=len(line), skipped=f"not answered on timeline {t}: the question names "
                       f"{', '.join(dict.fromkeys(absent))}, which the timeline lacks")
    base = _answers_under(question, st, cat, variants_of(question))
    if not robust:
        return Finding(question, pair, base, releases=len(line))
    flips, fronts = _robustness.flips(base, st, variants_of(question),
                                      lambda s2, ids: _answers_under(question, s2.check(cat), cat, ids))
    front = {a.variant for a in base if a.mark == "front"}
    changes = tuple(alt for alt, f in fronts.items() if question.method == "pareto" and set(f) != front)
    return Finding(question, pair, base, releases=len(line), flips=flips, front_changes=changes)


def _answers_under(question: Question, st: Setting, cat: Catalog, variants: Iterable[str]) -> tuple[Answer, ...]:
    """The answers to ``question`` for ``variants`` under ``st``."""
    q = dataclasses.replace(question, variants=tuple(variants))
    if q.method in ("policy", "pareto"):
        return _policy_answers(q, st, cat)
    return answers(q, st, cat)


def _policy_answers(q: Question, st: Setting, cat: Catalog) -> tuple[Answer, ...]:
    result = _compare.compare(variants_of(q), None, q.policy, cat, st)
    rows = result.summary.set_index("variant")
    out = []
    for v in result.verdicts:
        worst = max(v.violations, key=lambda x: x.answer.outcome.severity, default=None)
        outcome = worst.answer.outcome if worst else Outcome.OK
        if q.method == "policy":
            line = (f"meets {q.policy}" if v.meets else
                    "breaks " + "; ".join(f"{x.rule.id} ({x.answer.outcome.value}, {x.worse} cells)" for x in v.violations))
            mark = ""
        else:
            r = rows.loc[v.variant]
            benefit = "none to gain" if r["benefit"] != r["benefit"] else f"{r['benefit']:.2f}"
            mark = "front" if r["pareto"] else "dominated"
            line = (f"{'on the Pareto front' if r['pareto'] else 'dominated'}: {r['violated']} rule(s) of {q.policy} "
                    f"broken, benefit {benefit}, expressiveness {r['expressiveness']:.2f}")
        why = worst.rule.says + ": " + worst.answer.why if worst else f"no rule of {q.policy} is broken"
        counts = {outcome: 1}
        out.append(Answer(v.variant, outcome, counts, worst.answer.witness if worst else None, why,
                          summary_line=line, mark=mark))
    return tuple(out)


def findings(
    timeline: str | None = None,
    pairing: str | None = None,
    data_dir: str | Path | None = None,
    questions: Iterable[str] | None = None,
    machine: str | None = None,
    setting: Setting | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    jobs: int | None = 1,
    robust: bool = False,
) -> list[Finding]:
    """Every question of ``data_dir`` (the package's data by default) answered by the model.

    Each question is answered under its own setting with every axis ``setting`` changes from its
    default on top (``pairing`` and ``machine`` are shorthands for those axes); ``timeline``
    answers every question on that timeline instead of its own; ``questions`` limits the result
    to those ids (unknown ids raise, listing the valid ones). ``progress(done, total, question_id)``
    is called before each question is answered (in this process). ``jobs`` worker processes share
    the work (None: one per CPU; 1: this process alone): the comparisons behind the policy and
    Pareto questions are split by variant, the other questions go one per worker; the findings are
    the same whatever their number. With ``robust`` every answer is also computed under each
    one-axis change of its setting and says whether it flips (``pcidesign findings`` does; it costs
    about one more answer per alternative where no transition is shared).
    """
    cat = load(data_dir)
    user = Setting.of(setting, pairing=pairing, machine=machine).check(cat)
    if timeline is not None:
        cat.timeline(timeline)
    qs = load_questions(data_dir, cat)
    if questions is not None:
        wanted = list(questions)
        for w in wanted:
            if w not in {q.id for q in qs}:
                raise UnknownNameError("question", w, [q.id for q in qs])
        qs = tuple(q for q in qs if q.id in wanted)
    workers = parallel.jobs_of(jobs) if parallel.usable(v for q in qs for v in variants_of(q)) else 1
    if workers > 1:
        _computed_by_workers(qs, user, cat, timeline, robust, workers, progress)
    out = []
    for k, q in enumerate(qs):  # with workers, everything is remembered here by now
        if progress is not None:
            progress(k, len(qs), q.id)
        out.append(answer(q, user, cat, timeline, robust))
    return out


def _computed_by_workers(qs: Sequence[Question], user: Setting, cat: Catalog, timeline: str | None,
                         robust: bool, workers: int,
                         progress: Callable[[int, int, str], None] | None) -> None:
    """Every cell behind every answer of ``qs``, in one batch of the kept workers, each piece on
    the worker of its variant (where that variant's cells under the other settings are): the
    variants of the comparisons behind the policy and Pareto questions, and each variant's answer
    to the other questions, under the question's setting and, with ``robust``, each alternative.
    What comes back is remembered in this process, where :func:`answer` then finds it."""
    wanted: list[tuple[Sequence[str], str, Setting]] = []
    pieces: list[tuple[Question, str, Setting]] = []
    for q in qs:
        st = q.under(user).replace(timeline=timeline).check(cat)
        ids = {r.id for r in cat.timeline(st.timeline)}
        if not all(r in ids for r in q.sources + q.targets):
            continue  # skipped: nothing to compute
        under = [(st, variants_of(q))]
        for alt in _robustness.alternatives(st, variants_of(q)) if robust else ():
            alt_st, alt_ids, _ = _robustness.apply(alt, st, variants_of(q))
            under.append((alt_st.check(cat), alt_ids))
        for s2, vs in under:
            if q.method in ("policy", "pareto"):
                wanted.append((vs, q.policy, s2))
            else:  # what this process already remembers is not asked for again
                pieces += [(q, v, s2) for v in vs if answer_key(q, v, s2, cat) not in CACHE.data]
    batch = _compare.Batch(wanted, cat)
    unique = list(dict.fromkeys(pieces))
    items = [("part", p) for p in batch.items] + [("answer", p) for p in unique]
    if progress is not None:
        progress(0, len(qs), f"the cells of every question, {len(items)} pieces on {workers} workers")
    results = parallel.ordered(_piece, items, workers, cat, affinity=_piece_variant)
    # the parts come first: the comparisons are put together here while the workers go on
    batch.store([next(results) for _ in batch.items])  # type: ignore[misc]
    answered = list(results)  # to its end: a generator left half-read would end the kept workers
    for (q, v, s2), r in zip(unique, answered):
        CACHE.put(answer_key(q, v, s2, cat), r)


def _piece(item: tuple[str, tuple[object, ...]]) -> object:
    """In a worker (or here): one piece of :func:`findings`' batch: a variant's part of a
    comparison (:func:`pcidesign.analysis.compare.variant_part`) or a variant's answer to a
    question (:func:`pcidesign.analysis.questions.variant_answer`)."""
    kind, what = item
    if kind == "part":
        return _compare.variant_part(what)  # type: ignore[arg-type]
    question, variant, st = what  # the question itself: a worker reads no file for it
    with bulk():
        return variant_answer(question, variant, st, parallel.catalog())  # type: ignore[arg-type]


def _piece_variant(item: tuple[str, tuple[object, ...]]) -> object:
    """A piece's group: its variant's family (:func:`pcidesign.analysis.parallel.family`: its cells
    under another setting or question, and its scheme's other variants, share work)."""
    kind, what = item
    return parallel.family(what[0] if kind == "part" else what[1])  # type: ignore[arg-type]


__all__ = [
    "Answer", "CellWitness", "DEFAULT_PAIRING", "DIRECTIONS", "Finding", "INTENT_GROUPS", "METHODS", "PAIRINGS",
    "PathWitness", "Question", "WORDS", "answer", "findings", "load_questions", "pairs", "question_from_row",
    "select_intents", "variants_of",
]
