"""``fleet --direction`` and domains that hold a controller the scheme cannot express (issue 24)."""

from __future__ import annotations

import pytest

from pcidesign import cli
from pcidesign.analysis import fleet
from pcidesign.model.vocab import Outcome

SAMPLE = str(fleet.SAMPLE_DIR)


def _domains(scan: fleet.FleetScan, scheme: str, target: str, scenario: str) -> dict[str, int]:
    part = scan.summary.query("scheme == @scheme and target == @target and scenario == @scenario")
    return dict(zip(part["outcome"].astype(str), part["domains"]))


def test_domain_outcome_puts_not_expressible_above_ok_and_below_failures() -> None:
    ok, ne, rw, lost = Outcome.OK, Outcome.NOT_EXPRESSIBLE, Outcome.REWRITTEN, Outcome.DOMAIN_LOST
    assert fleet.domain_outcome([ok, ne, ok]) is ne
    assert fleet.domain_outcome([rw, ne]) is ne
    assert fleet.domain_outcome([ne, lost]) is lost
    assert fleet.domain_outcome([ok, rw]) is rw
    assert fleet.domain_outcome([]) is ok


def test_status_quo_domains_it_cannot_express_are_not_counted_ok() -> None:
    scan = fleet.scan(schemes=["status-quo"], targets=["4.3.0"], scenarios=["restart"])
    got = _domains(scan, "status-quo", "4.3.0", "restart")
    ctl = scan.summary.query("outcome == 'not-expressible'")["controllers"].sum()
    assert ctl > 0 and got["not-expressible"] > 0  # the sample has root ports status quo cannot name
    assert got["ok"] + got["not-expressible"] + sum(v for k, v in got.items()
                                                    if k not in ("ok", "not-expressible")) == scan.domains
    # every domain counted not-expressible really holds such a controller and no failure
    infos = [fleet.read_domain(p) for p in sorted(fleet.SAMPLE_DIR.rglob("*.xml"))]
    from pcidesign.model import engine
    from pcidesign.model.catalog import load
    cat = load()
    expected = 0
    for info in infos:
        outs = [engine.run("status-quo", "restart", i, "9.0.0", "4.3.0", cat).outcome for i in info.intents]
        if Outcome.NOT_EXPRESSIBLE in outs and not any(o.is_failure for o in outs):
            expected += 1
    assert got["not-expressible"] == expected


def test_the_default_is_both_and_says_which_moves_it_made() -> None:
    scan = fleet.scan(schemes=["status-quo"], scenarios=["restart"], source="2.5.0")
    assert scan.direction == "both"
    assert scan.targets_of("downgrade") == ("1.2.18", "1.2.19", "1.3.4")
    assert scan.targets_of("upgrade") == ("3.2.0", "4.0.0", "4.3.0", "9.0.0")


def test_direction_keeps_one_kind_of_target() -> None:
    up = fleet.scan(schemes=["status-quo"], scenarios=["restart"], source="2.5.0", direction="upgrade")
    assert up.targets == ("3.2.0", "4.0.0", "4.3.0", "9.0.0") and set(up.moves.values()) == {"upgrade"}
    down = fleet.scan(schemes=["status-quo"], scenarios=["restart"], direction="downgrade", timeline="whatif")
    assert "H1" not in down.targets and set(down.moves.values()) == {"downgrade"}


def test_cli_names_the_direction(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fleet", SAMPLE, "--scheme", "status-quo", "--timeline", "whatif"]) == 0
    out = capsys.readouterr().out
    assert "direction both (upgrades and downgrades)" in out
    assert "status quo (status-quo), downgrades from 9.0.0:" in out
    assert "status quo (status-quo), upgrades from 9.0.0:" in out
    assert "counts as not-expressible, not ok" in out


@pytest.mark.parametrize("argv, message", [
    (["--direction", "upgrade"], "no release of timeline real is newer than 9.0.0"),
    (["--direction", "upgrade", "--target", "1.2.18"], "target 1.2.18 is not newer than 9.0.0"),
    (["--direction", "sideways"], "invalid choice: 'sideways'"),
])
def test_cli_refuses_a_direction_without_targets(argv: list[str], message: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fleet", SAMPLE, *argv]) == 2
    assert message in capsys.readouterr().err
