"""What every scheme's dialect shares: the parsed controller, rejections, and libvirt before 1.2.19.

A *dialect* is how one scheme reads and writes ``<controller type='pci'>`` at one release, on
one host. A scheme module subclasses :class:`Dialect`, which is abstract: it must state
``write``, ``read``, ``format`` and ``pins`` (and override ``fill_on`` if it fills a missing
device in). Releases before the scheme's adoption use :class:`LegacyDialect`, which behaves as
libvirt did then (facts §4).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Hashable
from dataclasses import dataclass
from typing import ClassVar, Literal

from lxml import etree

from pcidesign.model.catalog import TARGET_SINCE, Catalog, Host, Intent, Key, version_key
from pcidesign.model import guestabi
from pcidesign.model.guestabi import GUEST_VALUES, strtol
from pcidesign.model.setting import DEFAULT as DEFAULT_SETTING
from pcidesign.model.setting import Setting
from pcidesign.model.xmlsafe import parse_fragment

Purpose = Literal["define", "load", "incoming"]
"""Why a release parses XML: a user's define, a daemon loading its saved config, a migration."""


MESSAGES_9 = version_key("9.0.0")
"""From here the messages are those observed on 9.0.0 with the QEMU driver (data/calibration/qemu-facts.md);
the releases between 4.0.0 and 9.0.0 are not modelled."""

HEX_TARGET_FIELDS = frozenset({"port"})
"""``<target>`` fields libvirt formats in hex (the others in decimal), whatever the user wrote."""

INDEX_ASSIGNED_SINCE = version_key("1.3.5")
"""A controller written without ``index`` gets the lowest unused one from 1.3.5 (commit 4d100c7a4)."""

UNASSIGNED = -1
"""The index :func:`parse_index` gives a controller written without one, until the whole domain
is parsed and the release assigns it (from 1.3.5)."""

INT_MAX = 2**31 - 1
"""The largest controller index libvirt accepts (the index is a C ``int``)."""

_UINT_MAX = 2**32 - 1
_ULONG_MAX = 2**64 - 1
"""``unsigned long`` on the 64-bit hosts libvirt runs on: ``strtoul`` reports ERANGE above it."""
_C_SPACE = " \t\n\v\f\r"
"""What C's ``isspace`` is true for, and so what ``strtol``/``strtoul`` skip before a number."""
_ASCII_DIGITS = re.compile(r"[0-9]+")
"""The digits ``strtol`` reads in base 10: ASCII only (``str.isdigit`` and ``int`` take '١' too)."""

KNOWN_CHILDREN: dict[str, tuple[str, ...]] = {
    "target": ("chassisNr", "chassis", "port", "busNr", "index", "hotplug"),
    "address": ("type", "domain", "bus", "slot", "function", "multifunction"),
}
"""The children of a PCI controller libvirt keeps, with the attributes it formats, in its order."""


Values = tuple[tuple[str, int], ...]
"""The guest-visible values QEMU gets for one controller, as (QEMU property, number) pairs."""


@dataclass(frozen=True)
class Controller:
    """A PCI controller as a release holds it in memory after parsing.

    ``device`` is the device the config names (explicitly, or because the scheme gives the old
    form a fixed meaning, or after a fill-in); None means "the release's default at start".
    ``form`` records how the element was spelt, for schemes that write back what they read
    (``bare``: a new-form element that names the class and no device, see :meth:`Dialect.bare`).
    ``kept`` holds the serialized child elements the release keeps (``<target>``, ``<address>``).
    """

    index: int
    cls: str
    device: str | None
    form: Literal["old", "new", "bare"] = "old"
    kept: tuple[bytes, ...] = ()
    values: Values = ()
    """The guest-visible values QEMU gets (set when the guest is started, see :meth:`Dialect.start`)."""


@dataclass(frozen=True)
class Rejection:
    """A libvirt error: the release refuses the XML, or refuses to start the guest."""

    message: str


