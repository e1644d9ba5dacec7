"""Multi-hop paths: the search agrees with the scenarios, finds the shortest witnesses, and is
deterministic; the CLI's exit statuses; notebook 04 through papermill."""

from __future__ import annotations

import csv
import itertools
import json
import random
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcidesign.model import engine
from pcidesign.render import pathplot
from pcidesign.analysis import paths
from pcidesign.render import plots
from pcidesign.model import registry as schemes
from pcidesign.model.catalog import Catalog, load
from pcidesign.cli import main
from pcidesign.model.errors import PcidesignError, UnknownNameError
from pcidesign.model.scenarios import Scenario
from pcidesign.model.errors import HopError
from pcidesign.model.hops import HOPS
from pcidesign.model.vocab import Hop, Outcome
from conftest import ROOT

matplotlib.use("Agg")

DMI = "dmi-to-pci-bridge"
NOTEBOOK = ROOT / "notebooks" / "04_paths.ipynb"
EQUIVALENCE_SCHEMES = ("model-subelement", "written-subtype", "implied-subtype", "migratable-compat")


# -- helpers ----------------------------------------------------------------------------------------
def tiny_catalog(data_copy: Path, timelines: dict[str, list[str]]) -> Catalog:
    """The package's data with extra timelines made of the given releases (in file order)."""
    path = data_copy / "releases.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
        columns = list(rows[0])
    for row in rows:
        names = row["timelines"].split()
        names += [t for t, members in timelines.items() if row["release"] in members]
        row["timelines"] = " ".join(names)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, columns)
        w.writeheader()
        w.writerows(rows)
    return load(data_copy)


def play(scheme: str, intent: str, start: str, route: list[tuple[Hop, str]], timeline: str,
         cat: Catalog) -> engine.Result:
    """The engine's own scenario player on an ad-hoc scenario whose roles are release ids."""
    sch = schemes.get(scheme)
    dialects = {r: sch.dialect(cat.host(cat.release(r, timeline)), cat) for r in {start, *(r for _, r in route)}}
    dialects["A"], dialects["B"] = dialects[start], dialects[route[-1][1] if route else start]
    scn = Scenario("path", "", ((Hop.DEFINE, start), *route))
    xml = engine.write_intent(dialects[start], cat.intent(intent))
    if xml is None:
        return engine.Result(scheme, "path", intent, start, start, Outcome.NOT_EXPRESSIBLE, "", ())
    return engine._play(sch, scn, xml, dialects, intent)


def brute_force(scheme: str, timeline: str, max_hops: int, hops: tuple[Hop, ...], intents: list[str],
                cat: Catalog, starts: list[str] | None = None) -> Iterator[tuple[str, str, list[tuple[Hop, str]], Outcome]]:
    """Every path (intent, start, route, outcome) in tie-break order, by enumeration."""
    releases = [r.id for r in cat.timeline(timeline)]
    order = [h for h in paths.HOP_ORDER if h in hops]

    def extend(intent: str, start: str, route: list[tuple[Hop, str]], here: str) -> Iterator[tuple]:
        if len(route) == max_hops:
            return
        for hop in order:
            for target in ([here] if HOPS[hop].at_holder else releases):
                longer = route + [(hop, target)]
                try:
                    res = play(scheme, intent, start, longer, timeline, cat)
                except HopError:  # a restore or revert with no image taken before: not a path
                    continue
                yield intent, start, longer, res.outcome
                if len(res.steps) == len(longer) + 1 and res.steps[-1].hardware is not None \
                        and res.steps[-1].event in (None, Outcome.GUEST_CHANGED):
                    yield from extend(intent, start, longer, target)

    for intent in [i for i in cat.intents if i in intents]:
        for start in starts or releases:
            if play(scheme, intent, start, [], timeline, cat).outcome is Outcome.NOT_EXPRESSIBLE:
                yield intent, start, [], Outcome.NOT_EXPRESSIBLE
                continue
            yield from extend(intent, start, [], start)


