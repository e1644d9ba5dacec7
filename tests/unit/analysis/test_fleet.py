"""Fleet impact scan: the sample, the counts (checked against the engine), hostile files, the CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest

from pcidesign import cli
from pcidesign.model import engine
from pcidesign.analysis import fleet
from pcidesign.model import xmlsafe
from pcidesign.model.catalog import Catalog
from pcidesign.model.errors import UnknownNameError
from pcidesign.model.vocab import BY_SEVERITY, Outcome
from pcidesign.model.xmlsafe import XMLRefused
from conftest import ROOT, TESTS

HOSTILE = TESTS / "data" / "hostile"
SAMPLE_FILES = sorted(fleet.SAMPLE_DIR.glob("*.xml"))


# -- the sample fleet ---------------------------------------------------------------------------
def test_sample_is_a_realistic_mixed_fleet(catalog: Catalog) -> None:
    assert len(SAMPLE_FILES) >= 40
    infos = [fleet.read_domain(p, catalog=catalog) for p in SAMPLE_FILES]
    assert len({i.name for i in infos}) == len(infos), "domain names are unique"
    assert all(not i.unmapped for i in infos)
    machines = {("q35" if "q35" in i.machine else "i440fx") for i in infos}
    assert machines == {"q35", "i440fx"}
    used = {x for i in infos for x in i.intents}
    for needed in ("pci-root", "pcie-root", "pci-bridge", "pci-bridge:pci-bridge", "dmi-to-pci-bridge",
                   "dmi-to-pci-bridge:i82801b11-bridge", "pcie-root-port:ioh3420", "pcie-root-port:pcie-root-port",
                   "pcie-switch-upstream-port:x3130-upstream", "pcie-switch-downstream-port:xio3130-downstream",
                   "pci-expander-bus:pxb", "pcie-expander-bus:pxb-pcie", "pcie-to-pci-bridge:pcie-pci-bridge"):
        assert needed in used, needed
    for creator in ("virt-manager", "virt-install", "nova", "ovirt"):
        assert any(p.name.startswith(creator + "_") for p in SAMPLE_FILES), creator
    assert any(p.name.endswith("_old.xml") for p in SAMPLE_FILES)
    assert (fleet.SAMPLE_DIR / "README.md").is_file()


def test_sample_dir_does_not_depend_on_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert fleet.SAMPLE_DIR.is_absolute()
    assert fleet.scan(schemes=["model-subelement"], targets=["1.2.18"]).domains == len(SAMPLE_FILES)


@pytest.fixture(scope="module")
def sample_scan() -> fleet.FleetScan:
    return fleet.scan(fleet.SAMPLE_DIR, schemes=["model-subelement", "status-quo", "impl-attribute"],
                      targets=["1.2.18", "1.2.19", "3.2.0", "4.3.0"], worst=5)


def test_sample_scan_counts_add_up(sample_scan: fleet.FleetScan) -> None:
    s = sample_scan
    assert s.ok and s.files == s.domains == len(SAMPLE_FILES)
    assert s.source == "9.0.0"  # the newest real release of the default timeline
    sums = s.summary.groupby(["scheme", "target", "scenario"], observed=True)[["domains", "controllers"]].sum()
    assert len(sums) == 3 * 4 * 2
    assert (sums["domains"] == s.domains).all()
    assert (sums["controllers"] == s.controllers).all()
    assert set(s.summary["outcome"].astype(str)) == {o.value for o in BY_SEVERITY}


def test_sample_counts_match_the_engine_domain_by_domain(sample_scan: fleet.FleetScan, catalog: Catalog) -> None:
    """Brute force, without the scan's grouping: engine.run per controller, worst per domain."""
    for scheme in sample_scan.schemes:
        for target in sample_scan.targets:
            for scenario in ("restart", "migrate"):
                doms: Counter[str] = Counter()
                ctls: Counter[str] = Counter()
                for p in SAMPLE_FILES:
                    info = fleet.read_domain(p, catalog=catalog)
                    outs = [engine.run(scheme, scenario, i, "9.0.0", target, catalog).outcome for i in info.intents]
                    doms[fleet.domain_outcome(outs).value] += 1
                    ctls.update(o.value for o in outs)
                got = sample_scan.summary.query("scheme == @scheme and target == @target and scenario == @scenario")
                assert dict(zip(got["outcome"].astype(str), got["domains"])) == {o.value: doms[o.value] for o in BY_SEVERITY}
                assert dict(zip(got["outcome"].astype(str), got["controllers"])) == {o.value: ctls[o.value] for o in BY_SEVERITY}


