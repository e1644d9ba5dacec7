"""libvirt's own controller tests at six releases, vendored in tests/data/libvirt (issue 21, item 6).

For every vendored case (``NAME.in.xml`` with the ``.args`` libvirt's qemuxml2argvtest expects,
and the qemuxml2xmltest output ``NAME.out.xml`` when there is one), ``model-subelement`` at
that release, on a host with the QEMU devices the case's ``DO_TEST`` gave it (``caps.txt``):

* builds, for every PCI controller on libvirt's command line (``-device DEV,...,id=pci.N``),
  the same device ``DEV`` with the same guest-visible values (``chassis``, ``port``,
  ``chassis_nr``, ``bus_nr``), and no controller libvirt does not build;
* saves, for every PCI controller of the expected output, the same class, ``<model name>`` and
  every ``<target>`` attribute, and no other PCI controller (so the auto-added set is compared).

Every case that differs is listed in :data:`EXCEPTIONS` with its reason (and in
tests/data/libvirt/README.md); a listed case that stops differing fails too, so the list stays
true.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import TESTS

import pytest
from lxml import etree

from pcidesign.model import engine
from pcidesign.model.catalog import load

DATA = TESTS / "data" / "libvirt"
RELEASES = ("1.2.18", "1.2.19", "1.3.4", "2.5.0", "3.2.0", "4.0.0")
CAPS = {"QEMU_CAPS_DEVICE_PCI_BRIDGE": "pci-bridge", "QEMU_CAPS_DEVICE_DMI_TO_PCI_BRIDGE": "i82801b11-bridge",
        "QEMU_CAPS_DEVICE_IOH3420": "ioh3420", "QEMU_CAPS_DEVICE_PCIE_ROOT_PORT": "pcie-root-port",
        "QEMU_CAPS_DEVICE_X3130_UPSTREAM": "x3130-upstream", "QEMU_CAPS_DEVICE_XIO3130_DOWNSTREAM": "xio3130-downstream",
        "QEMU_CAPS_DEVICE_PXB": "pxb", "QEMU_CAPS_DEVICE_PXB_PCIE": "pxb-pcie"}
"""libvirt's capability flags for the controller devices, and the device each names."""

AUTO = ("auto-added: libvirt adds controllers for the domain's other devices (USB controller, balloon, disks, "
        "video, ...); the model adds them only on a q35 guest whose one PCI controller is the root, for its NICs, the "
        "implicit balloon, a spare port and, on a real QEMU (not a test's capability list), the implicit USB "
        "controller (issue 21, item 5)")
NICS = ("auto-added: from 2.5.0 libvirt puts every Express device behind its own root port; the model's rule "
        "(autoadd.added) puts the domain's legacy e1000 NIC behind a dmi-to-pci-bridge/pci-bridge pair at indexes 2-3, "
        "and adds none for the other devices")
NO_CAPS = ("the case's DO_TEST entry is not a plain DO_TEST list (capabilities not read by vendor.py), so the model's "
           "host has no DMI bridge device and refuses the domain at start")
XML2XML_NO_FILL = ("libvirt's qemuxml2xmltest at 1.2.18 and 1.2.19 formats without assigning addresses, so its output "
                   "has neither the bridges that fill the gap below index 8 nor filled-in <target> values; the QEMU "
                   "driver's define adds both (the .args, which agree, build pci.1 to pci.7 with chassis_nr)")

EXCEPTIONS: dict[tuple[str, str], str] = {
    **{(r, "cputune-numatune"): NO_CAPS for r in ("1.2.18", "1.2.19")},
    **{(r, "pci-autoadd-idx"): XML2XML_NO_FILL for r in ("1.2.18", "1.2.19")},
    **{(r, "q35-pcie-autoadd"): NICS for r in ("2.5.0", "3.2.0", "4.0.0")},
}
"""(release, case) -> why the model differs there. Cases not listed must agree on every field."""


def cases() -> list[object]:
    return [pytest.param(r, p.name[: -len(".in.xml")], id=f"{r}-{p.name[: -len('.in.xml')]}")
            for r in RELEASES for p in sorted((DATA / r).glob("*.in.xml"))]


def caps(release: str) -> dict[str, list[str]]:
    out = {}
    for line in (DATA / release / "caps.txt").read_text().splitlines():
        name, _, flags = line.partition(":")
        out[name] = flags.split()
    return out


def args_controllers(text: str) -> dict[int, tuple[str, dict[str, str]]]:
    """``-device DEV,k=v,...,id=pci.N`` lines of a ``.args`` file: N -> (DEV, properties)."""
    out = {}
    for m in re.finditer(r"-device (\S+)", text.replace("\\\n", "")):
        parts = m.group(1).split(",")
        props = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
        if re.fullmatch(r"pci\.\d+", props.get("id", "")):
            out[int(props["id"][4:])] = (parts[0], props)
    return out


def saved_controllers(xml: bytes) -> dict[int, tuple[str | None, str | None, dict[str, str]]]:
    """Each PCI controller of a domain: index -> (class, <model name>, <target> attributes)."""
    root = etree.fromstring(xml)
    out = {}
    for c in root.iterfind("devices/controller[@type='pci']"):
        name, target = c.find("model"), c.find("target")
        out[int(c.get("index", "-1"))] = (c.get("model"), name.get("name") if name is not None else None,
                                          dict(target.attrib) if target is not None else {})
    return out