def check_against_brute_force(scheme: str, timeline: str, max_hops: int, hops: tuple[Hop, ...],
                              intents: list[str], cat: Catalog, start: str | None = None) -> paths.Exploration:
    e = paths.explore(scheme, timeline, max_hops, hops, intents, start, catalog=cat)
    first: dict[Outcome, tuple[int, str, str, list]] = {}
    count = 0
    for intent, st_, route, outcome in brute_force(scheme, timeline, max_hops, hops, intents, cat,
                                                    [start] if start else None):
        count += 1
        best = first.get(outcome)
        if best is None or len(route) < best[0]:
            first[outcome] = (len(route), intent, st_, route)
    assert e.paths == count, "the DP count of paths differs from enumeration"
    assert set(e.witnesses) == set(first), "reachable outcomes differ from enumeration"
    for o, (length, intent, st_, route) in first.items():
        w = e.witnesses[o]
        assert w.hops == length, f"{o}: the search's witness has {w.hops} hops, the shortest path has {length}"
        # The enumeration runs in tie-break order too, so the first shortest path is the witness.
        assert (w.intent, w.start, list(w.route)) == (intent, st_, route), o
    return e


# -- equivalence with the scenarios ------------------------------------------------------------------
@pytest.mark.parametrize("scheme", EQUIVALENCE_SCHEMES)
def test_single_hops_and_roundtrips_equal_the_scenarios(scheme: str, catalog: Catalog) -> None:
    releases = [r.id for r in catalog.timeline("whatif")]
    for intent in catalog.intents:
        for a in releases:
            for b in releases:
                cases = {
                    "restart": [(Hop.RESTART, b)],
                    "migrate": [(Hop.MIGRATE, b)],
                    "resave-roundtrip": [(Hop.RESTART, b), (Hop.RESAVE, b), (Hop.RESTART, a)],
                    "migrate-roundtrip": [(Hop.MIGRATE, b), (Hop.MIGRATE, a)],
                }
                for scenario, route in cases.items():
                    want = engine.run(scheme, scenario, intent, a, b, catalog)
                    got, _ = paths.follow(scheme, intent, a, route, "whatif", catalog)
                    assert got is want.outcome, (scheme, scenario, intent, a, b)
                    w = paths.replay(scheme, intent, a, route, "whatif", catalog)
                    assert w.outcome is want.outcome and w.reason == want.detail, (scheme, scenario, intent, a, b)


@pytest.mark.parametrize("scheme", ["model-subelement", "written-subtype"])
def test_one_hop_search_reaches_what_the_scenarios_do(scheme: str, catalog: Catalog) -> None:
    releases = [r.id for r in catalog.timeline("whatif")]
    for intent in (DMI, "pcie-root-port", "pcie-root-port:ioh3420"):
        for a in releases:
            for scenario, hop in (("restart", "restart"), ("migrate", "migrate")):
                e = paths.explore(scheme, "whatif", 1, hop, [intent], a, catalog=catalog)
                want = {engine.run(scheme, scenario, intent, a, b, catalog).outcome for b in releases}
                assert set(e.witnesses) == want, (intent, a, scenario)


def test_pairwise_is_the_union_of_the_single_hop_matrices(catalog: Catalog) -> None:
    from pcidesign.analysis import matrices as analysis

    for scheme in ("impl-attribute", "model-is-device"):
        e = paths.explore(scheme, "whatif", hops="restart,migrate", notion="pairwise", catalog=catalog)
        frames = [analysis.matrix(scheme, s, "whatif", catalog=catalog) for s in ("restart", "migrate")]
        want = {Outcome(v) for f in frames for v in f["outcome"].astype(str)}
        assert set(e.witnesses) == want and e.max_hops == 1


# -- the acceptance cases on whatif --------------------------------------------------------------------
def test_model_subelement_reaches_guest_changed(catalog: Catalog) -> None:
    e = paths.explore("model-subelement", "whatif", 3, intents=[DMI], catalog=catalog)
    assert e.worst is Outcome.GUEST_CHANGED


