"""What libvirt fills in at define, release by release (issue 21): ``<target>`` values, port
packing by slot and function, pxb bus numbers, and when they are saved.

The 9.0.0 figures were observed with the real libvirt 9.0.0 QEMU driver and QEMU 7.2
(``docs/facts-fillins.md``); the older ones are read from libvirt's source at each release tag.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from pcidesign import cli
from pcidesign.model import engine, fillin
from pcidesign.model.setting import DOCUMENT
from pcidesign.model.catalog import load, version_key

VIDEO = "<video><model type='vga'/></video>"


def domain(*controllers: str, extra: str = "", machine: str = "q35") -> str:
    """A domain with a root bus, ``controllers`` (``model`` values, indexes from 1) and ``extra`` devices."""
    root = "pcie-root" if machine == "q35" else "pci-root"
    rows = "".join(f"<controller type='pci' index='{i}' model='{m}'/>" for i, m in enumerate(controllers, start=1))
    return (f"<domain type='kvm'><name>f</name><memory unit='KiB'>65536</memory>"
            f"<os><type arch='x86_64' machine='{machine}'>hvm</type></os><devices>"
            f"<controller type='pci' index='0' model='{root}'/>{rows}{extra}</devices></domain>")


def targets(capsys: pytest.CaptureFixture[str], tmp_path: Path, doc: str, release: str,
            *extra: str) -> dict[str, dict[str, str]]:
    """``roundtrip`` of ``doc``: each PCI controller's ``<target>`` attributes, by index."""
    path = tmp_path / "d.xml"
    path.write_text(doc)
    status = cli.main(["roundtrip", "--scheme", "model-subelement", "--release", release, *extra, str(path)])
    out, err = capsys.readouterr()
    assert status == 0, err
    root = etree.fromstring(out.encode())
    return {c.get("index", ""): dict(c.find("target").attrib) if c.find("target") is not None else {}
            for c in root.iterfind("devices/controller[@type='pci']")}


