"""The comparison a design review ranks by: support policies, benefit, expressiveness, Pareto front."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

matplotlib.use("Agg")

import pcidesign  # noqa: E402
from pcidesign.analysis import compare, policies  # noqa: E402
from pcidesign.cli import main  # noqa: E402
from pcidesign.model import registry  # noqa: E402
from pcidesign.model.errors import DataError, UsageError  # noqa: E402
from pcidesign.model.vocab import Outcome  # noqa: E402
from pcidesign.render import comparetext, paretoplot  # noqa: E402


@pytest.fixture(scope="module")
def whatif_json() -> dict:
    """Issue 9, acceptance 4: the JSON of ``compare --timeline whatif --policy upstream``."""
    return _json(["compare", "--timeline", "whatif", "--policy", "upstream", "--format", "json"])


def _json(argv: list[str]) -> dict:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(argv) == 0
    return json.loads(buf.getvalue())


def test_json_lists_every_default_variant_with_its_measures(whatif_json: dict) -> None:
    got = [v["variant"] for v in whatif_json["variants"]]
    assert got == list(registry.default_variants())
    assert "model-subelement+fill=define-only" in got and "status-quo+fill=define-only" not in got
    for v in whatif_json["variants"]:
        assert set(v) >= {"variant", "meets", "pareto", "benefit", "expressiveness", "violations", "releases"}
        assert v["meets"] == (not v["violations"])
        for x in v["violations"]:
            assert Outcome(x["worst"]).severity > Outcome(x["allowed"]).severity
            assert x["worse"] >= 1 and x["witness"]["command"].startswith("pcidesign explain --scheme " + v["variant"])
    assert any(v["pareto"] for v in whatif_json["variants"])


def test_status_quo_buys_nothing_where_a_default_changed(whatif_json: dict) -> None:
    sq = next(v for v in whatif_json["variants"] if v["variant"] == "status-quo")
    for rel in ("3.2.0", "4.0.0", "4.3.0", "9.0.0", "H1", "H2"):
        assert "pcie-root-port" in sq["releases"][rel]["misses"]
        assert sq["releases"][rel]["benefit"] == 0
    assert sq["releases"]["1.2.19"]["benefit"] is None  # no default changed yet: nothing to gain
    assert sq["benefit"] == 0
    ms = next(v for v in whatif_json["variants"] if v["variant"] == "model-subelement")
    assert "pcie-root-port" in ms["releases"]["3.2.0"]["gets_preferred"]


def test_the_h1_silent_change_is_a_violation_with_its_witness(whatif_json: dict) -> None:
    ms = {v["variant"]: v for v in whatif_json["variants"]}
    upgrade = [x for x in ms["model-subelement"]["violations"] if x["rule"] == "upgrade"]
    assert upgrade and upgrade[0]["worst"] == "guest-changed"
    assert "dmi-to-pci-bridge" in upgrade[0]["witness"]["text"] and "H1" in upgrade[0]["witness"]["text"]
    assert not any(x["rule"] == "upgrade" for x in ms["model-subelement+fill=define-only"]["violations"])


def test_the_front_is_exactly_the_undominated_variants() -> None:
    c = compare.compare(timeline="whatif", policy="upstream")
    s = c.summary.set_index("variant")
    for v, row in s.iterrows():
        beaten = [
            o for o, other in s.iterrows()
            if other["violated"] <= row["violated"] and other["benefit"] >= row["benefit"]
            and other["expressiveness"] >= row["expressiveness"]
            and (other["violated"], other["benefit"], other["expressiveness"])
            != (row["violated"], row["benefit"], row["expressiveness"])
        ]
        assert bool(row["pareto"]) == (not beaten), (v, beaten)
    assert not s.loc["status-quo", "pareto"]  # no benefit and less expressive: dominated


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([0.0, 0.5, 1.0]), st.sampled_from([0.5, 1.0])),
                min_size=1, max_size=8))
def test_pareto_front_is_never_empty_and_never_dominated(points: list[tuple[int, float, float]]) -> None:
    frame = pd.DataFrame(points, columns=["violated", "benefit", "expressiveness"])
    front = compare.pareto(frame)
    assert front.any()
    best = frame.assign(k=-frame["violated"]).sort_values(["k", "benefit", "expressiveness"]).iloc[-1]
    assert front[(frame == best[frame.columns]).all(axis=1)].all()  # the best on the first axis is on it


def test_policies_are_data_with_checked_rows(data_copy: Path) -> None:
    rules = policies.load_policies(data_copy)
    assert set(rules) >= {"upstream", "ovirt"}
    assert all(r.allowed in Outcome for rs in rules.values() for r in rs)
    path = data_copy / policies.POLICIES_FILE
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace(",rewritten,cells,restart,all,forward,", ",fine,cells,restart,all,forward,", 1),
                    encoding="utf-8")
    with pytest.raises(DataError, match=r"support-policies.csv, row 2: unknown outcome 'fine'"):
        policies.load_policies(data_copy)
    lines = good.splitlines()
    path.write_text("\n".join(lines + [lines[1]]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=rf"row {len(lines) + 1}: rule 'upgrade' appears twice"):
        policies.load_policies(data_copy)


def test_cli_refuses_an_unknown_policy_and_fails_on_violation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--policy", "lts"]) == 2
    err = capsys.readouterr().err
    assert "unknown support policy 'lts'" in err and "upstream, ovirt" in err
    assert main(["compare", "--variant", "status-quo+fill=never"]) == 2
    assert "status-quo fixes every device" in capsys.readouterr().err
    argv = ["compare", "--timeline", "whatif", "--variant", "model-subelement", "--fail-on-violation"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "what shipped (model-subelement) breaks upgrade: guest-changed" in out
    assert "explain: pcidesign explain --scheme model-subelement" in out
    assert main(["compare", "--timeline", "whatif", "--variant", "status-quo", "--fail-on-violation"]) == 0


def test_pareto_plot_names_every_variant() -> None:
    # variants whose front has two points (a trade-off), so that the staircase is drawn
    c = compare.compare(["status-quo", "model-is-device", "model-subelement", "model-subelement+fill=define-only"],
                        timeline="whatif")
    ax = paretoplot.pareto_scatter(c.summary)
    text = "\n".join(t.get_text() for t in ax.texts)
    for v in c.summary["variant"]:
        assert v in text
    assert any(line.get_linestyle() == "--" for line in ax.lines)  # the front's staircase
    with pytest.raises(UsageError, match="lacks column"):
        paretoplot.pareto_scatter(pd.DataFrame({"variant": ["a"]}))
    assert "| `status-quo` |" in comparetext.render(c, "markdown")


# -- benefit per guest ---------------------------------------------------------------------------------
def test_guest_benefit_weighs_each_class_by_the_guests_that_hold_it() -> None:
    """Two releases; a guest counts at a release only if one of its classes has something to gain
    there, and gets the benefit only if every such class gets the better device."""
    import pandas as pd

    from pcidesign.analysis.compare import guest_benefit

    per = pd.DataFrame([
        {"variant": "v", "gets_preferred": "pcie-root-port", "misses": "dmi-to-pci-bridge"},
        {"variant": "v", "gets_preferred": "", "misses": ""},
        {"variant": "w", "gets_preferred": "pcie-root-port dmi-to-pci-bridge", "misses": ""},
        {"variant": "w", "gets_preferred": "", "misses": ""},
    ])
    guests = [("pcie-root-port",), ("pcie-root-port", "dmi-to-pci-bridge"), ("pci-bridge",)]
    cat = pcidesign.load_catalog()
    got = guest_benefit(per, guests, cat)
    assert got == {"v": 0.5, "w": 1.0}  # the pci-bridge guest has nothing to gain: not counted
    assert math.isnan(guest_benefit(per, [("pci-bridge",)], cat)["v"])


def test_compare_weighs_the_benefit_by_a_fleet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    (fleet / "a.xml").write_text(
        "<domain type='kvm'><name>a</name><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<controller type='pci' index='0' model='pcie-root'/>"
        "<controller type='pci' index='1' model='pcie-root-port'/></devices></domain>")
    c = compare.compare(["status-quo", "model-subelement"], "real", fleet=fleet)
    per_guest = dict(zip(c.summary["variant"], c.summary["guest_benefit"]))
    assert per_guest == {"status-quo": 0.0, "model-subelement": 1.0}
    assert c.to_json()["variants"][1]["guest_benefit"] == 1.0
    assert main(["compare", "--variant", "status-quo", "--fleet", str(tmp_path / "none")]) == 2
    assert "not a directory" in capsys.readouterr().err