def test_from_9_0_0_a_downgrade_resave_and_restart_on_h1_change_the_guest(catalog: Catalog) -> None:
    e = paths.explore("model-subelement", "whatif", 3, intents=[DMI], start="9.0.0", catalog=catalog)
    assert e.reaches(Outcome.GUEST_CHANGED) and e.witnesses[Outcome.GUEST_CHANGED].hops <= 3
    w = paths.explore("model-subelement", "whatif", 3, "restart,resave", [DMI], "9.0.0",
                      catalog=catalog).witnesses[Outcome.GUEST_CHANGED]
    (h1, r1), (h2, r2), (h3, r3) = w.route
    assert w.start == "9.0.0" and (h1, h2, h3, r3) == (Hop.RESTART, Hop.RESAVE, Hop.RESTART, "H1")
    assert r1 == r2 and catalog.release(r1).key < catalog.release("1.2.19").key  # a downgrade
    assert b"<model name" in w.steps[0].xml_out and b"<model name" not in w.steps[2].xml_out
    assert w.steps[3].event is Outcome.GUEST_CHANGED
    assert w.after == (Outcome.OK, Outcome.INFO_LOST, Outcome.INFO_LOST, Outcome.GUEST_CHANGED)


@pytest.mark.parametrize("scheme", ["implied-subtype", "model-is-device"])
def test_schemes_that_never_change_the_guest(scheme: str, catalog: Catalog) -> None:
    e = paths.explore(scheme, "whatif", 4, intents=[DMI], catalog=catalog)
    assert not e.reaches(Outcome.GUEST_CHANGED) and e.paths > 10**6


def test_start_limits_the_first_define(catalog: Catalog) -> None:
    e = paths.explore("model-subelement", "whatif", 2, catalog=catalog, start="H1")
    assert {w.start for w in e.witnesses.values()} == {"H1"}
    every = paths.explore("model-subelement", "whatif", 2, catalog=catalog)
    assert e.paths < every.paths and e.paths_by_length[1] * len(catalog.timeline("whatif")) >= every.paths_by_length[1] // 2
    # One restart on H1 changes a guest defined at 1.2.18, never one defined at 9.0.0 (the name is saved).
    assert paths.explore("model-subelement", "whatif", 1, "restart", [DMI], "1.2.18",
                         catalog=catalog).reaches(Outcome.GUEST_CHANGED)
    assert not paths.explore("model-subelement", "whatif", 1, "restart", [DMI], "9.0.0",
                             catalog=catalog).reaches(Outcome.GUEST_CHANGED)


# -- shortest witnesses on small hand-made timelines ------------------------------------------------
def test_known_shortest_paths_on_tiny_timelines(data_copy: Path) -> None:
    cat = tiny_catalog(data_copy, {"tiny": ["1.2.18", "9.0.0", "H1"], "pair": ["1.2.18", "H1"]})
    # 1.2.18 writes no name, H1 fills in its new default: one restart changes the guest.
    w = paths.explore("model-subelement", "pair", 3, intents=[DMI], catalog=cat).witnesses[Outcome.GUEST_CHANGED]
    assert w.route == ((Hop.RESTART, "H1"),) and w.start == "1.2.18"
    # From 9.0.0 the name is saved. Restarts alone never change the saved file: no path changes the guest.
    only_restart = paths.explore("model-subelement", "tiny", 4, "restart", [DMI], "9.0.0", catalog=cat)
    assert not only_restart.reaches(Outcome.GUEST_CHANGED)
    # With resaves it takes exactly three hops: downgrade, resave, restart on H1.
    e = paths.explore("model-subelement", "tiny", 4, "restart,resave", [DMI], "9.0.0", catalog=cat)
    assert e.witnesses[Outcome.GUEST_CHANGED].route == (
        (Hop.RESTART, "1.2.18"), (Hop.RESAVE, "1.2.18"), (Hop.RESTART, "H1"))
    # A migration to 1.2.18 saves its own config there: two hops suffice.
    e = paths.explore("model-subelement", "tiny", 4, intents=[DMI], start="9.0.0", catalog=cat)
    assert e.witnesses[Outcome.GUEST_CHANGED].route == ((Hop.MIGRATE, "1.2.18"), (Hop.RESTART, "H1"))


