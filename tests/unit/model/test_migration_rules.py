"""What a migration's destination checks, as measured with libvirt 9.0.0 and QEMU 7.2
(docs/facts-flows.md#migration-rules; pairs 11 to 16 of data/calibration/migrate/, which
``pcidesign calibrate --driver qemu`` re-measures): the bus number of an expander is checked
through the devices behind it, a port's ``hotplug`` off on one side is refused, and a changed
machine type meets libvirt's ABI check before QEMU."""

from __future__ import annotations

from pathlib import Path

import pytest

import pcidesign
from pcidesign.calibrate import qemu as calibrate_qemu
from pcidesign.model import engine, registry
from pcidesign.model.catalog import TargetError, parse_target
from pcidesign.model.domain import Hardware
from pcidesign.model.guestabi import shown
from pcidesign.model.setting import DOCUMENT
from pcidesign.model.vocab import Outcome

CAT = pcidesign.load_catalog()
HOST = CAT.host(CAT.release("9.0.0"), "7.2.0")
ROOT_BUS = "<address type='pci' domain='0x0000' bus='0x00' slot='0x{slot:02x}' function='0x0'/>"


def domain(*controllers: str, machine: str = "pc-q35-7.2") -> bytes:
    body = "".join(controllers)
    return (f"<domain type='qemu'><name>g</name><uuid>6ac9e72d-3fd3-4551-b170-57e5e02f8db0</uuid>"
            f"<memory unit='MiB'>64</memory><os><type arch='x86_64' machine='{machine}'>hvm</type></os>"
            f"<devices><controller type='pci' index='0' model='pcie-root'/>{body}"
            "<controller type='usb' model='none'/><memballoon model='none'/></devices></domain>").encode()


def pxb(bus_nr: int) -> str:
    return (f"<controller type='pci' index='1' model='pcie-expander-bus'><model name='pxb-pcie'/>"
            f"<target busNr='{bus_nr}'/>{ROOT_BUS.format(slot=2)}</controller>")


def on_bus(index: int, cls: str, name: str, bus: int, target: str = "") -> str:
    return (f"<controller type='pci' index='{index}' model='{cls}'><model name='{name}'/>{target}"
            f"<address type='pci' domain='0x0000' bus='0x{bus:02x}' slot='0x00' function='0x0'/></controller>")


def hardware(xml: bytes, release: str = "9.0.0") -> Hardware:
    got = engine.roundtrip("model-subelement", CAT.host(CAT.release(release), "7.2.0") if release != "9.0.0" else HOST,
                           xml, migratable=True, catalog=CAT, setting=DOCUMENT)
    assert got.hardware is not None, got.error
    return got.hardware


def event(src: bytes, dst: bytes) -> tuple[Outcome | None, str]:
    return engine.migration_event(hardware(src), hardware(dst), "A", "B")


# -- the expander's bus number ---------------------------------------------------------------------
def test_a_busnr_change_aborts_when_a_controller_sits_behind_the_expander() -> None:
    port = on_bus(2, "pcie-root-port", "pcie-root-port", 1, "<target chassis='2' port='0x0'/>")
    got, why = event(domain(pxb(254), port), domain(pxb(200), port))
    assert got is Outcome.ABORTED
    assert "root_bus_nr 254 -> 200" in why and "Unknown savevm section or instance" in why


def test_a_busnr_change_migrates_when_nothing_sits_behind_it() -> None:
    got, why = event(domain(pxb(254)), domain(pxb(200)))
    assert got is Outcome.GUEST_CHANGED and "does not check bus_nr" in why


def test_every_controller_below_the_expander_carries_its_bus_number() -> None:
    ctrls = (pxb(254), on_bus(2, "pcie-root-port", "pcie-root-port", 1, "<target chassis='2' port='0x0'/>"),
             on_bus(3, "pcie-switch-upstream-port", "x3130-upstream", 2),
             on_bus(4, "pcie-switch-downstream-port", "xio3130-downstream", 3, "<target chassis='4' port='0x0'/>"))
    hw = {i: dict(values) for i, _cls, _dev, values in hardware(domain(*ctrls))}
    assert [hw[i].get("root_bus_nr") for i in (1, 2, 3, 4)] == [None, 254, 254, 254]
    # a controller on the main root bus carries nothing
    plain = {i: dict(v) for i, _c, _d, v in hardware(domain(pxb(254), on_bus(2, "pcie-root-port", "pcie-root-port", 0)))}
    assert "root_bus_nr" not in plain[2]


def test_a_pxb_bus_number_is_always_checked() -> None:
    """QEMU's pxb puts a pci-bridge of its own behind the expander (calibration pair 8)."""
    def pc(bus_nr: int) -> bytes:
        return (f"<domain type='qemu'><name>g</name><memory unit='MiB'>64</memory><os><type arch='x86_64' "
                f"machine='pc-i440fx-7.2'>hvm</type></os><devices><controller type='pci' index='0' model='pci-root'/>"
                f"<controller type='pci' index='1' model='pci-expander-bus'><model name='pxb'/><target busNr='{bus_nr}'/>"
                "</controller><controller type='usb' model='none'/><memballoon model='none'/></devices></domain>").encode()
    got, _ = event(pc(254), pc(200))
    assert got is Outcome.ABORTED


# -- hotplug ---------------------------------------------------------------------------------------
def port_with(hotplug: str | None) -> bytes:
    attr = f" hotplug='{hotplug}'" if hotplug else ""
    return domain(f"<controller type='pci' index='1' model='pcie-root-port'><model name='pcie-root-port'/>"
                  f"<target chassis='1' port='0x8'{attr}/>{ROOT_BUS.format(slot=1)}</controller>",
                  on_bus(2, "pcie-switch-upstream-port", "x3130-upstream", 1),
                  on_bus(3, "pcie-switch-downstream-port", "xio3130-downstream", 2,
                         f"<target chassis='3' port='0x0'{attr}/>"))


