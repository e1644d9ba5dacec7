"""Policies as their own axis: variants of a scheme that differ only in how a missing device is
read (fill) and what MIGRATABLE sends, beside the naming itself."""

from __future__ import annotations

import pytest

import pcidesign
from pcidesign.analysis import compare
from pcidesign.cli import main
from pcidesign.model import registry
from pcidesign.model.errors import UnknownNameError
from pcidesign.model.vocab import Outcome

H1_CELL = ("restart", "dmi-to-pci-bridge", "1.2.18", "H1")


def test_h1_guest_change_belongs_to_the_fill_policy_not_the_naming() -> None:
    """Issue 9, acceptance 2: the 2015 bridge restarted at H1."""
    assert pcidesign.run("model-subelement", *H1_CELL).outcome is Outcome.GUEST_CHANGED
    for v in ("model-subelement+fill=define-only", "impl-attribute+fill=define-only"):
        got = pcidesign.run(v, *H1_CELL)
        assert got.outcome in (Outcome.OK, Outcome.REWRITTEN), (v, got.detail)
        assert got.scheme == v
    for v in ("model-subelement+fill=define-only", "impl-attribute+fill=define-only"):
        assert compare.benefit_of_class(v, "dmi-to-pci-bridge", "H1", "whatif") == 1
    assert compare.benefit_of_class("model-subelement+fill=never", "dmi-to-pci-bridge", "H1", "whatif") == 0


def test_define_only_saves_the_legacy_device_into_an_old_config() -> None:
    got = pcidesign.run("model-subelement+fill=define-only", *H1_CELL)
    restart = got.steps[-1]
    assert b"i82801b11-bridge" in (restart.xml_out or b"")


def test_never_writes_nothing_and_builds_the_legacy_device() -> None:
    v = "model-subelement+fill=never"
    cat = pcidesign.load_catalog()
    xml = b"""<domain type='kvm'><name>g</name><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
<controller type='pci' index='0' model='pcie-root'/><controller type='pci' index='1' model='pcie-root-port'/>
</devices></domain>"""
    rt = pcidesign.roundtrip(v, cat.host(cat.release("9.0.0")), xml, migratable=True, catalog=cat)
    assert rt.xml is not None and b"<model name" not in rt.xml
    assert rt.hardware is not None and any(e[:3] == (1, "pcie-root-port", "ioh3420") for e in rt.hardware)


def test_omit_legacy_sends_the_old_form_back() -> None:
    keep = pcidesign.run("model-subelement", "migrate", "dmi-to-pci-bridge", "1.2.19", "1.2.18")
    omit = pcidesign.run("model-subelement+migratable=omit-legacy", "migrate", "dmi-to-pci-bridge", "1.2.19", "1.2.18")
    assert omit.outcome.severity <= keep.outcome.severity
    assert b"<model name" not in (omit.steps[1].xml_in or b"<model name")


def test_plain_ids_are_the_schemes_themselves_and_variants_are_one_object_each() -> None:
    assert registry.get("model-subelement") is registry.get("model-subelement")
    a = registry.get("model-subelement+migratable=omit-legacy+fill=never")
    assert a is registry.get("model-subelement+migratable=omit-legacy+fill=never")
    assert a.id == "model-subelement+fill=never+migratable=omit-legacy" and a.base == "model-subelement"
    assert "model-subelement+fill=define-only" in registry.variant_ids()
    assert not any(v.startswith("status-quo+") for v in registry.variant_ids())


@pytest.mark.parametrize("variant, words", [
    ("status-quo+fill=never", ["unknown policy 'fill'", "status-quo fixes every device"]),
    ("model-subelement+fill=sometimes", ["unknown fill policy 'sometimes'", "current, define-only, never"]),
    ("model-subelement+colour=red", ["unknown policy 'colour'", "fill=, migratable="]),
    ("model-subelement+fill=never+fill=current", ["given twice"]),
    ("nope+fill=never", ["unknown scheme 'nope'"]),
])
def test_bad_policies_exit_2_listing_the_valid_ones(capsys: pytest.CaptureFixture[str], variant: str,
                                                    words: list[str]) -> None:
    """Issue 9, acceptance 6."""
    with pytest.raises(UnknownNameError):
        registry.get(variant)
    assert main(["matrix", "--scheme", variant, "--scenario", "restart"]) == 2
    err = capsys.readouterr().err
    for w in words:
        assert w in err
    assert "Traceback" not in err