@pytest.mark.parametrize("target", ["1.2.18", "1.3.4", "3.2.0"])
def test_intent_mapping_agrees_with_whole_document_simulation(target: str, catalog: Catalog) -> None:
    """Under model-subelement (the dialect the files are written in), mapping each controller to an
    intent gives the same domain outcome as running the whole file through the engine."""
    a, b = catalog.host(catalog.release("9.0.0")), catalog.host(catalog.release(target))
    scan = fleet.scan(schemes=["model-subelement"], targets=[target], worst=len(SAMPLE_FILES))
    for scenario in ("restart", "migrate"):
        expected = Counter(engine.run_document("model-subelement", scenario, p.read_bytes(), a, b, catalog).outcome.value
                           for p in SAMPLE_FILES)
        got = scan.summary.query("scenario == @scenario")
        assert {o: n for o, n in zip(got["outcome"].astype(str), got["domains"]) if n} == dict(expected)


def test_old_release_hurts_new_configs(sample_scan: fleet.FleetScan) -> None:
    """A downgrade to 1.2.18 loses every domain with a class 1.2.18 does not know (facts §7)."""
    lost = sample_scan.summary.query("scheme == 'model-subelement' and target == '1.2.18' and scenario == 'restart' "
                                     "and outcome == 'domain-lost'")["domains"].item()
    with_new_classes = sum(1 for p in SAMPLE_FILES if any(
        i.split(":")[0] in ("pcie-root-port", "pcie-switch-upstream-port", "pcie-switch-downstream-port",
                            "pci-expander-bus", "pcie-expander-bus", "pcie-to-pci-bridge")
        for i in fleet.read_domain(p).intents))
    assert lost == with_new_classes > 0


def test_worst_domains_are_named_and_ranked(sample_scan: fleet.FleetScan) -> None:
    w = sample_scan.worst
    assert not w.empty
    assert set(w.columns) >= {"scheme", "target", "scenario", "domain", "file", "outcome", "detail"}
    names = {fleet.read_domain(p).name for p in SAMPLE_FILES}
    assert set(w["domain"]) <= names
    for _, group in w.groupby(["scheme", "target", "scenario"], observed=True):
        assert len(group) <= 5
        sev = [Outcome(o).severity for o in group["outcome"].astype(str)]
        assert sev == sorted(sev, reverse=True)
        assert all(Outcome(o).is_failure for o in group["outcome"].astype(str))
    top = w.query("scheme == 'model-subelement' and target == '1.2.18' and scenario == 'restart'").iloc[0]
    assert top["outcome"] == "domain-lost" and top["domain"] == "instance-00002003"  # 24 root ports


def test_wide_and_affected(sample_scan: fleet.FleetScan) -> None:
    wide = sample_scan.wide()
    assert list(wide.columns[3:]) == [o.value for o in BY_SEVERITY]
    assert (wide.iloc[:, 3:].sum(axis=1) == sample_scan.domains).all()
    aff = sample_scan.affected()
    assert set(aff["outcome"].astype(str)) <= {o.value for o in BY_SEVERITY if o.is_failure}
    with pytest.raises(UnknownNameError, match="valid: domains, controllers"):
        sample_scan.wide("files")


# -- choices ------------------------------------------------------------------------------------
def test_unknown_names_list_valid_choices(tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError, match="valid: .*model-subelement"):
        fleet.scan(schemes=["nope"])
    with pytest.raises(UnknownNameError, match="valid: 1.2.18"):
        fleet.scan(targets=["8.0.0"])
    with pytest.raises(UnknownNameError, match="valid: real"):
        fleet.scan(timeline="nope")
    with pytest.raises(fleet.FleetError, match="not a directory"):
        fleet.scan(tmp_path / "missing")


def test_from_release_changes_the_answer() -> None:
    today = fleet.scan(schemes=["model-subelement"], targets=["3.2.0"])
    old = fleet.scan(schemes=["model-subelement"], targets=["3.2.0"], source="1.3.4")
    assert old.source == "1.3.4"
    assert not today.summary["domains"].equals(old.summary["domains"])