def test_hotplug_off_on_one_side_aborts_and_the_default_is_on() -> None:
    assert hardware(port_with(None)) == hardware(port_with("on"))  # pair 15: the same guest
    got, why = event(port_with("on"), port_with("off"))
    assert got is Outcome.ABORTED and "hotplug on -> off" in why and "Bad config data" in why
    got, _ = event(port_with(None), port_with("off"))
    assert got is Outcome.ABORTED


def test_hotplug_is_passed_from_6_3_0_only() -> None:
    """4.3.0 does not parse hotplug: QEMU gets its default, so off at 9.0.0 cannot come back."""
    assert "hotplug" not in str(hardware(port_with("off"), "4.3.0"))
    got = pcidesign.run("model-subelement", "migrate", "pcie-root-port/hotplug=off", "9.0.0", "4.3.0", CAT)
    assert got.outcome is Outcome.ABORTED and "hotplug off -> on" in got.detail
    same = pcidesign.run("model-subelement", "migrate", "pcie-root-port/hotplug=off", "9.0.0", "9.0.0", CAT)
    assert same.outcome is Outcome.OK


def test_intents_take_hotplug_as_a_word() -> None:
    assert parse_target("pcie-switch-downstream-port", "hotplug=off/chassis=3") == (("hotplug", "off"), ("chassis", "3"))
    with pytest.raises(TargetError, match="off, on"):
        parse_target("pcie-root-port", "hotplug=1")
    with pytest.raises(TargetError):
        parse_target("pci-bridge", "hotplug=off")
    assert (shown("hotplug", 0), shown("hotplug", None), shown("port", 8), shown("root_bus_nr", None)) == \
        ("off", "on", "8", "-")


# -- machine type: libvirt's ABI check first ----------------------------------------------------------
def with_xml(src: bytes, dst: bytes) -> engine.Step:
    d = registry.get("model-subelement").dialect(HOST, CAT, DOCUMENT)
    state, step = engine.define(d, src)
    assert state is not None, step.note
    return engine.migrate_with_xml(state, d, dst, given=True)[1]


def test_a_changed_machine_type_is_refused_by_libvirts_abi_check() -> None:
    port = f"<controller type='pci' index='1' model='pcie-root-port'><model name='pcie-root-port'/>" \
           f"<target chassis='1' port='0x8'/>{ROOT_BUS.format(slot=1)}</controller>"
    step = with_xml(domain(port), domain(port, machine="pc-q35-7.1"))
    assert step.event is Outcome.REJECTED
    assert ("unsupported configuration: Target domain machine type pc-q35-7.1 does not match source pc-q35-7.2"
            in step.note)  # word for word as 9.0.0 says it (calibration pair 14, restore --xml)


def test_the_abi_check_passes_busnr_and_hotplug_and_qemu_refuses_them() -> None:
    port = on_bus(2, "pcie-root-port", "pcie-root-port", 1, "<target chassis='2' port='0x0'/>")
    assert with_xml(domain(pxb(254), port), domain(pxb(200), port)).event is Outcome.ABORTED
    assert with_xml(domain(pxb(254)), domain(pxb(200))).event is Outcome.GUEST_CHANGED
    assert with_xml(port_with("on"), port_with("off")).event is Outcome.ABORTED
    assert with_xml(port_with(None), port_with("on")).event is None


# -- the calibration's inputs -------------------------------------------------------------------------
def test_the_calibration_pairs_cover_the_rules() -> None:
    _probes, pairs, _ = calibrate_qemu.load_probes()
    names = {p.name: p for p in pairs}
    for name in ("11-pxb-pcie-busnr-behind", "12-pxb-pcie-busnr-alone", "13-downstream-port-hotplug",
                 "14-machine-type-abi", "15-downstream-port-hotplug-default"):
        assert names[name].restore, name
    assert not names["1-control-root-port"].restore


def test_the_destinations_qemu_gets_hotplug_as_libvirt_passes_it() -> None:
    _probes, pairs, _ = calibrate_qemu.load_probes()
    pair = next(p for p in pairs if p.name == "13-downstream-port-hotplug")
    _mach, src = calibrate_qemu.qemu_args(pair.src.read_bytes())
    _mach, dst = calibrate_qemu.qemu_args(pair.dst.read_bytes())
    assert src[-1].endswith("hotplug=on") and dst[-1].endswith("hotplug=off")
    plain = next(p for p in pairs if p.name == "15-downstream-port-hotplug-default")
    assert "hotplug" not in calibrate_qemu.qemu_args(plain.src.read_bytes())[1][-1]


def test_a_bad_restore_flag_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "migrate").mkdir()
    for side in ("src", "dst"):
        (tmp_path / "migrate" / f"x.{side}.xml").write_bytes(port_with(None))
    (tmp_path / "migrate" / "pairs.csv").write_text("pair,fact,restore\nx,a fact,maybe\n")
    with pytest.raises(calibrate_qemu.CalibrationError, match="restore 'maybe' is not one of: yes, no"):
        calibrate_qemu.load_probes(tmp_path)


def test_a_restore_needs_one_uuid_at_both_ends() -> None:
    got = calibrate_qemu.with_uuid(domain(), "0000abcd-0000-4000-8000-000000000000")
    assert got.count(b"<uuid>") == 1
    assert got.index(b"</name>") < got.index(b"<uuid>0000abcd-0000-4000-8000-000000000000</uuid>") < got.index(b"<memory")
