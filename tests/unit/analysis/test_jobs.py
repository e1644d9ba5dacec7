"""--jobs: worker processes give the same results as one process, byte for byte (issue 22)."""

from __future__ import annotations

import hashlib
import os

import pytest

from pcidesign import cli
from pcidesign.analysis import findings, fleet, matrices, parallel
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