def differences(release: str, name: str) -> tuple[list[str], int]:
    """What differs between libvirt's expectations and the model for one case, and how many
    controllers were compared."""
    cat = load()
    flags = caps(release).get(name, [])
    devices = [CAPS[f] for f in flags if f in CAPS]
    # a capabilities host; without QEMU_CAPS_DEVICE_VIDEO_PRIMARY libvirt keeps q35's slot 1 free
    host = cat.host_with(release, devices, "caps-video" if "QEMU_CAPS_DEVICE_VIDEO_PRIMARY" in flags else "caps")
    doc = (DATA / release / f"{name}.in.xml").read_bytes()
    diffs: list[str] = []
    compared = 0
    live = engine.roundtrip("model-subelement", host, doc, migratable=True, catalog=cat)
    expected = args_controllers((DATA / release / f"{name}.args").read_text())
    if live.error is not None:
        return [f"the model refuses it: {live.error}"], len(expected)
    built = {i: (d, dict(v)) for i, _, d, v in live.hardware or () if d != "-"}
    for index in sorted(set(expected) | set(built)):
        compared += 1
        if index not in built:
            diffs.append(f".args: libvirt builds {expected[index][0]} as pci.{index}, the model nothing")
            continue
        if index not in expected:
            diffs.append(f".args: the model builds {built[index][0]} as pci.{index}, libvirt nothing")
            continue
        (dev, props), (mdev, values) = expected[index], built[index]
        if dev != mdev:
            diffs.append(f".args pci.{index}: libvirt {dev}, model {mdev}")
        for prop, value in values.items():
            if prop in props and int(props[prop], 0) != value:
                diffs.append(f".args pci.{index} {prop}: libvirt {props[prop]}, model {value}")
    out_file = DATA / release / f"{name}.out.xml"
    if out_file.exists():
        saved = engine.roundtrip("model-subelement", host, doc, catalog=cat)
        assert saved.xml is not None
        want, got = saved_controllers(out_file.read_bytes()), saved_controllers(saved.xml)
        for index in sorted(set(want) | set(got)):
            compared += 1
            if want.get(index) != got.get(index):
                diffs.append(f"saved controller {index}: libvirt {want.get(index)}, model {got.get(index)}")
    return diffs, compared


@pytest.mark.parametrize("release,name", cases())
def test_the_model_agrees_with_libvirts_own_test(release: str, name: str) -> None:
    diffs, _ = differences(release, name)
    reason = EXCEPTIONS.get((release, name)) or AUTO_ADDED.get((release, name))
    if reason is None:
        assert not diffs, "\n".join(diffs)
    else:
        assert diffs, f"{release}/{name} is listed as an exception ({reason}) but agrees now: drop it from the list"


def test_the_data_covers_six_releases_and_150_controllers() -> None:
    per_release = {r: sum(len(saved_controllers((DATA / r / f"{n}.in.xml").read_bytes())) for _, n in
                          ((r, p.name[:-7]) for p in (DATA / r).glob("*.in.xml"))) for r in RELEASES}
    assert all(per_release.values()) and len(per_release) >= 6
    assert sum(per_release.values()) >= 150, per_release


AUTO_ADDED: dict[tuple[str, str], str] = {
    ("1.2.18", "pcie-root"): AUTO,
    ("1.2.19", "pcie-root"): AUTO,
    ("1.3.4", "pcie-root"): AUTO,
    ("1.3.4", "q35-pm-disable-fallback"): AUTO,
    ("1.3.4", "q35-pm-disable"): AUTO,
    ("1.3.4", "usb-controller-default-q35"): AUTO,
    ("1.3.4", "usb-controller-explicit-q35"): AUTO,
    ("2.5.0", "bios-nvram-secure"): AUTO,
    ("2.5.0", "machine-smm-opt"): AUTO,
    ("2.5.0", "q35-default-devices-only"): AUTO,
    ("2.5.0", "q35-pm-disable-fallback"): AUTO,
    ("2.5.0", "q35-pm-disable"): AUTO,
    ("2.5.0", "q35-virt-manager-basic"): AUTO,
    ("3.2.0", "bios-nvram-secure"): AUTO,
    ("3.2.0", "machine-smm-opt"): AUTO,
    ("3.2.0", "q35-default-devices-only"): AUTO,
    ("3.2.0", "q35-pm-disable-fallback"): AUTO,
    ("3.2.0", "q35-pm-disable"): AUTO,
    ("3.2.0", "q35-virt-manager-basic"): AUTO,
    ("4.0.0", "bios-nvram-secure"): AUTO,
    ("4.0.0", "machine-smm-opt"): AUTO,
    ("4.0.0", "q35-default-devices-only"): AUTO,
    ("4.0.0", "q35-pm-disable-fallback"): AUTO,
    ("4.0.0", "q35-pm-disable"): AUTO,
    ("4.0.0", "q35-virt-manager-basic"): AUTO,
}
"""(release, case) -> :data:`AUTO` for the cases where libvirt adds controllers the model does not."""
