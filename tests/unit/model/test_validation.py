"""``<target>`` values refused as each release refuses them, when it refuses them (issue 21, item 4).

9.0.0: every message below was observed with the real libvirt 9.0.0 QEMU driver (``virsh define``);
up to 4.3.0 the messages and ranges are those of src/conf/domain_conf.c at the release tags.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pcidesign import cli
from pcidesign.model import engine, guestabi
from pcidesign.model import registry as schemes
from pcidesign.model.catalog import Intent, load, version_key

Q35, PC = ("q35", "pcie-root"), ("pc", "pci-root")


def doc(machine: tuple[str, str], body: str) -> str:
    return (f"<domain type='kvm'><name>v</name><memory unit='KiB'>65536</memory>"
            f"<os><type arch='x86_64' machine='{machine[0]}'>hvm</type></os><devices>"
            f"<controller type='pci' index='0' model='{machine[1]}'/>{body}</devices></domain>")


def ctrl(cls: str, target: str, index: int = 1) -> str:
    return f"<controller type='pci' index='{index}' model='{cls}'>{target}</controller>"


REFUSED_9 = [  # (machine, controllers, 9.0.0's message), observed
    (Q35, ctrl("pcie-root-port", "<target chassis='256'/>"),
     "unsupported configuration: PCI controller chassis '256' out of range - must be 0-255"),
    (Q35, ctrl("pcie-root-port", "<target chassis='-1'/>"),
     "XML error: Invalid value for attribute 'chassis' in element 'target': '-1'. Expected non-negative value"),
    (Q35, ctrl("pcie-root-port", "<target port='256'/>"),
     "unsupported configuration: PCI controller port '256' out of range - must be 0-255"),
    (PC, ctrl("pci-bridge", "<target chassisNr='256'/>"),
     "unsupported configuration: PCI controller chassisNr '256' out of range - must be 1-255"),
    (PC, ctrl("pci-expander-bus", "<target busNr='0'/>"),
     "unsupported configuration: PCI controller busNr '0' out of range - must be 1-254"),
    (PC, ctrl("pci-expander-bus", "<target><node>1</node></target>"),
     "XML error: pci-expander-bus with index 1 is configured for a NUMA node (1) not present in the domain's "
     "<cpu><numa> array (0)"),
    (Q35, ctrl("pcie-root-port", "") + ctrl("pcie-to-pci-bridge", "<target hotplug='off'/>", 2),
     "unsupported configuration: Option 'hotplug' is not valid for PCI controller with index '2', "
     "model 'pcie-to-pci-bridge' and modelName 'pcie-pci-bridge'"),
    (Q35, ctrl("pcie-root-port", "<target busNr='5'/>"),
     "unsupported configuration: Option 'busNr' is not valid for PCI controller with index '1', "
     "model 'pcie-root-port' and modelName 'pcie-root-port'"),
    (PC, ctrl("pci-bridge", "<target index='3'/>"),
     "unsupported configuration: Option 'targetIndex' is not valid for PCI controller with index '1', "
     "model 'pci-bridge' and modelName 'pci-bridge'"),
    (PC, ctrl("pci-bridge", "<target chassis='5' port='4' busNr='3'/>"),  # busNr is checked first
     "unsupported configuration: Option 'busNr' is not valid for PCI controller with index '1', "
     "model 'pci-bridge' and modelName 'pci-bridge'"),
    (Q35, ctrl("pcie-root-port", "<target chassisNr='0'/>"),  # the range before the class
     "unsupported configuration: PCI controller chassisNr '0' out of range - must be 1-255"),
    (Q35, ctrl("pcie-root-port", "<target chassis='0x100'/>"),  # named by its value
     "unsupported configuration: PCI controller chassis '256' out of range - must be 0-255"),
    (Q35, ctrl("pcie-root-port", "<target hotplug='maybe'/>"),
     "XML error: Invalid value for attribute 'hotplug' in element 'target': 'maybe'."),
]


def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, release: str) -> tuple[int, str, str]:
    path = tmp_path / "d.xml"
    path.write_text(text)
    status = cli.main(["roundtrip", "--scheme", "model-subelement", "--release", release, str(path)])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("machine,body,message", REFUSED_9)
def test_9_refuses_with_its_message(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    machine: tuple[str, str], body: str, message: str) -> None:
    status, out, err = run(capsys, tmp_path, doc(machine, body), "9.0.0")
    assert (status, out) == (1, "")
    assert err.rstrip("\n").endswith(": " + message), err


def test_4_0_checks_ranges_while_parsing_with_the_value_as_written(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    text = doc(Q35, ctrl("pcie-root-port", "<target chassis='0x100'/>"))
    status, _, err = run(capsys, tmp_path, text, "4.0.0")
    assert status == 1 and "XML error: PCI controller chassis '0x100' out of range - must be 0-255" in err
    # ... also when a saved config is loaded (the domain would vanish), where 9.0.0 does not validate
    cat = load()
    loaded = engine.roundtrip("model-subelement", cat.host("4.0.0"), text.encode(), purpose="load")
    assert loaded.error is not None and "out of range" in loaded.error
    assert engine.roundtrip("model-subelement", cat.host("9.0.0"), text.encode(), purpose="load").error is None


def test_4_0_keeps_a_field_of_another_class(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """libvirt 4.0.0's own test pcie-expander-bus keeps busNr='220' on a root port."""
    status, out, _ = run(capsys, tmp_path, doc(Q35, ctrl("pcie-root-port", "<target busNr='220'/>")), "4.0.0")
    assert status == 0 and 'busNr="220"' in out


