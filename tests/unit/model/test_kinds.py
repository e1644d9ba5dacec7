"""Device kinds: the registry, the interface kind's facts and what its schemes do to a guest."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from lxml import etree

import pcidesign  # noqa: F401  (registers the built-in schemes)
from pcidesign.model import engine, kinds, registry
from pcidesign.model.catalog import load, version_key
from pcidesign.model.errors import UnknownNameError
from pcidesign.model.kinds import interface, rules
from pcidesign.model.setting import DOCUMENT
from pcidesign.model.vocab import Outcome
from conftest import ROOT

SAMPLES = ROOT / "data" / "kinds" / "interface" / "samples"
FILL_VARIANTS = ("nic-status-quo", "nic-status-quo+fill=define-only", "nic-status-quo+fill=never")


@pytest.fixture(scope="module")
def nic_catalog():  # type: ignore[no-untyped-def]
    return kinds.get("interface").catalog()


def outcome(variant: str, scenario: str, intent: str, a: str, b: str, cat) -> Outcome:  # type: ignore[no-untyped-def]
    return engine.run(variant, scenario, intent, a, b, cat).outcome


# -- the registry ----------------------------------------------------------------------------------
def test_the_registry_has_pci_controllers_first_and_interfaces() -> None:
    assert list(kinds.KINDS)[:2] == ["pci-controller", "interface"]
    assert kinds.DEFAULT_KIND == "pci-controller"
    pci = kinds.get("pci-controller")
    assert pci.document is kinds.PCI_DOCUMENT and pci.catalog() is load()


def test_an_unknown_kind_names_the_valid_ones() -> None:
    with pytest.raises(UnknownNameError) as exc:
        kinds.get("usb")
    assert "pci-controller" in str(exc.value) and "interface" in str(exc.value)


def test_each_kind_lists_only_its_own_schemes() -> None:
    assert kinds.get("interface").scheme_ids() == ("nic-status-quo", "nic-model-values")
    assert not set(registry.scheme_ids()) & {"nic-status-quo", "nic-model-values"}
    assert "status-quo" in kinds.get("pci-controller").scheme_ids()
    assert registry.default_variants() == tuple(v for v in registry.default_variants() if not v.startswith("nic-"))
    assert kinds.get("interface").compared_variants() == (*FILL_VARIANTS, "nic-model-values")


# -- the interface kind's default rules --------------------------------------------------------------
@pytest.mark.parametrize(("release", "arch", "machine", "offered", "expected"), [
    ("1.2.18", "x86_64", "pc", {"e1000", "virtio"}, "rtl8139"),  # no capability check before 1.2.20
    ("2.5.0", "x86_64", "pc-q35-2.7", {"e1000", "virtio"}, "e1000"),  # the first QEMU offers
    ("2.5.0", "x86_64", "pc", {"rtl8139", "e1000", "virtio"}, "rtl8139"),
    ("2.5.0", "x86_64", "pc", set(), "rtl8139"),  # none offered: libvirt's fallback
    ("4.0.0", "s390x", "s390-ccw-virtio", {"rtl8139", "virtio"}, "virtio"),
    ("4.0.0", "aarch64", "virt-2.11", {"rtl8139", "virtio"}, "virtio"),
    ("4.0.0", "aarch64", "vexpress-a15", {"rtl8139", "virtio"}, "lan9118"),
    ("4.0.0", "armv7l", "versatilepb", {"rtl8139"}, "smc91c111"),
    ("V1", "x86_64", "pc", {"rtl8139", "e1000", "virtio"}, "virtio"),
    ("V1", "s390x", "s390-ccw-virtio", {"rtl8139", "virtio"}, "virtio"),
])
def test_the_default_nic_model_per_release_arch_machine_and_qemu(nic_catalog, release, arch, machine, offered,  # type: ignore[no-untyped-def]
                                                                  expected) -> None:
    table = kinds.default_rules("interface")
    key = nic_catalog.release(release).key
    assert rules.pick(table, key, arch, machine, offered) == expected


def test_no_default_is_filled_before_1_0_5(nic_catalog) -> None:  # type: ignore[no-untyped-def]
    assert rules.pick(kinds.default_rules("interface"), version_key("1.0.4"), "x86_64", "pc", {"rtl8139"}) is None


def test_the_kind_releases_agree_with_the_shared_release_file(nic_catalog) -> None:  # type: ignore[no-untyped-def]
    shared = {r.id: r for r in load().releases}
    for r in nic_catalog.releases:
        if r.id in shared:
            s = shared[r.id]
            assert (r.libvirt, r.qemu, r.date) == (s.libvirt, s.qemu, s.date), r.id


# -- what libvirt 9.0.0 saves, and what the model says it saves -----------------------------------------
@pytest.mark.parametrize("machine", ["q35", "i440fx"])
def test_9_0_0_saves_rtl8139_for_an_interface_without_model(nic_catalog, machine: str) -> None:  # type: ignore[no-untyped-def]
    """Calibrated: the real libvirt 9.0.0 with QEMU 7.2 saved these (samples/*.9.0.0.xml)."""
    real = etree.fromstring((SAMPLES / f"{machine}-no-model.9.0.0.xml").read_bytes())
    real_model = real.find("devices/interface/model").get("type")
    host = nic_catalog.host(nic_catalog.release("9.0.0"), "7.2.0")
    got = engine.roundtrip("nic-status-quo", host, (SAMPLES / f"{machine}-no-model.xml").read_bytes(),
                           catalog=nic_catalog, setting=DOCUMENT)
    assert got.error is None and got.xml is not None
    saved = etree.fromstring(got.xml)
    assert saved.find("devices/interface/model").get("type") == real_model == "rtl8139"
    assert saved.find("os/type").get("machine") == real.find("os/type").get("machine")
    assert saved.find("devices/interface/mac").get("address") == real.find("devices/interface/mac").get("address")


def test_9_0_0_fills_the_model_when_it_loads_a_config_without_one() -> None:
    real = etree.fromstring((SAMPLES / "i440fx-no-model.loaded.9.0.0.xml").read_bytes())
    assert real.find("devices/interface/model").get("type") == "rtl8139"
    d = registry.get("nic-status-quo").dialect(kinds.get("interface").catalog().host("9.0.0"),
                                               kinds.get("interface").catalog())
    nic = d.parse_nic(etree.fromstring("<interface type='user'/>"), 0, "load", "x86_64", "pc-i440fx-7.2")
    assert nic.device == "rtl8139"


def test_1_0_4_writes_no_model(nic_catalog) -> None:  # type: ignore[no-untyped-def]
    host = nic_catalog.host(nic_catalog.release("1.0.4"))
    got = engine.roundtrip("nic-status-quo", host, (SAMPLES / "i440fx-no-model.xml").read_bytes(), catalog=nic_catalog)
    assert got.xml is not None and etree.fromstring(got.xml).find("devices/interface/model") is None


# -- the whatif default change under each fill policy ---------------------------------------------------
@pytest.mark.parametrize(("variant", "expected"), [
    ("nic-status-quo", Outcome.GUEST_CHANGED),  # V1 fills virtio into the config 1.0.4 saved without a model
    ("nic-status-quo+fill=define-only", Outcome.REWRITTEN),  # a loaded config means rtl8139, written in
    ("nic-status-quo+fill=never", Outcome.OK),  # never written, always rtl8139
    ("nic-model-values", Outcome.OK),  # a missing model is rtl8139 forever
])
def test_restart_at_the_whatif_release_of_an_interface_saved_without_model(nic_catalog, variant: str,  # type: ignore[no-untyped-def]
                                                                            expected: Outcome) -> None:
    res = engine.run(variant, "restart", "interface", "1.0.4", "V1", nic_catalog)
    assert res.outcome is expected, res.detail
    if expected is Outcome.GUEST_CHANGED:
        assert "rtl8139 -> interface virtio" in res.detail


@pytest.mark.parametrize("variant", FILL_VARIANTS + ("nic-model-values",))
@pytest.mark.parametrize("source", ["1.2.18", "2.5.0", "9.0.0"])
def test_a_recorded_model_keeps_the_guest_at_the_whatif_release(nic_catalog, variant: str, source: str) -> None:  # type: ignore[no-untyped-def]
    assert outcome(variant, "restart", "interface", source, "V1", nic_catalog) is Outcome.OK


def test_a_live_migration_from_1_0_4_to_the_whatif_release_aborts_under_fill_current(nic_catalog) -> None:  # type: ignore[no-untyped-def]
    assert outcome("nic-status-quo", "migrate", "interface", "1.0.4", "V1", nic_catalog) is Outcome.ABORTED
    assert outcome("nic-status-quo+fill=define-only", "migrate", "interface", "1.0.4", "V1",
                   nic_catalog) is Outcome.REWRITTEN


def test_a_guest_defined_at_the_whatif_release_gets_virtio_unless_never_filled(nic_catalog) -> None:  # type: ignore[no-untyped-def]
    models = {}
    for v in (*FILL_VARIANTS, "nic-model-values"):
        res = engine.run(v, "restart", "interface", "V1", "V1", nic_catalog)
        models[v] = res.steps[0].hardware[0][2]  # type: ignore[index]
    assert models == {"nic-status-quo": "virtio", "nic-status-quo+fill=define-only": "virtio",
                      "nic-status-quo+fill=never": "rtl8139", "nic-model-values": "rtl8139"}


def test_a_model_the_qemu_lacks_passes_define_and_fails_at_start(nic_catalog) -> None:  # type: ignore[no-untyped-def]
    xml = (SAMPLES / "i440fx-no-model.xml").read_bytes().replace(b"<mac ", b"<model type='ne2k_pci'/><mac ")
    d = registry.get("nic-status-quo").dialect(nic_catalog.host("9.0.0"), nic_catalog)
    parsed = interface.parse(d, xml, "define")
    assert not isinstance(parsed, interface.Rejection)
    started = interface.start(d, parsed)
    assert isinstance(started, interface.Rejection) and "ne2k_pci" in started.message


def test_interface_data_files_are_documented() -> None:
    page = (ROOT / "docs" / "kinds.md").read_text(encoding="utf-8")
    for path in sorted((ROOT / "data" / "kinds" / "interface").glob("*.csv")):
        assert path.name in page, f"docs/kinds.md does not describe {path.name}"
    with open(ROOT / "data" / "kinds" / "interface" / "questions.csv", newline="", encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) >= 3


def test_the_pci_engine_is_reached_through_its_document() -> None:
    """The PCI controllers' document is the domain module's functions, unchanged."""
    from pcidesign.model import domain

    doc = kinds.document("pci-controller")
    assert (doc.parse, doc.format, doc.start) == (domain.parse, domain.format, domain.start)
    assert Path(interface.__file__).parent.name == "kinds"


# -- the virtio variants of 5.2.0 ----------------------------------------------------------------------
def _observed() -> list[dict[str, str]]:
    with open(SAMPLES / "qemu-devices.9.0.0.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("row", _observed(), ids=lambda r: r["model"])
def test_9_0_0_builds_the_qemu_device_observed_for_each_model(nic_catalog, row: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    d = registry.get("nic-status-quo").dialect(nic_catalog.host("9.0.0"), nic_catalog)
    assert d.qemu_device(row["model"]) == row["qemu_device"]
    xml = (SAMPLES / "q35-no-model.xml").read_bytes().replace(b"</interface>",
                                                              f"<model type='{row['model']}'/></interface>".encode())
    parsed = interface.parse(d, xml, "define")
    assert not isinstance(parsed, interface.Rejection)  # every model passes define
    started = interface.start(d, parsed)
    if row["started"] == "yes":
        assert not isinstance(started, interface.Rejection) and started.hardware[0][2] == row["model"]
    else:
        assert isinstance(started, interface.Rejection) and row["error"] in started.message


@pytest.mark.parametrize("intent", ["interface:virtio-transitional", "interface:virtio-non-transitional"])
def test_an_older_libvirt_keeps_the_new_value_and_refuses_to_start_the_guest(nic_catalog, intent: str) -> None:  # type: ignore[no-untyped-def]
    for variant in (*FILL_VARIANTS, "nic-model-values"):
        res = engine.run(variant, "restart", intent, "5.2.0", "4.0.0", nic_catalog)
        assert res.outcome is Outcome.REJECTED, res.detail
        assert "is not a valid device model name" in res.detail
        assert outcome(variant, "restart", intent, "5.2.0", "9.0.0", nic_catalog) is Outcome.OK
        # written at 4.0.0, the new value is that release's refusal: it defines the domain but cannot start it
        assert outcome(variant, "restart", intent, "4.0.0", "5.2.0", nic_catalog) is Outcome.REJECTED