def _strtol_base10(text: str) -> tuple[bool, int] | None:
    """``text`` as C's ``strtol``/``strtoul`` read it in base 10 when nothing may follow the number
    (libvirt's ``virStrToLong_*(s, NULL, 10, ...)``): (negative, magnitude), or None.

    Accepted: leading C white space (space, tab, newline, vertical tab, form feed, carriage
    return), one optional ``+`` or ``-``, then one or more ASCII digits, and nothing after them.
    Refused: trailing white space, ``_`` separators, a ``0x`` prefix, non-ASCII digits and
    spaces, and an empty string (Python's ``int()`` takes ``1_0``, `` 2 `` and ``'١'``); ``010``
    is ten.
    """
    body = text.lstrip(_C_SPACE)
    negative = body.startswith("-")
    if body[:1] in ("+", "-"):
        body = body[1:]
    if _ASCII_DIGITS.fullmatch(body) is None:
        return None
    digits = body.lstrip("0") or "0"
    if len(digits) > len(str(_ULONG_MAX)):  # strtoul saturates and sets ERANGE: virStrToLong_* fails
        return negative, _ULONG_MAX + 1  # beyond every bound its callers accept (never int() of 10,000 digits)
    return negative, int(digits)


def parse_index(value: str | None, release: Key) -> int | Rejection:
    """A controller's ``index`` attribute as the libvirt release ``release`` (a version key)
    reads it: the index, or libvirt's error (the release refuses the domain).

    Before 9.0.0 (read at v1.2.18, v1.2.19, v1.3.4, v3.2.0 and v4.0.0, src/conf/domain_conf.c
    ``virDomainControllerDefParseXML``; 4.3.0 is taken to be the same)::

        if (virStrToLong_ui(idx, NULL, 10, &idxVal) < 0 || idxVal > INT_MAX)
            virReportError(VIR_ERR_INTERNAL_ERROR, _("Cannot parse controller index %s"), idx);

    ``virStrToLong_ui`` (src/util/virstring.c) is ``strtoul`` with the whole string used, and on
    64-bit hosts it *allows twos-complement wraparound of negative numbers*: ``-N`` with
    N <= UINT_MAX is read as 2**32 - N. So ``-0`` is index 0 and ``-4294967295`` is index 1
    (accepted, as libvirt does), while ``-4`` (4294967292) is above INT_MAX and refused.

    From 9.0.0 (observed with ``virsh -c test:///default define`` on Debian's 9.0.0; the messages
    are those of ``virXMLPropInt`` with ``VIR_XML_PROP_NONNEGATIVE`` in src/util/virxml.c, that
    is ``virStrToLong_i`` then a sign check): an ``int`` in base 10, refused if negative.
    `` +2``, ``&#9;2`` and ``-0`` are accepted; ``1_0``, ``2 ``, ``0x1``, ``'١'``, U+00A0 before
    a digit and ``2147483648`` give "Expected integer value"; ``-4`` gives "Expected
    non-negative value".

    A missing ``index``: up to 1.3.4 the controller keeps the index its zeroed allocation gave it,
    0 (``virDomainControllerDefNew`` at v1.2.18, v1.2.19, v1.3.4); from 1.3.5 it is
    :data:`UNASSIGNED` here and :func:`pcidesign.model.domain.parse` gives it the lowest index no
    other controller uses, in document order (commit 4d100c7a4 "conf: permit auto-assignment of
    controller indexes", ``virDomainControllerFindUnusedIndex``; observed on 9.0.0: two
    controllers without index beside an explicit 3 become 1 and 2).
    """
    new = release >= MESSAGES_9
    if value is None:
        return 0 if release < INDEX_ASSIGNED_SINCE else UNASSIGNED
    read = _strtol_base10(value)
    if new:
        invalid = f"XML error: Invalid value for attribute 'index' in element 'controller': '{value}'. "
        number = None if read is None else (-read[1] if read[0] else read[1])
        if number is None or not -INT_MAX - 1 <= number <= INT_MAX:  # observed on 9.0.0 (35-index-not-a-number)
            return Rejection(invalid + "Expected integer value")
        if number < 0:  # observed on 9.0.0 ('-4')
            return Rejection(invalid + "Expected non-negative value")
        return number
    refused = Rejection(f"internal error: Cannot parse controller index {value}")
    if read is None or read[1] > _UINT_MAX:
        return refused
    negative, magnitude = read
    number = (-magnitude) & _UINT_MAX if negative else magnitude  # virStrToLong_ui's wraparound
    return refused if number > INT_MAX else number


