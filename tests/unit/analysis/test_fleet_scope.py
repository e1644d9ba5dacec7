"""Fleet under scope ``naming``: per target, the domains holding a controller the target (or the
release the fleet runs) does not know are left out and counted apart; ``--scope all`` counts all."""

from __future__ import annotations

import pytest

from pcidesign import cli
from pcidesign.analysis import fleet
from pcidesign.model import autoadd
from pcidesign.model.errors import UnknownNameError

SCHEMES = ["status-quo", "model-subelement"]


@pytest.fixture(scope="module")
def scans() -> tuple[fleet.FleetScan, fleet.FleetScan]:
    return fleet.scan(schemes=SCHEMES, scope="all"), fleet.scan(schemes=SCHEMES, scope="naming")


def test_every_domain_is_counted_once_or_left_out(scans: tuple[fleet.FleetScan, fleet.FleetScan]) -> None:
    everything, naming = scans
    assert everything.left_out == {} and naming.scope == "naming"
    counted = naming.summary.groupby(["scheme", "target", "scenario"], observed=True)["domains"].sum()
    for (scheme, target, scenario), n in counted.items():
        assert n + naming.left_out[target][0] == naming.domains, (scheme, target, scenario)
    assert naming.left_out["1.2.18"][0] > naming.left_out["4.0.0"][0] > 0  # 1.2.18 knows the fewest classes
    assert naming.left_out["4.3.0"] == (0, 0)


def test_a_left_out_domain_holds_a_controller_out_of_scope(catalog) -> None:  # type: ignore[no-untyped-def]
    src = catalog.release("9.0.0")
    for target in ("1.2.18", "1.3.4"):
        tgt = catalog.release(target)
        infos = [fleet.read_domain(f, catalog=catalog) for f in sorted(fleet.SAMPLE_DIR.glob("*.xml"))]
        outside = [i for i in infos if any(not autoadd.in_naming_scope(catalog, catalog.intent(x), src, tgt)
                                           for x in i.intents)]
        got = fleet.scan(schemes=["status-quo"], targets=[target], scope="naming")
        assert got.left_out[target] == (len(outside), sum(len(i.intents) for i in outside))


def test_naming_only_removes_the_failures_every_scheme_shares(scans: tuple[fleet.FleetScan, fleet.FleetScan]) -> None:
    everything, naming = scans
    lost = lambda s: s.summary[(s.summary["outcome"].astype(str) == "domain-lost")  # noqa: E731
                               & (s.summary["target"] == "1.2.18")]["domains"].sum()
    assert lost(everything) > 0 and lost(naming) < lost(everything)


def test_an_unknown_scope_is_refused() -> None:
    with pytest.raises(UnknownNameError, match="valid: all, naming"):
        fleet.scan(scope="everything")


def test_the_cli_defaults_to_naming_and_says_so(capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    base = ["fleet", str(fleet.SAMPLE_DIR), "--scheme", "status-quo", "--target", "1.2.18"]
    assert cli.main(base) == 0
    out = capsys.readouterr().out
    assert "scope naming: left out, per target," in out and "1.2.18: " in out and "--scope all counts them" in out
    assert cli.main(base + ["--scope", "all"]) == 0
    assert "scope all: every domain counted" in capsys.readouterr().out
    assert cli.main(base + ["--format", "json"]) == 0
    import json
    doc = json.loads(capsys.readouterr().out)
    assert doc["scope"] == "naming" and doc["left_out"]["1.2.18"]["domains"] > 0