def test_status_quo_gets_no_benefit_from_the_generic_root_port() -> None:
    frame = compare.measures(["status-quo", "model-subelement"], "real")
    sq = frame[frame["variant"] == "status-quo"].set_index("release")
    ms = frame[frame["variant"] == "model-subelement"].set_index("release")
    for rel in ("3.2.0", "4.0.0", "4.3.0", "9.0.0"):
        assert "pcie-root-port" not in sq.loc[rel, "gets_preferred"].split()
        assert "pcie-root-port" in ms.loc[rel, "gets_preferred"].split()
    assert (ms["expressiveness"] >= sq["expressiveness"]).all()


def test_cli_lists_variants_and_searches_paths_over_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemes", "--variants", "--format", "csv"]) == 0
    assert "model-subelement+fill=define-only,model-subelement" in capsys.readouterr().out
    assert main(["paths", "--all-variants", "--timeline", "whatif", "--max-hops", "1", "--intent",
                 "dmi-to-pci-bridge"]) == 0
    out = capsys.readouterr().out
    assert "impl-attribute+fill=define-only" in out
    assert main(["paths", "--all-variants", "--all-schemes"]) == 2


def test_notions_default_budget_walks_the_whole_timeline(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 9, acceptance 5: with the default budget (the number of releases), ``adjacent``
    reaches the silent change that needs a restart at every release from 1.2.18 to H1."""
    import json

    argv = ["paths", "--notions", "--scheme", "model-subelement", "--timeline", "whatif", "--intent",
            "dmi-to-pci-bridge", "--start", "1.2.18", "--hops", "restart,resave"]
    assert main([*argv, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["max_hops"] == len(pcidesign.load_catalog().timeline("whatif"))
    assert set(doc["notions"]) == {"pairwise", "adjacent", "closure"}
    adjacent = doc["notions"]["adjacent"]["guest-changed"]
    ids = [r.id for r in pcidesign.load_catalog().timeline("whatif")]
    assert adjacent["hops"] == ids.index("H1") - ids.index("1.2.18") and adjacent["path"].endswith("restart@H1")
    assert main([*argv, "--max-hops", "3", "--format", "json"]) == 0
    assert "guest-changed" not in json.loads(capsys.readouterr().out)["notions"]["adjacent"]


def test_model_is_device_as_jan_wrote_it() -> None:
    """Issue 9, acceptance 3: new controllers have no class value, only the QEMU device name."""
    from pcidesign.analysis import matrices

    forms = matrices.written_forms("pcie-root-port", ["model-is-device"], "real", ["1.2.19", "3.2.0"])
    named = matrices.written_forms("pcie-root-port:ioh3420", ["model-is-device"], "real", ["1.2.19"])
    assert "model=\"ioh3420\"" in forms.iloc[0]["written"] and "model=\"ioh3420\"" in named.iloc[0]["written"]
    generic = matrices.written_forms("pcie-root-port:pcie-root-port", ["model-is-device"], "real", ["3.2.0"])
    assert "model=\"pcie-root-port\"" in generic.iloc[0]["written"] and generic.iloc[0]["device"] == "pcie-root-port"
    down = pcidesign.run("model-is-device", "restart", "pcie-root-port:pcie-root-port", "3.2.0", "1.2.19")
    assert down.outcome is Outcome.DOMAIN_LOST and "Unknown model type 'pcie-root-port'" in down.detail
    old = matrices.written_forms("dmi-to-pci-bridge", ["model-is-device"], "real", ["9.0.0"])
    assert "model=\"dmi-to-pci-bridge\"" in old.iloc[0]["written"]  # an old class keeps its value
