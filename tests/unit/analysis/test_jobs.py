"""--jobs: worker processes give the same results as one process, byte for byte (issue 22)."""

from __future__ import annotations

import hashlib
import os

import pytest

from pcidesign import cli
from pcidesign.analysis import findings, fleet, matrices, parallel
from pcidesign.model import registry as _schemes
from pcidesign.render import findingstext, fleettext

SCHEMES = ["status-quo", "model-subelement", "model-subelement+fill=define-only"]
SCENARIOS = ["restart", "migrate-roundtrip"]


def _pid(item: int) -> tuple[int, int]:
    return item, os.getpid()


def test_ordered_keeps_the_order_and_uses_other_processes() -> None:
    got = list(parallel.ordered(_pid, list(range(12)), 2))
    assert [i for i, _ in got] == list(range(12))
    assert {p for _, p in got} - {os.getpid()}, "jobs=2 ran every item in this process"
    assert {p for _, p in parallel.ordered(_pid, list(range(3)), 1)} == {os.getpid()}


def _group(item: int) -> int:
    return item % 3


def _remembered(item: int) -> tuple[int, int, int]:
    """The item, the worker's pid, and how many transitions that worker remembers now."""
    from pcidesign.model import engine

    before = engine.transitions_computed()
    engine.run("status-quo", "restart", "pci-bridge", "1.2.18", "1.2.19")  # one more result remembered
    return item, os.getpid(), before


def _fails(item: int) -> int:
    if item == 3:
        raise ValueError("item 3 is bad")
    return item


def test_kept_workers_give_each_group_one_home_from_call_to_call() -> None:
    from pcidesign.model import engine

    first = list(parallel.ordered(_pid, list(range(9)), 2, affinity=_group))
    again = list(parallel.ordered(_pid, list(range(9)), 2, affinity=_group))
    assert [i for i, _ in first] == list(range(9))
    homes = {i % 3: p for i, p in first}
    assert all(homes[i % 3] == p for i, p in first + again), "a group moved to another worker"
    assert len(set(homes.values())) == 2 and os.getpid() not in homes.values()
    # what a worker remembers stays for the next call, and the engine's reset reaches it
    warm = list(parallel.ordered(_remembered, [0, 1], 2, affinity=lambda i: i))
    assert list(parallel.ordered(_remembered, [0, 1], 2, affinity=lambda i: i))[0][2] > warm[0][2]
    engine.clear_cache()
    assert [n for _, _, n in parallel.ordered(_remembered, [0, 1], 2, affinity=lambda i: i)] == [0, 0]


def test_a_failing_item_reaches_the_caller_and_the_kept_workers_are_ended() -> None:
    list(parallel.ordered(_pid, [0, 1, 2], 2, affinity=_group))
    with pytest.raises(ValueError, match="item 3 is bad"):
        list(parallel.ordered(_fails, list(range(6)), 2, affinity=_group))
    assert not parallel._KEPT
    assert list(parallel.ordered(_fails, [0, 1, 2], 2, affinity=_group)) == [0, 1, 2]  # new workers


def test_bad_jobs_are_refused() -> None:
    with pytest.raises(Exception, match="whole number"):
        parallel.jobs_of(0)
    assert cli.main(["matrix", "--scheme", "status-quo", "--scenario", "restart", "--jobs", "0"]) == 2


def _digest(frame) -> str:  # type: ignore[no-untyped-def]
    return hashlib.sha256(frame.astype(str).to_csv().encode()).hexdigest()


def test_sweep_is_the_same_with_two_jobs() -> None:
    one = matrices.sweep(SCHEMES, SCENARIOS, "whatif", jobs=1)
    two = matrices.sweep(SCHEMES, SCENARIOS, "whatif", jobs=2)
    assert len(one) > 1000
    assert _digest(one) == _digest(two)
    assert list(one["outcome"].cat.categories) == list(two["outcome"].cat.categories)
    assert one.attrs == two.attrs


