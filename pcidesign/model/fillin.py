"""The ``<target>`` values a libvirt release fills in for PCI controllers, release by release.

libvirt's QEMU driver gives every PCI controller the guest-visible values the user left out
when it assigns PCI addresses (``qemuDomainAssignPCIAddresses``: src/qemu/qemu_command.c at
v1.2.19, src/qemu/qemu_domain_address.c from v1.3.4; the same switch at v1.3.4, v2.5.0,
v3.2.0 and v4.0.0, and observed on 9.0.0):

* ``pci-bridge``: ``chassisNr`` = the controller's index;
* ``pcie-root-port``: ``chassis`` = index, ``port`` = (slot << 3) + function of its own address;
* ``pcie-switch-downstream-port``: ``chassis`` = index, ``port`` = its slot;
* ``pci-expander-bus``/``pcie-expander-bus`` (from 1.3.4, when the classes arrive):
  ``busNr`` = the lowest ``busNr`` of the controllers before it (in index order, 256 when
  there is none) minus 2 (``qemuDomainAddressFindNewBusNr``): 254 for the first expander, 252
  for the second; refused when that would be 2 or lower.

So ``port`` depends on where the root port lands. libvirt addresses PCI controllers before
any other device, in index order, at the first free address that accepts them
(``qemuDomainAssignDevicePCISlots``); on a q35 machine, slot 0 is the host bridge, 0x1f the
ICH9 functions, 0x1e the first ``dmi-to-pci-bridge``, and slot 1 is kept for the primary video
device when the domain has one (``qemuDomainValidateDevicePCISlotsQ35`` at every tag read).
Until 2.5.0 every root port takes a slot of its own; from 3.0.0 (commit 147ebe6dd "conf:
aggregate multiple pcie-root-ports onto a single slot", between the v2.5.0 and v3.2.0 release
commits) root ports fill the eight functions of one slot before the next: 0x8, 0x9, 0xa, or
0x10, 0x11, 0x12 behind a video device at 00:01.0 (observed on 9.0.0 with the QEMU driver).

When the values are saved: at define from 1.2.19; from 1.3.5 on every parse, since addresses
are assigned by the post-parse callback (commit 5d7314bbc), so a config saved without them gets
them when the daemon loads it; 1.2.19 to 1.3.4 fill them at start (``qemuProcessStart``) in the
live definition only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from pcidesign.model.catalog import TARGET_SINCE, Key, version_key
from pcidesign.model.guestabi import strtol
from pcidesign.model.xmlsafe import parse_fragment

if TYPE_CHECKING:
    from pcidesign.model.dialect import Controller

EXPANDERS_SINCE: Key = version_key("1.3.4")
"""``busNr`` and the expander classes arrive in 1.3.4 (src/conf/domain_conf.c at v1.3.4)."""

AGGREGATE_SINCE: Key = version_key("3.0.0")
"""Root ports packed as the functions of one slot (commit 147ebe6dd; first release 3.0.0)."""

EVERY_PARSE_SINCE: Key = version_key("1.3.5")
"""Addresses (and with them the ``<target>`` values) assigned on every parse (commit 5d7314bbc)."""

Q35_RESERVED = (0x00, 0x1F)
"""Slots of bus 0 on q35 that no PCI controller gets: the host bridge and the ICH9 functions."""
DMI_SLOT = 0x1E
"""Where libvirt puts the first ``dmi-to-pci-bridge`` on q35 (qemuDomainValidateDevicePCISlotsQ35)."""
VIDEO_SLOT = 0x01
"""Where the primary video device goes on q35 (the same function): kept free for it."""

TARGET_ORDER = ("chassisNr", "chassis", "port", "busNr", "index", "hotplug")
"""The ``<target>`` attributes in the order libvirt formats them."""


@dataclass(frozen=True)
class Fill:
    """What a release fills in for one controller: its ``<target>`` values (field, number) and
    where it placed the controller (bus, slot, function; None when the model does not place it)."""

    index: int
    values: tuple[tuple[str, int], ...]
    address: tuple[int, int, int] | None


def fills_on(release: Key, purpose: str) -> bool:
    """Whether ``release`` saves the filled-in values when it parses for ``purpose``
    (``define``, ``load``, ``incoming``); otherwise they are filled at start, in the live guest."""
    if release < TARGET_SINCE:
        return False
    return purpose == "define" or release >= EVERY_PARSE_SINCE


def _attrs(kept: tuple[bytes, ...], tag: str) -> dict[str, str]:
    for blob in kept:
        elem = parse_fragment(blob)
        if elem.tag == tag:
            return dict(elem.attrib)
    return {}


def _explicit(kept: tuple[bytes, ...]) -> tuple[int | None, int | None, int]:
    """The controller's own ``<address>``: (bus, slot, function), None where it gives none
    (a bus without a slot asks for the first free slot on that bus)."""
    addr = _attrs(kept, "address")
    if not addr or addr.get("type", "pci") != "pci":
        return None, None, 0
    bus = strtol(addr["bus"]) if "bus" in addr else None
    slot = strtol(addr["slot"]) if "slot" in addr else None
    return bus, slot, strtol(addr.get("function", "0")) or 0


def _domain_addresses(root: etree._Element | None) -> set[tuple[int, int, int]]:
    """Every PCI address the document's devices already give, as (bus, slot, function)."""
    out: set[tuple[int, int, int]] = set()
    if root is None:
        return out
    for addr in root.iterfind("devices/*/address"):
        if addr.get("type") != "pci" or addr.get("slot") is None:
            continue
        bus, slot, fn = strtol(addr.get("bus", "0")), strtol(addr.get("slot")), strtol(addr.get("function", "0"))
        if None not in (bus, slot, fn):
            out.add((bus, slot, fn))  # type: ignore[arg-type]
    return out