class Dialect(ABC):
    """How one scheme reads and writes PCI controllers at one release on one host.

    The four abstract methods are the scheme's whole contract; everything else (index and
    ``model`` checks, fill-in, start on the host's QEMU, kept children) is shared. A dialect
    reads ``self.release``, ``self.classes`` (the classes this libvirt release knows),
    ``self.devices`` (the device names it knows) and ``self.catalog``. Example, a scheme whose
    ``model`` is the class and whose new attribute ``impl`` names the device::

        class Impl(Dialect):
            def write(self, intent):
                elem = self.class_form(intent)            # None if the class is unknown here
                if elem is not None and intent.device:
                    elem.set("impl", intent.device)
                return elem

            def read(self, elem, index, model):
                if model not in self.classes:
                    return self.unknown_model(model)
                impl = elem.get("impl")
                device = self.device_of(impl, model, "impl") if impl else None
                if isinstance(device, Rejection):
                    return device
                return Controller(index, model, device, "new" if impl else "old", self.kept_children(elem))

            def format(self, ctrl, migratable):
                return self.element(ctrl, {"model": ctrl.cls, **({"impl": ctrl.device} if ctrl.device else {})})

            @classmethod
            def pins(cls, elem):
                return elem.get("impl") is not None
    """

    kind: ClassVar[str] = "pci-controller"
    """The device kind whose elements this dialect reads and writes (:mod:`pcidesign.model.kinds`):
    the document functions of that kind parse, format and start a whole domain with it."""
    fill_policy: str | None = None
    """``current``, ``define-only``, ``never``, or None for the scheme's own rule (``fill_on``)."""
    migratable_policy: str | None = None
    """``keep``, ``omit-legacy``, or None for the scheme's own rule (``format``)."""
    own_fill: str | None = None
    """The fill policy the scheme's own rule (:meth:`fill_on`) amounts to, if one does (``current``
    for a scheme that fills on every parse): that policy's variant is the scheme itself."""

    def __init__(self, host: Host, catalog: Catalog, setting: Setting = DEFAULT_SETTING) -> None:
        self.host = host
        self.catalog = catalog
        self.setting = setting
        """The axes of the verdict this dialect judges under (the machine written, ...)."""
        self.release = host.release
        self.caps_host: Host | None = None
        """The host whose QEMU capabilities a parse fills devices from when it is not this one's:
        the source of ``migrate --xml`` parses with the running guest's (see
        :func:`pcidesign.model.hops.migrate_app_xml`)."""
        self.classes = catalog.known_classes(host.release)
        self.devices = catalog.known_devices(host.release)
        self.twin: Dialect = self
        """The dialect that stands for this one where the engine remembers the work on one
        controller (:meth:`parse`, :meth:`start`, :meth:`format_controller`): the same scheme at
        the same host under the default setting (set by the registry). The setting is read by
        the document's checks (the machine) and by :meth:`written_intents`, never by that work:
        its results are shared by every setting."""

    # -- the four things a scheme states ------------------------------------------------------
    @abstractmethod
    def write(self, intent: Intent) -> etree._Element | None:
        """The controller element a user writes for ``intent`` here, or None if it cannot be.

        ``intent.device`` None means "the default device": write what a user writes for the
        class alone. The engine sets ``index``; return an element with ``type='pci'``.
        """

    @abstractmethod
    def read(self, elem: etree._Element, index: int, model: str) -> Controller | Rejection:
        """Parse one controller element (``model`` is its ``model`` attribute, present).

        Return the :class:`Controller` this release holds (``device`` None when the XML does
        not fix it: the release's default then applies), or libvirt's :class:`Rejection`.
        """

    @abstractmethod
    def format(self, ctrl: Controller, migratable: bool) -> etree._Element:
        """Format ``ctrl`` for the saved config, or for a migration when ``migratable``."""

    @classmethod
    @abstractmethod
    def pins(cls, elem: etree._Element) -> bool:
        """Whether this saved XML fixes the device whatever release reads it.

        It decides ``info-lost``: a config that pinned its device at define and no longer does
        at the end lost that information. A scheme whose every spelling means one device
        forever returns True; one that fills a device in returns whether the device is written.
        """

    def fill_on(self, purpose: Purpose) -> bool:
        """Whether parsing for ``purpose`` fills a missing device in (and so saves it).

        Not filling is the default: a scheme that fills (libvirt's way) overrides this.
        """
        return False

    def fill_at_start(self) -> bool:
        """Whether starting a guest fills a missing device into the definition it was started
        from (and not only into a copy), so that a domain whose only definition is the one it
        was started with (an incoming migration) keeps the device filled in. Not by default."""
        return False

    tracks_machine: bool = False
    """Whether the scheme's device follows the saved machine version: then a define always saves
    the machine a user writes as the host's newest versioned machine (as libvirt does), even under
    the ``assumed`` machine axis, where every host still runs every machine (only the naming is
    judged: a machine a host lacks is refused only under the other values of the axis)."""

    bare_form: bool = False
    """Whether a variant of the scheme may spell a controller by its class alone in a form that
    leaves the device to a fill policy (Idea 3's ``subType='CLASS'`` without ``model``): such a
    scheme takes the ``fill`` policy even though its own rule fills nothing."""

    def bare(self, elem: etree._Element) -> bool:
        """Whether ``elem``, which has no ``model`` attribute, is this dialect's bare form (read by
        :meth:`read` with ``model`` empty) rather than libvirt's "has no model" error. Never by
        default; see :attr:`bare_form`."""
        return False

    # -- shared machinery --------------------------------------------------------------------
    def document_context(self, root: etree._Element) -> Hashable:
        """What :meth:`parse` reads of the domain document ``root`` beyond the ``<controller>``
        element itself. The engine remembers each element's parse per (dialect, purpose, element,
        this value), so a dialect whose :meth:`read` looks elsewhere in the document (the machine
        type, say) adds what it reads here. The shared machinery reads the number of NUMA cells
        (:meth:`check_target`). It reads the document alone (not this dialect's release or
        setting): the engine remembers it per dialect class and document."""
        return len(root.findall("cpu/numa/cell"))

    def parse(self, elem: etree._Element, purpose: Purpose) -> Controller | Rejection:
        """Parse a ``<controller type='pci'>`` element as this release would for ``purpose``."""
        new = self.release.key >= MESSAGES_9
        index = parse_index(elem.get("index"), self.release.key)
        if isinstance(index, Rejection):
            return index
        model = elem.get("model")
        if model is None and not self.bare(elem):
            if new:  # observed on 9.0.0 (data/calibration/36-no-model.xml)
                return Rejection("internal error: PCI controller model was not set correctly")
            return Rejection(f"unsupported configuration: PCI controller with index '{index}' has no model")
        if self.release.key >= TARGET_SINCE and len(elem.findall("target")) > 1:
            # observed on 9.0.0 (data/calibration/38-duplicate-target.xml); refused since 1.2.19
            return Rejection("XML error: Multiple <target> elements in controller definition not allowed")
        ctrl = self.read(elem, index, model or "")
        if isinstance(ctrl, Controller):
            refused = self.check_target(elem, ctrl, purpose)
            if refused is not None:
                return refused
        if isinstance(ctrl, Controller) and ctrl.device is None:
            ctrl = self.missing_device(ctrl, purpose)
        return ctrl

    def check_target(self, elem: etree._Element, ctrl: Controller, purpose: Purpose) -> Rejection | None:
        """The ``<target>`` checks of this release (:mod:`pcidesign.model.guestabi`), each at the
        moment the release runs it, with the scheme's own validation (:meth:`validate`) in between:
        the parse (syntax; up to 4.3.0 the ranges too) and the NUMA node at every parse; on 9.0.0
        the ranges, then :meth:`validate`, then the field's class, at define and on an incoming
        migration only (observed: a range is refused before a field of the wrong class)."""
        key = self.release.key
        target = elem.find("target")
        values = {k: v for k, v in target.attrib.items()} if target is not None else {}
        node = target.findtext("node") if target is not None else None
        root = elem.getroottree().getroot()
        cells = len(root.findall("cpu/numa/cell"))
        message = guestabi.parse_values(values, key) or guestabi.check_numa(ctrl.cls, ctrl.index, node, cells, key)
        if message is None and purpose != "load":
            message = guestabi.check_ranges(values, key)
        if message is not None:
            return Rejection(message)
        refused = self.validate(ctrl, purpose)
        if refused is not None or purpose == "load":
            return refused
        device = ctrl.device or self.catalog.default_device(ctrl.cls, self.host)
        message = guestabi.check_class(ctrl.cls, values, key, ctrl.index, device)
        return None if message is None else Rejection(message)

    def missing_device(self, ctrl: Controller, purpose: Purpose) -> Controller:
        """``ctrl`` (which names no device) as the fill policy reads it for ``purpose``.

        The scheme's own rule (``fill_on``) unless a variant chose a policy: ``current`` fills
        the host's default on every parse (libvirt from 1.3.5); ``define-only`` fills the host's
        default for a user's define and otherwise reads the class's legacy device, written in
        when saved (the thread's rtl8139 rule); ``never`` writes nothing (the legacy device is
        built at start, see :meth:`fill`).
        """
        policy = self.fill_policy
        if policy is None:
            return self.fill(ctrl) if self.fill_on(purpose) else ctrl
        if policy == "current" or (policy == "define-only" and purpose == "define"):
            return self.fill(ctrl)
        if policy == "define-only":
            legacy = self.legacy(ctrl.cls)
            return ctrl if legacy is None else Controller(ctrl.index, ctrl.cls, legacy, ctrl.form, ctrl.kept)
        return ctrl

    def format_controller(self, ctrl: Controller, migratable: bool) -> etree._Element:
        """:meth:`format`, after the MIGRATABLE policy: ``omit-legacy`` sends a class's legacy
        device as no device at all, so that an older destination reads the old form."""
        if (migratable and self.migratable_policy == "omit-legacy" and ctrl.device is not None
                and ctrl.device == self.legacy(ctrl.cls)):
            ctrl = Controller(ctrl.index, ctrl.cls, None, ctrl.form, ctrl.kept)
        elif self.fill_policy == "never" and ctrl.form in ("old", "bare") and ctrl.device is not None:
            ctrl = Controller(ctrl.index, ctrl.cls, None, ctrl.form, ctrl.kept)  # built, never written
        return self.format(ctrl, migratable)

    def validate(self, ctrl: Controller, purpose: Purpose) -> Rejection | None:
        """The checks a release runs after parsing, for ``purpose`` (none by default). libvirt
        9.0.0 validates at define and on an incoming migration, not when loading a saved config."""
        return None

    def fill(self, ctrl: Controller) -> Controller:
        """``ctrl`` with a missing device replaced by this host's default for its class."""
        if ctrl.device is not None:
            return ctrl
        if self.fill_policy == "never":
            device = self.legacy(ctrl.cls)  # a missing device always means the legacy one
        else:
            device = self.catalog.default_device(ctrl.cls, self.caps_host or self.host)
        return ctrl if device is None else Controller(ctrl.index, ctrl.cls, device, ctrl.form, ctrl.kept)

    def start(self, ctrl: Controller) -> Controller | Rejection:
        """The controller as the guest runs it: filled in, and checked against the host's QEMU.
        It reads the controller and this dialect alone: the engine starts each distinct
        controller once per dialect."""
        if self.catalog.legacy_device(ctrl.cls) is None:
            return ctrl  # a root bus: built into the machine, no device to create
        live = self.fill(ctrl)
        if live.device is None:
            return Rejection(
                f"unsupported configuration: no QEMU device for a {ctrl.cls} controller "
                f"(index '{ctrl.index}') is available in this QEMU binary ({self.host.qemu})"
            )
        if live.device not in self.host.devices:
            if self.release.key >= MESSAGES_9:  # observed on 9.0.0 (data/calibration/45-qemu-lacks-ioh3420.xml)
                return Rejection(f"unsupported configuration: The '{live.device}' device is not supported "
                                 "by this QEMU binary")
            return Rejection(
                f"unsupported configuration: the {live.device} device of a {ctrl.cls} controller "
                f"(index '{ctrl.index}') is not supported by this QEMU binary ({self.host.qemu})"
            )
        return Controller(live.index, live.cls, live.device, live.form, live.kept, self.guest_values(live))

    def guest_values(self, ctrl: Controller) -> Values:
        """The guest-visible values QEMU gets for ``ctrl`` (:data:`GUEST_VALUES`): the ``<target>``
        value this release kept, else the default libvirt derives from the index and address."""
        rules = GUEST_VALUES.get(ctrl.cls, ())
        if not rules:
            return ()
        target, address = kept_attributes(ctrl.kept, "target"), kept_attributes(ctrl.kept, "address")
        slot, function = _number(address.get("slot"), ctrl.index), _number(address.get("function"), 0)
        derived = {"index": ctrl.index, "slot<<3|function": (slot << 3) + function, "slot": _number(address.get("slot"), 0)}
        out = []
        for rule in rules:
            if rule.since is not None and self.release.key < rule.since:
                continue  # an older release does not pass the field: QEMU keeps its default
            raw = target.get(rule.field)
            value = rule.number(raw) if rule.words else _number(raw, None)
            if value is None:
                value = derived[rule.default] if rule.default in derived else int(rule.default)
            if not rule.listed_at_default and value == int(rule.default):
                continue
            out.append((rule.prop, value))
        return tuple(out)

    def kept_children(self, elem: etree._Element) -> tuple[bytes, ...]:
        """Serialized children this release keeps, rebuilt from the fields it knows.

        Unknown children are dropped (facts §4), and so are unknown attributes and children
        inside the kept ones: libvirt formats ``<target>`` and ``<address>`` from what it parsed
        (calibrated against 9.0.0, ``data/calibration/``).
        """
        known = dict(KNOWN_CHILDREN) if self.release.key >= TARGET_SINCE else {"address": KNOWN_CHILDREN["address"]}
        kept = []
        for child in elem:
            if not isinstance(child.tag, str) or child.tag not in known:
                continue
            attrs = known[child.tag]
            values = {a: child.get(a) for a in attrs if child.get(a) is not None}
            if child.tag == "target":
                values = {a: _target_text(a, v) for a, v in values.items()}
            clean = etree.Element(child.tag, values)
            if child.tag == "target" and child.find("node") is not None:
                etree.SubElement(clean, "node").text = child.findtext("node")
            kept.append(etree.tostring(clean))
        return tuple(kept)

    def element(self, ctrl: Controller, attrs: dict[str, str], children: tuple[etree._Element, ...] = ()) -> etree._Element:
        """``<controller type='pci' index=...>`` with ``attrs``, ``children``, then the kept ones."""
        elem = etree.Element("controller", {"type": "pci", "index": str(ctrl.index), **attrs})
        for child in children:
            elem.append(child)
        for blob in ctrl.kept:
            elem.append(parse_fragment(blob))
        return elem

    def spells_class(self, cls: str) -> bool:
        """Whether the scheme has a form that names ``cls`` alone, leaving the device to the
        release (True by default; ``model-is-device`` names its newer classes by device only)."""
        return True

    def written_intents(self, intent: Intent) -> tuple[Intent, ...]:
        """What an application writes for ``intent`` under the setting's ``writer`` axis, in the
        order it tries them (the first the scheme can spell wins). An intent that names its device,
        or a class without a device (a root bus), is written as it is. For "the default
        controller": ``class`` writes the class alone, or, where the scheme cannot name the class
        alone, the device the class's documentation named when it appeared (its legacy device);
        ``newest`` names the newest default device this host offers, and writes as ``class`` does
        where the scheme cannot spell that device."""
        legacy = self.legacy(intent.cls)
        if intent.device is not None or legacy is None or intent.auto:
            return (intent,)
        plain = intent if self.spells_class(intent.cls) else _with_device(intent, legacy)
        if self.setting.writer == "newest":
            newest = self.catalog.default_device(intent.cls, self.host)
            if newest is not None:
                return (_with_device(intent, newest), plain)
        return (plain,)

    def class_form(self, intent: Intent) -> etree._Element | None:
        """``<controller model='CLASS'/>`` if this release knows the class, else None."""
        if intent.cls not in self.classes:
            return None
        return etree.Element("controller", {"type": "pci", "index": "0", "model": intent.cls})

    def legacy(self, cls: str) -> str | None:
        """The device ``cls`` has always meant."""
        return self.catalog.legacy_device(cls)

    def unknown_model(self, value: str) -> Rejection:
        """libvirt's message for a ``model`` value it does not know (facts §4)."""
        return Rejection(f"unsupported configuration: Unknown model type '{value}'")

    def device_of(self, value: str, cls: str, what: str) -> str | Rejection:
        """``value`` as a known device of ``cls``, or the rejection naming ``what`` it was."""
        if value not in self.devices:
            return Rejection(f"unsupported configuration: Unknown {what} '{value}'")
        owner = self.catalog.devices[value].cls
        if owner != cls:
            return Rejection(
                f"unsupported configuration: {what} '{value}' is a {owner} device, "
                f"not valid for a {cls} controller"
            )
        return value