# -- hostile and broken files in a fleet ---------------------------------------------------------
@pytest.fixture()
def messy_fleet(tmp_path: Path) -> Path:
    d = tmp_path / "fleet"
    (d / "host-a").mkdir(parents=True)
    (d / "host-b" / "deeper").mkdir(parents=True)
    for p in SAMPLE_FILES[:3]:
        shutil.copy(p, d / "host-a" / p.name)
    shutil.copy(SAMPLE_FILES[3], d / "host-b" / "deeper" / SAMPLE_FILES[3].name)
    good = next(p for p in SAMPLE_FILES if "_q35_" in p.name).read_bytes()
    (d / "host-b" / "odd name\nwith newline \u202e.xml").write_bytes(
        good.replace(b"</name>", "-\u202eevil \U0001F600</name>".encode(), 1))
    (d / os.fsdecode(b"caf\xe9.xml")).write_bytes(good.replace(b"</name>", b"-cafe</name>", 1))
    (d / "malformed.xml").write_bytes(b"<domain><name>x</name>")
    (d / "network.xml").write_bytes(b"<network><name>default</name></network>")
    (d / "empty.xml").write_bytes(b"")
    (d / "binary.xml").write_bytes(bytes(range(256)) * 4)
    with (d / "huge.xml").open("wb") as f:
        f.seek(xmlsafe.MAX_BYTES + 1)
        f.write(b"x")
    for h in HOSTILE.glob("*.xml"):
        shutil.copy(h, d / h.name)
    (d / "dangling.xml").symlink_to(d / "nowhere.xml")
    (d / "notes.txt").write_text("not scanned")
    return d


def test_messy_fleet_keeps_going_and_counts_every_error(messy_fleet: Path) -> None:
    s = fleet.scan(messy_fleet, schemes=["model-subelement"], targets=["1.2.18"])
    n_hostile = len(list(HOSTILE.glob("*.xml")))
    assert s.domains == 6
    assert not s.ok
    kinds = s.error_counts()
    assert kinds == {"malformed": 1, "not-a-domain": 1, "empty": 1, "binary": 1, "too-large": 1,
                     "hostile": n_hostile, "unreadable": 1}
    assert s.files == 6 + sum(kinds.values())
    assert s.totals()["errors"].item() == len(s.errors)
    for _, row in s.errors.iterrows():
        assert row["error"].startswith(row["file"] + ": ")
        assert "\n" not in row["file"] and "\n" not in row["error"]
    files = set(s.worst["file"])
    assert "caf\\udce9.xml" in files  # undecodable bytes escaped, not crashed on
    assert "host-b/odd name\\nwith newline \\u202e.xml" in files  # control characters escaped
    assert any(n.endswith("-\\u202eevil \U0001F600") for n in s.worst["domain"])