def test_chassis_nr_0_is_refused_from_2_5_only(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = doc(PC, ctrl("pci-bridge", "<target chassisNr='0'/>"))
    assert run(capsys, tmp_path, text, "1.3.4")[0] == 0
    status, _, err = run(capsys, tmp_path, text, "2.5.0")
    assert status == 1 and "chassisNr '0' out of range - must be 1-255" in err


def test_octal_is_read_as_libvirt_reads_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Observed on 9.0.0: chassis='010' port='010' is saved as chassis='8' port='0x8'."""
    status, out, _ = run(capsys, tmp_path, doc(Q35, ctrl("pcie-root-port", "<target chassis='010' port='010'/>")),
                         "9.0.0")
    assert status == 0 and '<target chassis="8" port="0x8"/>' in out
    assert guestabi.strtol(" 0x10") == 16 and guestabi.strtol("+7") == 7 and guestabi.strtol("08") is None


def test_an_intent_out_of_range_is_rejected_at_define() -> None:
    cat = load()
    intent = Intent("pci-bridge/chassisNr=256", "pci-bridge", None, "out of range", (("chassisNr", "256"),))
    for release, word in (("9.0.0", "unsupported configuration: PCI controller chassisNr '256'"),
                          ("4.0.0", "XML error: PCI controller chassisNr '256'")):
        d = schemes.get("model-subelement").dialect(cat.host(release), cat)
        state, step = engine.define(d, engine.write_intent(d, intent) or b"")
        assert state is None and step.event is not None and step.event.value == "rejected"
        assert word in step.note


def test_check_values_is_one_function() -> None:
    nine, four = version_key("9.0.0"), version_key("4.0.0")
    assert guestabi.check_values("pci-bridge", {"chassisNr": "256"}, nine) == (
        "unsupported configuration: PCI controller chassisNr '256' out of range - must be 1-255")
    assert guestabi.check_values("pci-bridge", {"chassisNr": "5"}, nine) is None
    assert guestabi.check_values("pcie-root-port", {"busNr": "5"}, four) is None
    assert guestabi.check_values("pci-bridge", {"chassisNr": "256"}, version_key("1.2.18")) is None
