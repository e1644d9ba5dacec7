"""The fill axis on the subtype schemes (issue 19): Idea 2, Idea 3 and Ján's MIGRATABLE variant
take ``+fill=POLICY``; a bare ``subType='CLASS'`` gets the host's default at define and is written
out, and is the legacy device when read anywhere else."""

from __future__ import annotations

import pytest
from lxml import etree

import pcidesign
from pcidesign.analysis import compare
from pcidesign.model import engine, registry
from pcidesign.model.errors import UnknownNameError

SUBTYPE = ("implied-subtype", "written-subtype", "migratable-compat")


def controller(xml: bytes, index: str = "1") -> etree._Element:
    root = etree.fromstring(xml)
    return root.find(f".//controller[@type='pci'][@index='{index}']")


@pytest.mark.parametrize("sid", SUBTYPE)
def test_subtype_schemes_take_the_fill_policy_only(sid: str) -> None:
    assert registry.get(sid).policies == {"fill": registry.FILL_POLICIES}
    assert f"{sid}+fill=define-only" in registry.default_variants()
    with pytest.raises(UnknownNameError, match="migratable"):
        registry.get(f"{sid}+migratable=keep")


def test_a_bare_subtype_gets_the_hosts_default_at_define_and_is_written_out() -> None:
    cat = pcidesign.load_catalog()
    d = registry.get("written-subtype+fill=define-only").dialect(cat.host(cat.release("3.2.0")), cat)
    xml = engine.write_intent(d, cat.intent("pcie-root-port"))
    assert xml is not None
    written = controller(xml)
    assert written.get("subType") == "pcie-root-port" and written.get("model") is None
    state, _step = engine.define(d, xml)
    assert state is not None
    saved = controller(state.saved)
    assert (saved.get("subType"), saved.get("model")) == ("pcie-root-port", "pcie-root-port")


def test_a_bare_subtype_read_at_load_is_the_legacy_device_written_out() -> None:
    cat = pcidesign.load_catalog()
    xml = engine.write_intent(registry.get("written-subtype+fill=define-only").dialect(
        cat.host(cat.release("3.2.0")), cat), cat.intent("pcie-root-port"))
    assert xml is not None
    host = cat.host(cat.release("9.0.0"))
    loaded = engine.roundtrip("written-subtype+fill=define-only", host, xml, catalog=cat, purpose="load")
    assert loaded.xml is not None and controller(loaded.xml).get("model") == "ioh3420"
    current = engine.roundtrip("written-subtype+fill=current", host, xml, catalog=cat, purpose="load")
    assert current.xml is not None and controller(current.xml).get("model") == "pcie-root-port"
    never = engine.roundtrip("written-subtype+fill=never", host, xml, catalog=cat, migratable=True)
    assert never.xml is not None and controller(never.xml).get("model") is None  # built, never written
    assert ("1", "pcie-root-port", "ioh3420") in {(str(i), c, dev) for i, c, dev, _v in never.hardware}


def test_a_plain_subtype_scheme_still_refuses_a_controller_without_model() -> None:
    cat = pcidesign.load_catalog()
    xml = engine.write_intent(registry.get("written-subtype+fill=define-only").dialect(
        cat.host(cat.release("3.2.0")), cat), cat.intent("pcie-root-port"))
    assert xml is not None
    got = engine.roundtrip("written-subtype", cat.host(cat.release("3.2.0")), xml, catalog=cat)
    assert got.error is not None and "has no model" in got.error
    # and a plain id writes the old form for the default device, as before
    plain = engine.write_intent(registry.get("written-subtype").dialect(cat.host(cat.release("3.2.0")), cat),
                                cat.intent("pcie-root-port"))
    assert plain is not None and controller(plain).get("subType") is None


def test_after_a_downgrade_the_filled_default_is_lost_cleanly() -> None:
    r = engine.run("written-subtype+fill=define-only", "restart", "dmi-to-pci-bridge", "H1", "1.2.18",
                   setting=pcidesign.Setting(timeline="whatif"))
    assert r.outcome.value == "domain-lost"
    assert "Unknown model type 'generic-dmi-bridge'" in r.detail


def test_issue_19_acceptance_1_both_meet_upstream_with_benefit_1() -> None:
    c = compare.compare(["written-subtype+fill=define-only", "migratable-compat+fill=define-only"],
                        timeline="whatif")
    for v in c.to_json()["variants"]:
        assert v["meets"] and v["benefit"] == 1.0, v["variant"]