def test_a_lone_root_port_behind_video_is_port_0x10(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    got = targets(capsys, tmp_path, domain("pcie-root-port", extra=VIDEO), "9.0.0")
    assert got["1"] == {"chassis": "1", "port": "0x10"}


def test_three_root_ports_share_one_slot_from_3_0(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = domain("pcie-root-port", "pcie-root-port", "pcie-root-port", extra=VIDEO)
    for release in ("9.0.0", "4.0.0", "3.2.0"):
        got = targets(capsys, tmp_path, doc, release)
        assert [got[i]["port"] for i in "123"] == ["0x10", "0x11", "0x12"], release
        assert [got[i]["chassis"] for i in "123"] == ["1", "2", "3"]
    # 2.5.0 and older give each root port a slot of its own: port = slot << 3
    got = targets(capsys, tmp_path, doc, "2.5.0")
    assert [got[i]["port"] for i in "123"] == ["0x10", "0x18", "0x20"]


def test_without_video_root_ports_start_at_slot_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    got = targets(capsys, tmp_path, domain("pcie-root-port", "pcie-root-port"), "9.0.0")
    assert [got[i]["port"] for i in "12"] == ["0x8", "0x9"]


def test_an_explicit_value_is_kept_and_the_rest_filled(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = domain("pcie-root-port").replace("model='pcie-root-port'/>",
                                           "model='pcie-root-port'><target chassis='7'/></controller>")
    assert targets(capsys, tmp_path, doc, "9.0.0")["1"] == {"chassis": "7", "port": "0x8"}


def test_two_expanders_get_254_and_252(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    got = targets(capsys, tmp_path, domain("pci-expander-bus", "pci-expander-bus", machine="pc"), "9.0.0")
    assert (got["1"], got["2"]) == ({"busNr": "254"}, {"busNr": "252"})


def test_a_bridge_gets_its_index_as_chassis_nr_from_1_2_19(capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path) -> None:
    doc = domain("pci-bridge", "pci-bridge", machine="pc")
    assert targets(capsys, tmp_path, doc, "1.2.19")["2"] == {"chassisNr": "2"}
    assert targets(capsys, tmp_path, doc, "1.2.18")["2"] == {}  # no <target> before 1.2.19


def test_downstream_ports_take_the_slots_of_their_switch(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = domain("pcie-root-port", "pcie-switch-upstream-port", "pcie-switch-downstream-port",
                 "pcie-switch-downstream-port")
    got = targets(capsys, tmp_path, doc, "9.0.0")
    assert (got["3"], got["4"]) == ({"chassis": "3", "port": "0x0"}, {"chassis": "4", "port": "0x1"})


def test_when_the_values_are_saved() -> None:
    """Define from 1.2.19; every parse from 1.3.5; 1.2.19 to 1.3.4 fill them at start only."""
    assert not fillin.fills_on(version_key("1.2.18"), "define")
    assert fillin.fills_on(version_key("1.2.19"), "define")
    assert not fillin.fills_on(version_key("1.3.4"), "load")
    assert fillin.fills_on(version_key("3.2.0"), "load")


def test_the_guest_gets_the_filled_in_values() -> None:
    """1.3.4 saves nothing when it loads a 1.2.18 config, but the guest it starts has the values."""
    cat = load()
    old = engine.roundtrip("model-subelement", cat.host("1.2.18"), domain("pci-bridge", machine="pc").encode())
    assert old.xml is not None and b"<target" not in old.xml
    loaded = engine.roundtrip("model-subelement", cat.host("1.3.4"), old.xml, purpose="load")
    assert loaded.xml is not None and b"<target" not in loaded.xml
    live = engine.roundtrip("model-subelement", cat.host("1.3.4"), old.xml, migratable=True, purpose="load")
    assert live.xml is not None and b'<target chassisNr="1"/>' in live.xml
    assert ("chassis_nr", 1) in dict((i, v) for i, _, _, v in live.hardware or ())[1]


def test_no_bus_number_left_below_an_explicit_2_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = domain("pci-expander-bus", "pci-expander-bus", machine="pc").replace(
        "index='1' model='pci-expander-bus'/>", "index='1' model='pci-expander-bus'><target busNr='2'/></controller>")
    path = tmp_path / "d.xml"
    path.write_text(doc)
    assert cli.main(["roundtrip", "--scheme", "model-subelement", "--release", "9.0.0", str(path)]) == 1
    assert "No free busNr lower than current lowest busNr is available to auto-assign" in capsys.readouterr().err


def test_controllers_without_index_are_numbered_around_the_explicit_ones(capsys: pytest.CaptureFixture[str],
                                                                       tmp_path: Path) -> None:
    """Observed on 9.0.0: two root ports without index beside an explicit 3 become 1 and 2; one
    written before an explicit 1 becomes 2 and, addressed first, gets port 0x8."""
    rows = ("<controller type='pci' model='pcie-root-port'/><controller type='pci' model='pcie-root-port'/>"
            "<controller type='pci' index='3' model='pcie-root-port'/>")
    got = targets(capsys, tmp_path, domain(extra=rows), "9.0.0")
    assert sorted(got) == ["0", "1", "2", "3"] and [got[i]["port"] for i in "123"] == ["0x8", "0x9", "0xa"]
    rows = "<controller type='pci' model='pcie-root-port'/><controller type='pci' index='1' model='pcie-root-port'/>"
    got = targets(capsys, tmp_path, domain(extra=rows), "9.0.0")
    assert (got["1"]["port"], got["2"]["port"]) == ("0x9", "0x8")
    # up to 1.3.4 a missing index is 0 (zeroed allocation): it collides with the root bus
    path = tmp_path / "d.xml"
    path.write_text(domain(extra="<controller type='pci' model='pcie-root-port'/>"))
    assert cli.main(["roundtrip", "--scheme", "model-subelement", "--release", "1.3.4", str(path)]) == 1
    assert "Multiple 'pci' controllers with index '0'" in capsys.readouterr().err



def test_machines_removed_before_7_2_run_on_the_qemu_of_their_time() -> None:
    """pc-1.2 (libvirt 1.2.19's own pci-bridge test) runs on QEMU 2.4 and not on 7.2 (removed in 6.0)."""
    cat = load()
    assert cat.runs_machine(cat.host("1.2.19", "2.4.0"), "pc-1.2")
    assert not cat.runs_machine(cat.host("9.0.0", "7.2.0"), "pc-1.2")
    assert not cat.runs_machine(cat.host("4.0.0", "4.0.0"), "pc-0.11") and cat.runs_machine(cat.host("4.0.0", "3.1.0"), "pc-0.11")
    doc = domain("pci-bridge", machine="pc-1.2").replace("model='pcie-root'", "model='pci-root'").encode()
    ok = engine.roundtrip("model-subelement", cat.host("1.2.19", "2.4.0"), doc, catalog=cat, setting=DOCUMENT)
    assert ok.error is None and ok.xml is not None and b'machine="pc-1.2"' in ok.xml
    refused = engine.roundtrip("model-subelement", cat.host("9.0.0", "7.2.0"), doc, catalog=cat, setting=DOCUMENT)
    assert refused.error == ("unsupported configuration: Emulator '/usr/bin/qemu-system-x86_64' does not support "
                             "machine type 'pc-1.2'")


def test_a_lone_bridge_at_index_4_gets_bridges_1_to_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Observed on 9.0.0 (and libvirt's pci-autoadd-idx test): the gap below an index is filled,
    with pci-bridges, or from 2.5.0 on a pcie-root machine with root ports."""
    doc = domain(machine="pc", extra="<controller type='pci' index='4' model='pci-bridge'/>")
    got = targets(capsys, tmp_path, doc, "9.0.0")
    assert got == {"0": {}, **{str(i): {"chassisNr": str(i)} for i in range(1, 5)}}
    doc = domain(extra="<controller type='pci' index='3' model='pcie-root-port'/>")
    assert sorted(targets(capsys, tmp_path, doc, "9.0.0")) == ["0", "1", "2", "3"]
    got = targets(capsys, tmp_path, doc, "9.0.0")
    assert [got[i]["port"] for i in "312"] == ["0x8", "0x9", "0xa"]  # observed: the added ports come after


def test_q35_auto_at_9_is_what_9_adds() -> None:
    """Observed with the real 9.0.0 for the q35-auto devices (two virtio NICs, one e1000, no USB
    controller, no balloon): root ports 1-3 (the e1000's pcie-to-pci-bridge 4 on port 1), then a
    root port for the USB controller (5), one for the balloon (6) and a spare (7)."""
    from pcidesign.model import registry

    cat = load()
    d = registry.get("model-subelement").dialect(cat.host("9.0.0"), cat)
    xml = engine.write_intent(d, cat.intent("q35-auto"))
    assert xml is not None
    saved = engine.roundtrip("model-subelement", cat.host("9.0.0"), xml)
    assert saved.xml is not None
    root = etree.fromstring(saved.xml)
    got = [(c.get("index"), c.get("model"), c.find("model").get("name") if c.find("model") is not None else None,
            dict(c.find("target").attrib) if c.find("target") is not None else {})
           for c in root.iterfind("devices/controller[@type='pci']")]
    port = lambda i, p: (str(i), "pcie-root-port", "pcie-root-port", {"chassis": str(i), "port": p})  # noqa: E731
    assert got == [("0", "pcie-root", None, {}), port(1, "0x8"), port(2, "0x9"), port(3, "0xa"),
                   ("4", "pcie-to-pci-bridge", "pcie-pci-bridge", {}), port(5, "0xb"), port(6, "0xc"), port(7, "0xd")]


def test_an_intent_domain_asks_for_no_usb_and_no_balloon() -> None:
    """So that no release adds root ports for them: the domain holds the root and the intent only."""
    from pcidesign.model import registry

    cat = load()
    d = registry.get("model-subelement").dialect(cat.host("9.0.0"), cat)
    saved = engine.roundtrip("model-subelement", cat.host("9.0.0"), engine.write_intent(d, cat.intent("pcie-root")) or b"")
    assert saved.xml is not None and saved.xml.count(b"<controller type=\"pci\"") == 1


def test_documents_that_differ_outside_the_addresses_share_one_assignment() -> None:
    """The address assignment is remembered on what it reads of a document (fillin.document_facts):
    two documents that differ in their name and machine type share it, and it is what a fresh
    assignment of either gives; a device's address in the document is part of what is read."""
    from pcidesign.model import domain

    def doc(name: str, machine: str, nic_slot: str | None) -> bytes:
        nic = ("<interface type='network'><source network='default'/>"
               + (f"<address type='pci' domain='0' bus='0' slot='{nic_slot}' function='0'/>" if nic_slot else "")
               + "</interface>")
        return (f"<domain type='kvm'><name>{name}</name><os><type arch='x86_64' machine='{machine}'>hvm</type></os>"
                f"<devices><controller type='pci' index='0' model='pcie-root'/>"
                f"<controller type='pci' index='1' model='pcie-root-port'/>{nic}</devices></domain>").encode()

    a, b, c = doc("a", "pc-q35-2.6", "0x1"), doc("b", "pc-q35-7.2", "0x1"), doc("a", "pc-q35-2.6", None)
    assert fillin.document_facts(etree.fromstring(a)) == fillin.document_facts(etree.fromstring(b))
    assert fillin.document_facts(etree.fromstring(a)) != fillin.document_facts(etree.fromstring(c))
    engine.clear_cache()
    placed = ((0, "pcie-root", ()), (1, "pcie-root-port", ()))
    key = (9, 0, 0)
    got = [domain._assigned(key, "q35", placed, d, True, frozenset(), frozenset()) for d in (a, b, c)]
    assert len(domain._ASSIGNED) == 2  # a and b share one
    fresh = [fillin.assign(key, "q35", [domain.Controller(i, cls, None, "old", kept) for i, cls, kept in placed],
                            etree.fromstring(d), video_usable=True) for d in (a, b, c)]
    assert got == fresh and got[0] != got[2]