def test_permission_denied_is_a_row(messy_fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests may run as root (which reads anything), so the refusal is simulated at os.open."""
    real_open = os.open

    def fake_open(path: str | os.PathLike[str], flags: int, *a: object) -> int:
        if os.fspath(path).endswith("malformed.xml"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *a)

    monkeypatch.setattr(os, "open", fake_open)
    s = fleet.scan(messy_fleet, schemes=["model-subelement"], targets=["1.2.18"])
    row = s.errors.query("file == 'malformed.xml'").iloc[0]
    assert row["kind"] == "unreadable" and "Permission denied" in row["error"]


def test_strict_stops_at_the_first(messy_fleet: Path) -> None:
    with pytest.raises(XMLRefused) as info:
        fleet.scan(messy_fleet, schemes=["model-subelement"], targets=["1.2.18"], strict=True)
    assert info.value.kind in xmlsafe.KINDS


def test_hostile_files_in_a_fleet_are_refused_as_hostile(messy_fleet: Path) -> None:
    s = fleet.scan(messy_fleet, schemes=["model-subelement"], targets=["1.2.18"])
    hostile = s.errors.query("kind == 'hostile'")
    assert sorted(hostile["file"]) == sorted(p.name for p in HOSTILE.glob("*.xml"))
    assert hostile["error"].str.contains("no network is reached").all()
    assert not s.errors["error"].str.contains("root:x:0").any()


def test_unmapped_controllers_are_reported_not_counted(tmp_path: Path) -> None:
    doc = SAMPLE_FILES[0].read_bytes().replace(
        b"</devices>",
        b"<controller type='pci' index='9' model='pcie-root-port'><model name='frobnicator'/></controller>"
        b"<controller type='pci' index='10' model='spapr-pci-host-bridge'/></devices>")
    (tmp_path / "d.xml").write_bytes(doc)
    s = fleet.scan(tmp_path, schemes=["model-subelement"], targets=["1.2.18"])
    assert s.ok and s.unmapped == 2
    assert list(s.unmapped_rows["controller"]) == ["index 9", "index 10"]
    assert "frobnicator" in s.unmapped_rows["reason"].iloc[0]
    assert "unknown class" in s.unmapped_rows["reason"].iloc[1]


def test_memory_is_bounded_by_distinct_signatures(tmp_path: Path) -> None:
    template = fleet.SAMPLE_DIR / "ovirt_q35_erp-app-02_generic_new.xml"
    doc = template.read_bytes()
    for i in range(300):
        (tmp_path / f"vm{i:03d}.xml").write_bytes(doc.replace(b"<name>", f"<name>{i:03d}-".encode(), 1))
    s = fleet.scan(tmp_path, schemes=["model-subelement"], targets=["1.2.18"], worst=3)
    assert s.domains == 300
    assert len(s.worst) == 2 * 3  # two scenarios, three names each, not 300
    assert list(s.worst["domain"][:3]) == [f"{i:03d}-{fleet.read_domain(template).name}" for i in range(3)]


# -- the command line ---------------------------------------------------------------------------
def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(args)
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_table_on_the_sample(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(["fleet", str(fleet.SAMPLE_DIR), "--scheme", "model-subelement",
                                "--target", "1.2.18", "--target", "4.3.0", "--scope", "all"], capsys)
    assert status == 0, err
    assert f"{len(SAMPLE_FILES)} domains" in out and "runs 9.0.0 today" in out
    assert "instance-00002003" in out and "0 unusable files" in out


def test_cli_csv_and_json_agree_with_the_api(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["fleet", str(fleet.SAMPLE_DIR), "--scheme", "model-subelement", "--target", "1.2.19", "--scope", "all"]
    api = fleet.scan(schemes=["model-subelement"], targets=["1.2.19"])
    status, out, _ = run_cli(args + ["--format", "csv"], capsys)
    assert status == 0
    frame = pd.read_csv(StringIO(out))
    assert list(frame.columns) == fleet.SUMMARY_COLUMNS
    assert frame["domains"].tolist() == api.summary["domains"].tolist()
    status, out, _ = run_cli(args + ["--format", "json"], capsys)
    doc = json.loads(out)
    assert doc["totals"]["domains"] == api.domains and doc["errors"] == []
    assert [r["domains"] for r in doc["summary"]] == api.summary["domains"].tolist()
    status, out, _ = run_cli(args + ["--format", "csv", "--show", "worst", "--worst", "3"], capsys)
    expected = fleet.scan(schemes=["model-subelement"], targets=["1.2.19"], worst=3).worst
    assert status == 0 and pd.read_csv(StringIO(out))["domain"].tolist() == expected["domain"].tolist()
    assert len(expected) == 6


def test_cli_exit_1_on_bad_files_and_strict(messy_fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(["fleet", str(messy_fleet), "--scheme", "model-subelement", "--target", "1.2.18"], capsys)
    assert status == 1
    assert "unusable files" in out and "hostile" in out and "Traceback" not in out + err
    status, out, err = run_cli(["fleet", str(messy_fleet), "--scheme", "model-subelement", "--target", "1.2.18",
                                "--strict"], capsys)
    assert status == 1 and "stopped (--strict)" in err and out == ""
    status, out, _ = run_cli(["fleet", str(messy_fleet), "--scheme", "model-subelement", "--target", "1.2.18",
                              "--format", "csv", "--show", "errors"], capsys)
    assert status == 1 and len(pd.read_csv(StringIO(out))) == len(fleet.scan(messy_fleet, schemes=["status-quo"],
                                                                           targets=["1.2.18"]).errors)


def test_cli_bad_usage_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run_cli(["fleet", str(tmp_path / "none")], capsys)
    assert status == 2 and "not a directory" in err
    status, _, err = run_cli(["fleet", str(fleet.SAMPLE_DIR), "--scheme", "bogus"], capsys)
    assert status == 2 and "valid:" in err
    status, _, err = run_cli(["fleet", str(fleet.SAMPLE_DIR), "--from", "H1", "--timeline", "real"], capsys)
    assert status == 2 and "valid: 1.2.18" in err


# -- the notebook -------------------------------------------------------------------------------
NOTEBOOK = ROOT / "notebooks" / "05_fleet.ipynb"


def test_notebook_is_committed_clean_with_typed_parameters() -> None:
    nb = json.loads(NOTEBOOK.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    params = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1
    src = "".join(params[0]["source"])
    for name in ("fleet_dir: str", "timeline: str", "targets: list[str]", "schemes: list[str]", "out_dir: str"):
        assert name in src, name
    assert not re.search(r"/(work|root|home|tmp)/", NOTEBOOK.read_text()), "the notebook names no machine path"


def run_notebook(tmp_path: Path, **params: object) -> Path:
    import papermill as pm

    out_dir = tmp_path / "out"
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "05.ipynb"), kernel_name="python3", progress_bar=False,
                        cwd=str(tmp_path), parameters={**params, "out_dir": str(out_dir)})
    return out_dir


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False)


@pytest.mark.notebook
def test_notebook_defaults_match_the_api(tmp_path: Path) -> None:
    out = run_notebook(tmp_path)
    api = fleet.scan()
    assert (out / "affected-restart.png").stat().st_size > 1000 and (out / "affected-migrate.png").is_file()
    summary = _csv(out / "summary.csv")
    assert summary["domains"].tolist() == api.summary["domains"].tolist()
    assert summary["outcome"].tolist() == api.summary["outcome"].astype(str).tolist()
    assert _csv(out / "worst.csv")["domain"].tolist() == api.worst["domain"].tolist()
    assert _csv(out / "totals.csv")["domains"].item() == len(SAMPLE_FILES)


@pytest.mark.notebook
def test_notebook_with_other_parameters_matches_the_api(tmp_path: Path, messy_fleet: Path) -> None:
    params = dict(fleet_dir=str(messy_fleet), targets=["1.2.18", "3.2.0"], schemes=["model-subelement", "impl-attribute"],
                  source="4.3.0", worst=2)
    out = run_notebook(tmp_path, **params)
    api = fleet.scan(messy_fleet, targets=["1.2.18", "3.2.0"], schemes=["model-subelement", "impl-attribute"],
                     source="4.3.0", worst=2)
    summary = _csv(out / "summary.csv")
    assert set(summary["scheme"]) == {"model-subelement", "impl-attribute"}
    assert set(summary["target"].astype(str)) == {"1.2.18", "3.2.0"}
    assert summary["domains"].tolist() == api.summary["domains"].tolist()
    errors = _csv(out / "errors.csv")
    assert sorted(errors["kind"]) == sorted(api.errors["kind"]) and len(errors) > 5
    assert _csv(out / "totals.csv")["from"].astype(str).item() == "4.3.0"


@pytest.mark.notebook
def test_notebook_bad_parameter_names_valid_choices(tmp_path: Path) -> None:
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError, match="valid: .*model-subelement"):
        run_notebook(tmp_path, schemes=["nope"])


def test_affected_bars_draws_on_the_given_axes_in_severity_colours(sample_scan: fleet.FleetScan) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.colors as mcolors
    import matplotlib.pyplot as plt

    from pcidesign.render import fleetplot
    from pcidesign.render.plots import COLOURS

    fig, ax = plt.subplots()
    got = fleetplot.affected_bars(sample_scan.summary, "restart", ax=ax, total=sample_scan.domains)
    assert got is ax
    labels = [h.get_label() for h in ax.get_legend().legend_handles]
    assert labels == [o.value for o in BY_SEVERITY if o.is_failure]
    counts = fleetplot.affected_counts(sample_scan.summary, "restart")
    for outcome in fleetplot.FAILURES:
        bars = [p for p in ax.patches if p.get_gid() == f"bar-{outcome.value}"]
        assert [int(b.get_height()) for b in bars] == counts[outcome.value].tolist()
        assert all(mcolors.to_hex(b.get_facecolor()) == COLOURS[outcome].lower() for b in bars)
    plt.close(fig)
    with pytest.raises(UnknownNameError, match="valid: restart, migrate"):
        fleetplot.affected_bars(sample_scan.summary, "resave-roundtrip")
