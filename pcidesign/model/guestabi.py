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
    how libvirt derives it when the XML has none, and whether QEMU checks it on migration.

    ``words`` maps a field written as a word (``hotplug='off'``) to the number the hardware
    records; ``listed_at_default`` False leaves the value out of the hardware while it is QEMU's
    own default (so a config that spells the default and one that omits it build the same guest);
    ``since`` is the first release that passes the field to QEMU, when that is later than the
    release that keeps ``<target>`` (an older release drops it and QEMU uses its default)."""

    field: str
    prop: str
    default: str
    checked: bool
    source: str
    words: tuple[tuple[str, int], ...] = ()
    listed_at_default: bool = True
    since: tuple[int, ...] | None = None

    def number(self, text: str | None) -> int | None:
        """The value ``text`` stands for: a word of :attr:`words`, or None (numbers are read by the caller)."""
        return dict(self.words).get(text) if text is not None else None


def _hotplug(cls: str) -> GuestValue:
    return GuestValue(
        "hotplug", "hotplug", "1", True,
        f"hotplug: QEMU's property of a {cls} is on unless libvirt passes hotplug=off (from 6.3.0, facts §9); "
        "an off port clears the hot-plug bits of its slot capabilities, and a stream from a port that differs is "
        "refused, 'Bad config data: i=0xa4' (measured, data/calibration/qemu-facts.md §4 pair 13)",
        words=(("off", 0), ("on", 1)), listed_at_default=False, since=(6, 3, 0))


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
        _hotplug("pcie-root-port"),
    ),
    "pcie-switch-downstream-port": (
        GuestValue("chassis", "chassis", "index", False,
                   "chassis = index (1.2.19, facts §9); a different chassis migrates (measured by hand, "
                   "qemu-facts.md §4)"),
        GuestValue("port", "port", "slot", True,
                   "port = slot (1.2.19, facts §9); checked like a root port's (measured, pair 9)"),
        _hotplug("pcie-switch-downstream-port"),
    ),
    "pci-expander-bus": (
        GuestValue("busNr", "bus_nr", "254", True,
                   "busNr: 254 for a lone expander (observed on 9.0.0, qemu-facts.md §1); a different pxb bus_nr is "
                   "refused: QEMU's pxb always puts a pci-bridge of its own behind the expander, and the bus number "
                   "is in that bridge's saved-state name, 'Unknown savevm section or instance "
                   "'0000:fe:02.0:00.0/pci_bridge'' (measured, pair 8; docs/facts-flows.md#expander-bus-number)"),),
    "pcie-expander-bus": (
        GuestValue("busNr", "bus_nr", "254", False,
                   "busNr: 254 for a lone expander (observed on 9.0.0, qemu-facts.md §1); a different pxb-pcie bus_nr "
                   "migrates while nothing sits behind the expander (measured, pair 12): the bus number is checked "
                   "through the devices behind it (:data:`BEHIND_EXPANDER`)"),),
}
"""Per class, the ``<target>`` values the guest sees (facts §9; ``data/calibration/qemu-facts.md``).
Every release derives the same default from the controller's index and address; a release that
does not keep ``<target>`` (before 1.2.19) derives it whatever the XML said."""


BEHIND_EXPANDER = GuestValue(
    "", "root_bus_nr", "", True,
    "the bus number of the expander a device sits behind is part of the name QEMU gives the device's saved "
    "state (the expander's root bus path '0000:fe', pxb_host_root_bus_path in QEMU's "
    "hw/pci-bridge/pci_expander_bridge.c), so a stream from a guest whose expander had another busNr is refused, "
    "'Unknown savevm section or instance '0000:fe:02.0:00.0/pcie-root-port'' (measured, data/calibration/"
    "qemu-facts.md §4 pair 11; docs/facts-flows.md#expander-bus-number)")
"""The value every controller behind an expander has (at any depth): the expander's bus number,
as QEMU writes it into the device's saved-state name. It is in the hardware only for a
controller whose parent chain (``<address bus>`` = the index of the controller that provides the
bus) reaches an expander; the model sees PCI controllers only, so a guest whose expander holds
other devices alone is not caught."""

EXPANDERS = frozenset({"pci-expander-bus", "pcie-expander-bus"})
"""The classes that start a root bus of their own, numbered by their ``busNr``."""


def rules_for(cls: str) -> dict[str, GuestValue]:
    """The guest-value rules of a ``cls`` controller by QEMU property, :data:`BEHIND_EXPANDER` included."""
    return {**{r.prop: r for r in GUEST_VALUES.get(cls, ())}, BEHIND_EXPANDER.prop: BEHIND_EXPANDER}


def shown(prop: str, value: int | None) -> str:
    """A guest value as the traces print it: a worded one (``hotplug``) as its word, its default
    word when the hardware leaves it out; a number as it is; ``-`` when there is none."""
    rule = next((r for rules in GUEST_VALUES.values() for r in rules if r.prop == prop and r.words), None)
    if rule is None:
        return "-" if value is None else str(value)
    number = int(rule.default) if value is None else value
    return next((w for w, n in rule.words if n == number), str(number))


def target_field(cls: str, name: str) -> GuestValue | None:
    """The rule for ``<target NAME>`` of a ``cls`` controller, or None when the class has no such field."""
    return next((r for r in GUEST_VALUES.get(cls, ()) if r.field == name), None)


RANGES: dict[str, tuple[int, int]] = {"chassisNr": (1, 255), "chassis": (0, 255), "port": (0, 255), "busNr": (1, 254)}
"""The values libvirt accepts per field (observed on 9.0.0: "PCI controller chassisNr '0' out of
range - must be 1-255", "chassis '256' out of range - must be 0-255", "port '256' ..."; busNr
1-254 from the same validation: "PCI controller busNr ... out of range - must be 1-254")."""


# -- what each release accepts in <target> (docs/facts-fillins.md) -----------------------------------------
Key = tuple[int, ...]

NINE: Key = (9, 0, 0)
"""From here: the messages and check points observed on 9.0.0 with the QEMU driver (the releases
between 4.3.0 and 9.0.0 are not modelled)."""

FIELDS_SINCE: dict[str, Key] = {"chassisNr": (1, 2, 19), "chassis": (1, 2, 19), "port": (1, 2, 19),
                                "busNr": (1, 3, 4), "node": (1, 3, 4), "index": (3, 6, 0), "hotplug": (6, 3, 0)}
"""The release that starts parsing each ``<target>`` field (src/conf/domain_conf.c
``virDomainControllerDefParseXML`` at each tag; ``hotplug`` from 6.3.0, facts §9). An older
release ignores the field (and drops it)."""

VALID_FOR: dict[str, frozenset[str]] = {
    "chassisNr": frozenset({"pci-bridge"}),
    "chassis": frozenset({"pcie-root-port", "pcie-switch-downstream-port"}),
    "port": frozenset({"pcie-root-port", "pcie-switch-downstream-port"}),
    "busNr": frozenset({"pci-expander-bus", "pcie-expander-bus"}),
    "index": frozenset(),  # a pSeries PHB's target index: no x86 class
    "hotplug": frozenset({"pcie-root-port", "pcie-switch-downstream-port"}),
}
"""The classes a field is valid for on 9.0.0 (observed: every other class is refused with "Option
'F' is not valid for PCI controller ..."); up to 4.3.0 a field of another class is kept and
ignored (libvirt 4.0.0's own test pcie-expander-bus keeps ``busNr='220'`` on a root port)."""

CLASS_CHECK_ORDER = ("index", "busNr", "chassisNr", "chassis", "port", "hotplug")
"""The order 9.0.0 checks fields against the class (observed: a pci-bridge with chassis, port
and busNr is refused for 'busNr')."""

OPTION_NAME = {"index": "targetIndex"}
"""The option name 9.0.0's messages use for a field, when it differs from the attribute."""

NUMERIC = ("chassisNr", "chassis", "port", "busNr")


def strtol(text: str | None) -> int | None:
    """``text`` as libvirt reads a ``<target>`` number (``virStrToLong_i(s, NULL, 0, ...)`` at every
    tag read; observed on 9.0.0: ``chassis='010'`` is 8, ``' 0x10'`` is 16, ``'+7'`` is 7): C's
    ``strtol`` in base 0 with nothing after the number (``0x`` hex, a leading ``0`` octal, else
    decimal; leading C white space and one sign accepted), an ``int``; None when it is not one."""
    if text is None:
        return None
    body = text.lstrip(" \t\n\v\f\r")
    sign = -1 if body.startswith("-") else 1
    if body[:1] in ("+", "-"):
        body = body[1:]
    if len(body) > 72:  # far beyond an int in any base: refused without converting 10,000 digits
        return None
    if body[:2] in ("0x", "0X") and len(body) > 2 and all(c in "0123456789abcdefABCDEF" for c in body[2:]):
        number = int(body[2:], 16)
    elif body[:1] == "0":  # octal: '08' stops at the 8, and libvirt wants the whole string read
        if not all(c in "01234567" for c in body):
            return None
        number = int(body, 8)
    elif body and all(c in "0123456789" for c in body):
        number = int(body, 10)
    else:
        return None
    number *= sign
    return number if -2**31 <= number < 2**31 else None


def value_range(field: str, release: Key) -> tuple[int, int]:
    """The values ``release`` accepts for a numeric field: ``chassisNr`` 0-255 until 1.3.5 and
    1-255 from 2.5.0 (src/conf/domain_conf.c at v1.2.19, v1.3.4, v1.3.5: "must be 0-255"; at v2.5.0,
    v3.2.0, v4.0.0 and on 9.0.0: "must be 1-255"), the others as :data:`RANGES` at every release."""
    if field == "chassisNr" and release < (2, 5, 0):
        return 0, 255
    return RANGES[field]


def parse_values(values: dict[str, str], release: Key) -> str | None:
    """The message with which ``release`` refuses to *parse* these raw ``<target>`` attributes (at
    define, when loading a saved config, on an incoming migration), or None.

    Up to 4.3.0 the number syntax and the ranges are checked while parsing ("XML error: Invalid
    chassis 'x' in PCI controller", "XML error: PCI controller chassis '256' out of range - must
    be 0-255", with the value as written). On 9.0.0 only the syntax is (``virXMLPropInt``, base 0,
    non-negative; "Expected integer value", "Expected non-negative value"); the ranges are
    validation (:func:`check_values`)."""
    if release < FIELDS_SINCE["chassisNr"]:
        return None
    new = release >= NINE
    for field in ("chassisNr", "chassis", "port", "busNr", "index", "hotplug"):
        raw = values.get(field)
        if raw is None or release < FIELDS_SINCE[field]:
            continue
        if new:
            invalid = f"XML error: Invalid value for attribute '{field}' in element 'target': '{raw}'."
            if field == "hotplug":
                if raw not in ("on", "off"):
                    return invalid
                continue
            number = strtol(raw)
            if number is None:
                return invalid + " Expected integer value"
            if number < 0 and field != "index":
                return invalid + " Expected non-negative value"
            continue
        if field == "hotplug":
            continue
        number = strtol(raw)
        if field == "index":
            if number is None or number == -1:
                return f"XML error: Invalid target index '{raw}' in PCI controller"
            continue
        if number is None:
            return f"XML error: Invalid {field} '{raw}' in PCI controller"
        low, high = value_range(field, release)
        if not low <= number <= high:
            return f"XML error: PCI controller {field} '{raw}' out of range - must be {low}-{high}"
    return None


def check_numa(cls: str, index: int, node: str | None, cells: int, release: Key) -> str | None:
    """The refusal of ``<target><node>`` naming a NUMA cell the guest does not have (from 1.3.4:
    ``qemuDomainDeviceDefPostParse``, src/qemu/qemu_domain.c at v1.3.4 .. v4.0.0; observed on 9.0.0,
    where it comes before the range checks), or None. It runs at every parse."""
    if node is None or release < FIELDS_SINCE["node"]:
        return None
    number = strtol(node)
    if number is None or number < cells:
        return None
    return (f"XML error: {cls} with index {index} is configured for a NUMA node ({number}) not present in the "
            f"domain's <cpu><numa> array ({cells})")


def check_ranges(values: dict[str, str], release: Key) -> str | None:
    """9.0.0's range validation (at define and on an incoming migration, not when a saved config
    is loaded): "unsupported configuration: PCI controller chassis '256' out of range - must be
    0-255", with the number as read (``'0x100'`` is named '256'). None before 9.0.0 (checked while
    parsing there, :func:`parse_values`)."""
    if release < NINE:
        return None
    for field in NUMERIC:
        number = strtol(values.get(field))
        if number is None:
            continue
        low, high = value_range(field, release)
        if not low <= number <= high:
            return f"unsupported configuration: PCI controller {field} '{number}' out of range - must be {low}-{high}"
    return None


def check_class(cls: str, values: dict[str, str], release: Key, index: int, device: str | None) -> str | None:
    """9.0.0's refusal of a ``<target>`` field the class does not have (observed: "Option 'busNr' is
    not valid for PCI controller with index '1', model 'pcie-root-port' and modelName
    'pcie-root-port'"), at define and on an incoming migration; None before 9.0.0 (kept, unused)."""
    if release < NINE:
        return None
    for field in CLASS_CHECK_ORDER:
        if field in values and cls not in VALID_FOR[field]:
            return (f"unsupported configuration: Option '{OPTION_NAME.get(field, field)}' is not valid for PCI "
                    f"controller with index '{index}', model '{cls}' and modelName '{device or ''}'")
    return None


def check_values(cls: str, values: dict[str, str], release: Key, index: int = 1, device: str | None = None,
                 numa_cells: int = 0, node: str | None = None) -> str | None:
    """Everything ``release`` checks in a ``cls`` controller's raw ``<target>`` attributes
    ``values`` when a user defines it, in the order it checks them: the parse (:func:`parse_values`),
    the NUMA node (:func:`check_numa`), then on 9.0.0 the ranges and the class. The message of
    the first refusal, or None. (The engine runs the same steps split by when each happens.)"""
    return (parse_values(values, release) or check_numa(cls, index, node, numa_cells, release)
            or check_ranges(values, release) or check_class(cls, values, release, index, device))