def test_matrix_command_prints_the_same_with_two_jobs(capsys: pytest.CaptureFixture[str]) -> None:
    out = []
    for jobs in ("1", "2"):
        assert cli.main(["matrix", "--scheme", "implied-subtype", "--scenario", "migrate", "--format", "csv",
                         "--jobs", jobs]) == 0
        out.append(capsys.readouterr().out)
    assert out[0] == out[1] and out[0].count("\n") > 100


def test_fleet_csv_is_the_same_with_two_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fleet, "CHUNK", 7)  # several work items from the small sample fleet
    one = fleet.scan(jobs=1)
    two = fleet.scan(jobs=2)
    assert one.domains == two.domains > 20
    for show in ("summary", "worst", "errors", "machines"):
        assert fleettext.render(one, "csv", show) == fleettext.render(two, "csv", show)
    assert one.totals().equals(two.totals())


def test_findings_json_is_the_same_with_two_jobs() -> None:
    wanted = ["h1-restart-2015", "idea3-downgrade", "save-restore-downgrade", "policy-ovirt"]
    one = findingstext.render(findings.findings(questions=wanted, jobs=1), "json")
    two = findingstext.render(findings.findings(questions=wanted, jobs=2), "json")
    assert one == two
    assert '"policy-ovirt"' in one


def test_prefetched_comparisons_are_those_compare_computes() -> None:
    import pandas as pd

    from pcidesign.analysis import compare
    from pcidesign.model import engine
    from pcidesign.model.setting import Setting

    st = Setting(timeline="whatif")
    engine.clear_cache()
    alone = compare.compare(SCHEMES, None, "upstream", setting=st, jobs=1)
    engine.clear_cache()
    compare.prefetch([(SCHEMES, "upstream", st), (SCHEMES[:2], "upstream", st.replace(writer="newest"))], jobs=2)
    before = engine.transitions_computed()
    got = compare.compare(SCHEMES, None, "upstream", setting=st, jobs=2)
    assert engine.transitions_computed() == before, "compare computed again what prefetch computed"
    pd.testing.assert_frame_equal(got.summary, alone.summary)
    pd.testing.assert_frame_equal(got.per_release, alone.per_release)
    assert got.to_json() == alone.to_json()
    with pytest.raises(Exception, match="policy"):
        compare.prefetch([(SCHEMES, "no-such-policy", st)], jobs=2)


def test_findings_with_robustness_is_the_same_with_two_jobs_and_the_workers_answers_are_kept() -> None:
    """With workers, each variant's answer (under each robustness alternative) comes back from the
    batch and is remembered here: putting the findings together computes no cell in this process."""
    from pcidesign.analysis import questions
    from pcidesign.model import engine

    wanted = ["idea3-downgrade", "jan-migratable-back"]
    engine.clear_cache()
    one = findingstext.render(findings.findings(questions=wanted, jobs=1, robust=True), "json")
    engine.clear_cache()
    two = findings.findings(questions=wanted, jobs=2, robust=True)
    assert findingstext.render(two, "json") == one
    q = next(q for q in findings.load_questions() if q.id == "jan-migratable-back")
    before = engine.transitions_computed()
    again = findings.answer(q, robust=True)
    assert engine.transitions_computed() == before, "the answers the workers gave were computed again here"
    assert again.answers == next(f for f in two if f.question.id == q.id).answers
    assert any(k[0] == "answer" for k in engine.CACHE.data), "no answer was remembered"
    assert questions.answer_key(q, findings.variants_of(q)[0], q.under(), findings.load()) in engine.CACHE.data
    # a scheme's variants share one worker (their documents are parsed and laid out once there)
    assert any("+" in v for v in findings.variants_of(q))
    homes = {g for kept in parallel._KEPT.values() for g in kept.home}
    assert homes and all("+" not in str(g) for g in homes), homes


def test_a_variant_belongs_to_its_schemes_family() -> None:
    assert parallel.family("model-subelement+fill=define-only+migratable=omit-legacy") == "model-subelement"
    assert parallel.family("status-quo") == "status-quo"
    assert {parallel.family(v) for v in _schemes.default_variants()} == set(_schemes.scheme_ids())