def _with_device(intent: Intent, device: str) -> Intent:
    """``intent`` (same id) naming ``device``: what a writer puts in the XML for it."""
    return Intent(intent.id, intent.cls, device, intent.note, intent.target)


def kept_attributes(kept: tuple[bytes, ...], tag: str) -> dict[str, str]:
    """The attributes of the kept child ``tag`` (``target``, ``address``), empty when there is none."""
    for blob in kept:
        if blob.startswith(b"<" + tag.encode()) and blob[len(tag) + 1:len(tag) + 2] in (b" ", b"/", b">"):
            return dict(parse_fragment(blob).attrib)
    return {}


def strtol_base0(text: str) -> int | None:
    """``text`` as C's ``strtol`` reads it with base 0 when nothing may follow (how libvirt reads
    ``<target>`` values: ``0x10`` is 16, ``010`` is 8, observed on 9.0.0): the number, or None
    (not a number, or beyond a C ``long``: strtol reports ERANGE)."""
    body = text.lstrip(_C_SPACE)
    sign = -1 if body.startswith("-") else 1
    if body[:1] in ("+", "-"):
        body = body[1:]
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", body):
        digits, base = body[2:].lstrip("0") or "0", 16
    elif re.fullmatch(r"0[0-7]*|[1-9][0-9]*", body):
        digits, base = (body.lstrip("0") or "0"), (8 if body.startswith("0") else 10)
    else:
        return None
    if len(digits) > 64:  # far beyond a long in any base: never int() of 10,000 digits
        return None
    number = sign * int(digits, base)
    return number if -(2**63) <= number < 2**63 else None