@pytest.mark.parametrize(("scheme", "hops", "max_hops", "start"), [
    ("model-subelement", paths.DEFAULT_HOPS, 3, None),
    ("model-subelement", (Hop.RESTART, Hop.RESAVE), 4, "9.0.0"),
    ("written-subtype", paths.DEFAULT_HOPS, 3, None),
    ("migratable-compat", (Hop.MIGRATE, Hop.RESAVE), 3, None),
    ("impl-attribute", paths.DEFAULT_HOPS, 2, "H2"),
    # the lifecycle hops of the hop table: where the guest is, what needs an image, the app's XML
    ("model-subelement", (Hop.RESTART, Hop.DAEMON_RESTART, Hop.SAVE, Hop.RESTORE, Hop.MIGRATE_APP_XML), 2, "9.0.0"),
    ("impl-attribute", (Hop.SNAPSHOT, Hop.REVERT, Hop.EDIT, Hop.RESAVE), 3, "1.2.18"),
])
def test_search_matches_enumeration_of_every_path(data_copy: Path, scheme: str, hops: tuple[Hop, ...],
                                                  max_hops: int, start: str | None) -> None:
    cat = tiny_catalog(data_copy, {"tiny": ["1.2.18", "9.0.0", "H1"], "tiny2": ["1.2.19", "9.0.0", "H1", "H2"]})
    timeline = "tiny2" if start == "H2" else "tiny"
    intents = [DMI, "dmi-to-pci-bridge:i82801b11-bridge", "dmi-to-pci-bridge:generic-dmi-bridge", "pcie-root-port"]
    check_against_brute_force(scheme, timeline, max_hops, hops, intents, cat, start)


def test_adjacent_paths_move_one_release_at_a_time(data_copy: Path, catalog: Catalog) -> None:
    by = paths.notions("model-subelement", "whatif", 4, intents=[DMI], catalog=catalog)
    order = [r.id for r in catalog.timeline("whatif")]
    for w in by["adjacent"].witnesses.values():
        rel = [order.index(r) for r in w.releases]
        assert all(abs(b - a) <= 1 for a, b in itertools.pairwise(rel)), w.describe()
    for n in ("pairwise", "adjacent"):
        assert set(by[n].witnesses) <= set(by["closure"].witnesses)
    assert all(w.hops <= 1 for w in by["pairwise"].witnesses.values())
    # On a timeline of two releases every hop is adjacent: the two notions coincide.
    cat = tiny_catalog(data_copy, {"pair": ["1.2.18", "H1"]})
    a = paths.explore("model-subelement", "pair", 3, notion="adjacent", catalog=cat)
    c = paths.explore("model-subelement", "pair", 3, notion="closure", catalog=cat)
    assert a.to_dict() == {**c.to_dict(), "notion": "adjacent"}


def test_notions_disagree_where_a_path_needs_several_hops(catalog: Catalog) -> None:
    by = paths.notions("model-subelement", "whatif", 3, "restart,resave", [DMI], "9.0.0", catalog)
    frame = paths.notions_frame({"model-subelement": by})
    row = frame.iloc[0]
    assert row["pairwise"] == "info-lost" and row["closure"] == "guest-changed" and not row["agree"]
    assert "guest-changed: " in row["disagree"] and "pairwise" not in row["disagree"].split(";")[0]
    table = paths.notion_outcomes(by)
    assert table.loc["guest-changed", "closure"] == 3 and table.isna().loc["guest-changed", "pairwise"]


def test_budget_table_matches_separate_searches(catalog: Catalog) -> None:
    found = paths.explore_all(["model-subelement", "written-subtype"], "whatif", 3, intents=[DMI], catalog=catalog)
    table = paths.budget_table(found)
    for e in found:
        for k in (1, 2, 3):
            alone = paths.explore(e.scheme, "whatif", k, intents=[DMI], catalog=catalog)
            assert table.loc[e.scheme, f"K={k}"] == alone.worst.value
    with pytest.raises(PcidesignError):
        paths.budget_table(found, [4])