def _has_unaddressed_video(root: etree._Element | None) -> bool:
    """Whether the domain's primary video device (its first ``<video>``) has no address yet."""
    if root is None:
        return False
    videos = root.findall("devices/video")
    if not videos:
        return False
    addr = videos[0].find("address")
    return addr is None


def document_facts(root: etree._Element | None) -> tuple[frozenset[tuple[int, int, int]], bool]:
    """All :func:`assign` reads of the domain document ``root`` besides its PCI controllers: the
    PCI addresses its devices already take, and whether its first video has no address yet.
    Documents that differ elsewhere (a name, the machine type) get the same assignment."""
    return frozenset(_domain_addresses(root)), _has_unaddressed_video(root)


def assign(release: Key, machine: str, ctrls: Sequence[Controller], root: etree._Element | None,
           video_usable: bool = True, first: frozenset[int] = frozenset(),
           last: frozenset[int] = frozenset()) -> list[Fill] | str:
    """What ``release`` fills in for ``ctrls`` (the domain's PCI controllers, with their kept
    children) on a ``machine`` (``pc``, ``q35``) guest whose document is ``root``: one
    :class:`Fill` per controller that gains a value, or libvirt's error message. The controllers
    whose indexes are in ``first`` are addressed before the others (they were written without an
    index, see :func:`pcidesign.model.domain._assign_indexes`), those in ``last`` (added by
    libvirt to fill a gap) after them (observed on 9.0.0: a lone root port at index 3 gets port
    0x8, the root ports added at 1 and 2 get 0x9 and 0xa).

    ``video_usable`` is QEMU's ``QEMU_CAPS_DEVICE_VIDEO_PRIMARY``: every QEMU the catalog
    models has it; a host described by a list of capabilities (libvirt's own tests) has it only
    when the list names it, and without it libvirt keeps slot 1 of q35 free for a video device
    that may come later, even when there is none (qemuDomainValidateDevicePCISlotsQ35).
    """
    if release < TARGET_SINCE:
        return []
    ordered = sorted(ctrls, key=lambda c: (0 if c.index in first else 2 if c.index in last else 1, c.index))
    kept = {c.index: (_attrs(c.kept, "target"), _explicit(c.kept)) for c in ordered}
    q35 = machine == "q35"
    slots: dict[int, set[int]] = {}  # per bus, the slots with a function in use (or reserved)
    functions: dict[tuple[int, int], set[int]] = {}
    aggregated: set[tuple[int, int]] = set()  # slots whose first function went to a root port
    placed: dict[int, tuple[int, int, int]] = {}
    aggregate = release >= AGGREGATE_SINCE

    def put(index: int | None, where: tuple[int, int, int], root_port: bool = False) -> None:
        bus, slot, fn = where
        used = functions.setdefault((bus, slot), set())
        if not used and root_port and aggregate:
            aggregated.add((bus, slot))  # virDomainPCIAddressReserveAddrInternal
        used.add(fn)
        slots.setdefault(bus, set()).add(slot)
        if index is not None:
            placed[index] = where

    for c in ordered:
        bus, slot, fn = kept[c.index][1]
        if slot is not None:
            put(c.index, (bus or 0, slot, fn), c.cls == "pcie-root-port")
    addresses, unaddressed_video = document_facts(root)
    for where in addresses:
        if where not in placed.values():
            put(None, where)
    reserved: set[int] = set()
    if q35:
        reserved = set(Q35_RESERVED) | {DMI_SLOT}
        if unaddressed_video or not video_usable:
            reserved.add(VIDEO_SLOT)
    upstream = [c.index for c in ordered if c.cls == "pcie-switch-upstream-port"]
    first_upstream = 0  # upstream buses before this one are full
    cursor: dict[int, int] = {}  # per bus, no empty slot below this one
    rp_cursor: dict[int, int] = {}  # per bus, no slot below this one takes a root port
    dmi_done = False

    def free_slot(bus: int) -> int | None:
        slot = cursor.get(bus, 1 if bus == 0 else 0)
        taken = slots.get(bus, set())
        while slot < 32 and (slot in taken or (bus == 0 and slot in reserved)):
            slot += 1
        cursor[bus] = slot
        return slot if slot < 32 else None

    def root_port_address(bus: int) -> tuple[int, int, int] | None:
        """The first slot that is empty, or aggregates root ports and has a free function
        (virDomainPCIAddressFindUnusedFunctionOnBus with VIR_PCI_CONNECT_AGGREGATE_SLOT)."""
        slot = rp_cursor.get(bus, 1 if bus == 0 else 0)
        while slot < 32:
            used = functions.get((bus, slot), set())
            if not (bus == 0 and slot in reserved):
                if not used:
                    break
                if (bus, slot) in aggregated and len(used) < 8:
                    break
            slot += 1
        rp_cursor[bus] = slot
        if slot >= 32:
            return None
        used = functions.get((bus, slot), set())
        return bus, slot, next(f for f in range(8) if f not in used)

    for c in ordered:
        if c.index in placed or c.cls in ("pci-root", "pcie-root") or not q35:
            continue
        bus = kept[c.index][1][0]
        if c.cls == "pcie-switch-downstream-port" and bus is None:
            while first_upstream < len(upstream) and free_slot(upstream[first_upstream]) is None:
                first_upstream += 1
            if first_upstream < len(upstream) and upstream[first_upstream] < c.index:
                bus = upstream[first_upstream]
        elif c.cls in ("pcie-root-port", "pcie-expander-bus", "dmi-to-pci-bridge") and bus is None:
            bus = 0
        if bus is None:
            continue
        if bus == 0 and c.cls == "dmi-to-pci-bridge" and not dmi_done and DMI_SLOT not in slots.get(0, set()):
            dmi_done = True
            put(c.index, (0, DMI_SLOT, 0))
            continue
        if c.cls == "pcie-root-port" and aggregate:
            where = root_port_address(bus)
            if where is not None:
                put(c.index, where, True)
            continue
        slot = free_slot(bus)
        if slot is None:
            continue
        put(c.index, (bus, slot, 0), c.cls == "pcie-root-port")

    out: list[Fill] = []
    explicit_bus_nrs = [strtol(t.get("busNr")) for t, _ in kept.values()]
    lowest = min([256, *(v for v in explicit_bus_nrs if v is not None and v >= 0)])
    for c in ordered:
        have = set(kept[c.index][0])
        values: list[tuple[str, int]] = []
        addr = placed.get(c.index)
        if c.cls == "pci-bridge" and "chassisNr" not in have:
            values.append(("chassisNr", c.index))
        elif c.cls == "pcie-root-port":
            if "chassis" not in have:
                values.append(("chassis", c.index))
            if "port" not in have:
                slot, fn = (addr[1], addr[2]) if addr else (c.index, 0)
                values.append(("port", (slot << 3) + fn))
        elif c.cls == "pcie-switch-downstream-port":
            if "chassis" not in have:
                values.append(("chassis", c.index))
            if "port" not in have:
                values.append(("port", addr[1] if addr else 0))
        elif c.cls in ("pci-expander-bus", "pcie-expander-bus") and release >= EXPANDERS_SINCE and "busNr" not in have:
            if lowest <= 2:
                return ("unsupported configuration: No free busNr lower than current lowest busNr is available "
                        f"to auto-assign to bus {addr[0] if addr else 0}. Must be manually assigned")
            lowest -= 2
            values.append(("busNr", lowest))
        if values:
            out.append(Fill(c.index, tuple(values), addr))
    return out


def merged_target(kept: tuple[bytes, ...], values: tuple[tuple[str, int], ...]) -> tuple[bytes, ...]:
    """``kept`` with ``values`` added to its ``<target>`` (created before ``<address>`` when
    there is none), formatted as libvirt formats them: ``port`` in hex, the others in decimal."""
    blobs = list(kept)
    position = next((i for i, b in enumerate(blobs) if parse_fragment(b).tag == "target"), None)
    if position is None:
        old: dict[str, str] = {}
        node = None
        position = next((i for i, b in enumerate(blobs) if parse_fragment(b).tag == "address"), len(blobs))
        blobs.insert(position, b"")
    else:
        elem = parse_fragment(blobs[position])
        old = dict(elem.attrib)
        node = elem.findtext("node")
    new = dict(old)
    for field, number in values:
        new[field] = f"0x{number:x}" if field == "port" else str(number)
    ordered = {k: new[k] for k in TARGET_ORDER if k in new}
    ordered.update({k: v for k, v in new.items() if k not in ordered})
    target = etree.Element("target", ordered)
    if node is not None:
        etree.SubElement(target, "node").text = node
    blobs[position] = etree.tostring(target)
    return tuple(blobs)