def _number(text: str | None, default: int | None) -> int | None:
    """A number as libvirt reads it (:func:`pcidesign.model.guestabi.strtol`), or ``default`` when absent or not a number."""
    if text is None:
        return default
    number = strtol(text)
    return default if number is None else number


def _target_text(field: str, value: str) -> str:
    """A numeric ``<target>`` value as libvirt formats it: ``port`` in hex, the others in decimal
    (observed on 9.0.0: ``chassis='0x7' port='16'`` is saved as ``chassis='7' port='0x10'``)."""
    if field in ("hotplug",):
        return value
    number = strtol(value)  # libvirt's base 0: '010' is 8 (observed on 9.0.0)
    if number is None:
        return value
    return f"0x{number:x}" if field in HEX_TARGET_FIELDS else str(number)


class LegacyDialect(Dialect):
    """libvirt before the scheme's adoption: ``model`` is the class, the rest is dropped."""

    def write(self, intent: Intent) -> etree._Element | None:
        # A user cannot name a device yet; the class alone gets the device the release builds.
        if intent.device is not None and intent.device != self.catalog.default_device(intent.cls, self.host):
            return None
        return self.class_form(intent)

    def read(self, elem: etree._Element, index: int, model: str) -> Controller | Rejection:
        if model not in self.classes:
            return self.unknown_model(model)
        return Controller(index, model, None, "old", self.kept_children(elem))

    def format(self, ctrl: Controller, migratable: bool) -> etree._Element:
        return self.element(ctrl, {"model": ctrl.cls})

    @classmethod
    def pins(cls, elem: etree._Element) -> bool:
        return False  # before adoption nothing names a device: the release's default applies