# -- determinism --------------------------------------------------------------------------------------
POOL = [DMI, "dmi-to-pci-bridge:xyz-dmi-bridge", "pcie-root-port", "pcie-root-port:ioh3420", "pci-bridge"]
_REFERENCE: dict[tuple, dict] = {}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    scheme=st.sampled_from(["model-subelement", "migratable-compat", "multiplex-model"]),
    chosen=st.lists(st.sampled_from(POOL), min_size=1, max_size=6),
    hop_names=st.lists(st.sampled_from(["restart", "resave", "migrate"]), min_size=1, max_size=5),
    clear=st.booleans(),
    seed=st.integers(0, 10**6),
)
def test_results_do_not_depend_on_order_cache_or_repetition(scheme: str, chosen: list[str], hop_names: list[str],
                                                           clear: bool, seed: int) -> None:
    cat = load()
    key = (scheme, frozenset(chosen), frozenset(hop_names))
    if key not in _REFERENCE:
        engine.clear_cache()
        _REFERENCE[key] = paths.explore(scheme, "whatif", 2, sorted(set(hop_names)), sorted(set(chosen)),
                                        catalog=cat).to_dict()
    if clear:
        engine.clear_cache()
    random.Random(seed).shuffle(chosen)
    random.Random(seed + 1).shuffle(hop_names)
    got = paths.explore(scheme, "whatif", 2, ",".join(hop_names), chosen, catalog=cat).to_dict()
    assert got == _REFERENCE[key]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_follow_agrees_with_the_engine_on_random_paths(data: st.DataObject) -> None:
    cat = load()
    releases = [r.id for r in cat.timeline("whatif")]
    scheme = data.draw(st.sampled_from(schemes.scheme_ids()))
    intent = data.draw(st.sampled_from(list(cat.intents)))
    start = data.draw(st.sampled_from(releases))
    route: list[tuple[Hop, str]] = []
    here = start
    for _ in range(data.draw(st.integers(1, 5))):
        hop = data.draw(st.sampled_from(paths.HOP_ORDER))
        here = here if HOPS[hop].at_holder else data.draw(st.sampled_from(releases))
        route.append((hop, here))
    try:
        want = play(scheme, intent, start, route, "whatif", cat)
    except HopError:  # a restore or revert without an image before it: the search refuses it too
        with pytest.raises(HopError):
            paths.follow(scheme, intent, start, route, "whatif", cat)
        return
    got, used = paths.follow(scheme, intent, start, route, "whatif", cat)
    assert got is want.outcome
    assert used == max(len(want.steps) - 1, 0)
    w = paths.replay(scheme, intent, start, route, "whatif", cat)
    assert w.outcome is want.outcome and w.hops == used


# -- errors, the step diagram ---------------------------------------------------------------------------
def test_bad_names_list_the_valid_values(catalog: Catalog) -> None:
    with pytest.raises(UnknownNameError, match="valid: restart, resave, migrate, daemon-restart, save, restore"):
        paths.parse_hops("restart,define")
    with pytest.raises(UnknownNameError, match="valid: pairwise, adjacent, closure"):
        paths.explore("model-subelement", notion="transitive")
    with pytest.raises(UnknownNameError, match="9.0.0"):
        paths.explore("model-subelement", "whatif", start="10.0.0")
    with pytest.raises(PcidesignError):
        paths.explore("model-subelement", max_hops=0)
    with pytest.raises(PcidesignError, match="resave happens at the release holding the guest"):
        paths.follow("model-subelement", DMI, "9.0.0", [("resave", "H1")], "whatif")


def test_step_diagram_draws_on_the_given_axes(catalog: Catalog) -> None:
    w = paths.explore("model-subelement", "whatif", 3, "restart,resave", [DMI], "9.0.0",
                      catalog=catalog).witnesses[Outcome.GUEST_CHANGED]
    fig, ax = plt.subplots()
    assert pathplot.draw_path(w, ax=ax) is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == [r.id for r in catalog.timeline("whatif")]
    colours = [tuple(round(x, 3) for x in c.get_facecolor()[0][:3]) for c in ax.collections]
    want = [tuple(round(x, 3) for x in matplotlib.colors.to_rgb(plots.COLOURS[o])) for o in w.after]
    assert colours == want  # one marker per step, coloured by the outcome after it
    arrows = [t for t in ax.texts if isinstance(t, matplotlib.text.Annotation)]
    assert len(arrows) == w.hops
    assert [t.get_text() for t in ax.texts if t.get_text() in ("restart", "resave")] == ["restart", "resave", "restart"]
    plt.close(fig)
    ax2 = pathplot.draw_path(w)
    assert ax2 is not None and ax2.figure is not fig
    plt.close(ax2.figure)


