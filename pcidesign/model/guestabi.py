"""The guest-visible values of a PCI controller: which ``<target>`` field sets which QEMU property,
how libvirt derives it when the XML has none, and whether QEMU checks it on migration.

libvirt's docs say ``<target>`` holds "configurable items that are visible to the guest OS so
must be preserved for guest ABI compatibility" (facts §9). Every fact below carries its source:
docs/facts.md, or the measurements with libvirt 9.0.0 and QEMU 7.2 in
``data/calibration/qemu-facts.md`` (re-measured by ``pcidesign calibrate --driver qemu``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GuestValue:
    """One guest-visible value: the ``<target>`` field that sets it, the QEMU property it becomes,
    how libvirt derives it when the XML has none, and whether QEMU checks it on migration."""

    field: str
    prop: str
    default: str
    checked: bool
    source: str


GUEST_VALUES: dict[str, tuple[GuestValue, ...]] = {
    "pci-bridge": (
        GuestValue("chassisNr", "chassis_nr", "index", False,
                   "1.2.18 and older: chassis_nr=<index> on the command line; 1.2.19 on: <target chassisNr> = index "
                   "(facts §9); a different chassis_nr migrates (measured, qemu-facts.md §4 pair 4)"),),
    "pcie-root-port": (
        GuestValue("chassis", "chassis", "index", False,
                   "chassis = index (1.2.19, facts §9); a different chassis migrates (measured, pair 5)"),
        GuestValue("port", "port", "slot<<3|function", True,
                   "port = (slot << 3) + function (1.2.19, facts §9); a different port is refused, 'Bad config "
                   "data' (measured, pair 6)"),
    ),
    "pcie-switch-downstream-port": (
        GuestValue("chassis", "chassis", "index", False,
                   "chassis = index (1.2.19, facts §9); a different chassis migrates (measured by hand, "
                   "qemu-facts.md §4)"),
        GuestValue("port", "port", "slot", True,
                   "port = slot (1.2.19, facts §9); checked like a root port's (measured, pair 9)"),
    ),
    "pci-expander-bus": (
        GuestValue("busNr", "bus_nr", "254", True,
                   "busNr: 254 for a lone expander (observed on 9.0.0, qemu-facts.md §1); a different pxb bus_nr is "
                   "refused (measured, pair 8)"),),
    "pcie-expander-bus": (
        GuestValue("busNr", "bus_nr", "254", False,
                   "busNr: 254 for a lone expander (observed on 9.0.0, qemu-facts.md §1); a different pxb-pcie bus_nr "
                   "migrates (measured by hand, qemu-facts.md §4)"),),
}
"""Per class, the ``<target>`` values the guest sees (facts §9; ``data/calibration/qemu-facts.md``).
Every release derives the same default from the controller's index and address; a release that
does not keep ``<target>`` (before 1.2.19) derives it whatever the XML said."""


def target_field(cls: str, name: str) -> GuestValue | None:
    """The rule for ``<target NAME>`` of a ``cls`` controller, or None when the class has no such field."""
    return next((r for r in GUEST_VALUES.get(cls, ()) if r.field == name), None)


RANGES: dict[str, tuple[int, int]] = {"chassisNr": (1, 255), "chassis": (0, 255), "port": (0, 255), "busNr": (1, 254)}
"""The values libvirt accepts per field (observed on 9.0.0: "PCI controller chassisNr '0' out of
range - must be 1-255", "chassis '256' out of range - must be 0-255", "port '256' ..."; busNr
1-254 from the same validation: "PCI controller busNr ... out of range - must be 1-254")."""