# -- the command line -----------------------------------------------------------------------------------
def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["paths", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_fail_on_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    base = ("--timeline", "whatif", "--intent", DMI)
    code, out, _ = cli(capsys, "--scheme", "model-subelement", *base, "--start", "9.0.0", "--format", "json",
                       "--fail-on", "guest-changed")
    assert code == 1
    data = json.loads(out)
    gc = next(o for o in data["outcomes"] if o["outcome"] == "guest-changed")
    assert gc["reached"] and gc["witness"]["hops"] <= 3 and gc["witness"]["start"] == "9.0.0"
    assert "<model name" in gc["witness"]["steps"][0]["xml_out"]
    code, _, _ = cli(capsys, "--scheme", "implied-subtype", *base, "--max-hops", "4", "--fail-on", "guest-changed")
    assert code == 0
    code, _, _ = cli(capsys, "--scheme", "implied-subtype", *base, "--fail-on", "ok")
    assert code == 1
    code, out, _ = cli(capsys, "--scheme", "model-subelement", *base, "--hops", "restart,resave", "--start", "9.0.0",
                         "--wide")
    assert code == 0 and "restart@1.2.18 > resave@1.2.18 > restart@H1" in out and "-- XML in:" in out


def test_cli_all_schemes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "--all-schemes", "--timeline", "whatif", "--intent", DMI, "--max-hops", "2",
                       "--format", "json", "--fail-on", "domain-lost")
    rows = {r["scheme"]: r for r in json.loads(out)}
    assert set(rows) == set(schemes.scheme_ids()) and code == 1
    assert rows["model-subelement"]["worst"] == "guest-changed" and rows["model-is-device"]["worst"] != "guest-changed"
    for scheme, row in rows.items():
        assert row["worst"] == paths.explore(scheme, "whatif", 2, intents=[DMI]).worst.value


@pytest.mark.parametrize(("args", "valid"), [
    (("--scheme", "nope"), "model-subelement"),
    (("--scheme", "model-subelement", "--hops", "restart,teleport"), "restart, resave, migrate"),
    (("--scheme", "model-subelement", "--fail-on", "bad"), "guest-changed"),
    (("--scheme", "model-subelement", "--start", "H1"), "9.0.0"),
    (("--scheme", "model-subelement", "--intent", "nope"), DMI),
    (("--scheme", "model-subelement", "--timeline", "nope"), "whatif"),
    (("--scheme", "model-subelement", "--max-hops", "0"), "from 1 to"),
    ((), "model-subelement"),
])
def test_cli_bad_usage_exits_2(capsys: pytest.CaptureFixture[str], args: tuple[str, ...], valid: str) -> None:
    code, out, err = cli(capsys, *args)
    assert code == 2 and valid in err and out == ""


def test_cli_argparse_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["paths", "--scheme", "model-subelement", "--format", "csv"]) == 2


# -- notebook 04 --------------------------------------------------------------------------------------
def summary_of(nb_path: Path) -> dict:
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        if "summary" in cell.metadata.get("tags", []):
            text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout")
            return json.loads(text)
    raise AssertionError("no cell tagged 'summary'")


def test_notebook_is_committed_clean() -> None:
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("scheme", "timeline", "max_hops", "hops"):
        assert f"{name}:" in tagged[0].source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.notebook
@pytest.mark.parametrize("params", [
    {},
    {"scheme": "written-subtype", "timeline": "real", "max_hops": 2, "hops": ["restart", "resave"], "start": "1.2.19"},
])
def test_notebook_runs_and_agrees_with_the_api(tmp_path: Path, params: dict) -> None:
    import papermill as pm

    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), parameters=params, kernel_name="python3", cwd=str(tmp_path),
                        progress_bar=False)
    got = summary_of(out)
    used = got["parameters"]
    for k, v in params.items():
        assert used[k] == v
    e = paths.explore(used["scheme"], used["timeline"], used["max_hops"], used["hops"], used["intents"],
                      used["start"])
    assert got["worst"] == e.worst.value
    assert got["witness"] == e.witnesses[e.worst].describe()
    all_found = paths.explore_all(None, used["timeline"], used["max_hops"], used["hops"], used["intents"],
                                  used["start"])
    assert got["budgets"] == {x.scheme: [paths.worst_within(x, k).value for k in range(1, used["max_hops"] + 1)]
                              for x in all_found}
    by = paths.notions(used["scheme"], used["timeline"], used["max_hops"], used["hops"], used["intents"],
                       used["start"])
    assert got["notions"] == {n: by[n].worst.value for n in paths.NOTIONS}
