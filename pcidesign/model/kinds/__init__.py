"""Device kinds: which elements of a domain a question is about, and everything the engine needs
to read, write and start them. :data:`KINDS` is the table; :func:`get` looks one up.

A *kind* says how to select its elements (``devices/controller[@type='pci']``,
``devices/interface``), what identifies one (an ``index``, a MAC address), where its
model or device is named (an attribute, a child element), which default rules libvirt applies
per release and under which conditions (architecture, machine, the host QEMU's devices in order
of preference), which fields the guest sees, and where its data, schemes and questions live.

The engine reaches a kind only through its :class:`Document` (parse, format, start, elements,
the domain a user writes for an intent), found from the dialect's :attr:`Dialect.kind
<pcidesign.model.dialect.Dialect.kind>`: the hop functions and the analyses stay as they are.
Adding a kind is a row of :data:`KINDS`, a data folder and its schemes (docs/kinds.md)::

    from pcidesign.model import kinds
    kinds.get("interface").catalog().intents      # the interface intents
    kinds.get("bogus")                              # UnknownNameError naming the valid kinds
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from pcidesign.model import domain
from pcidesign.model.catalog import Catalog, Intent, Key, load
from pcidesign.model.dialect import Dialect, Purpose, Rejection
from pcidesign.model.domain import DomainDef
from pcidesign.model.errors import UnknownNameError
from pcidesign.model.kinds import interface as _interface
from pcidesign.model.kinds.rules import KindDefault, load_rules
from pcidesign.model.registry import PCI_KIND
from pcidesign.model.resources import data_dir


@dataclass(frozen=True)
class Document:
    """How the engine reads and writes one kind's elements in a whole domain document."""

    parse: Callable[[Dialect, bytes, Purpose], "DomainDef | Rejection"]
    """The domain as a release holds it after parsing for a purpose (define, load, incoming)."""
    format: Callable[[Dialect, DomainDef, bool], bytes]
    """The document as the release writes it: the saved config, or MIGRATABLE."""
    start: Callable[[Dialect, DomainDef], "DomainDef | Rejection"]
    """The running guest's definition, or why the release refuses to start it."""
    elements: Callable[[bytes], dict[object, etree._Element]]
    """The kind's elements of a document, by identity (to compare two saved configs)."""
    write: Callable[[Dialect, Intent], bytes | None]
    """A minimal domain holding the intent's element as a user writes it, or None."""
    noun: str
    """What one element is called in a verdict's words (``controller``, ``interface``)."""
    identity_words: str
    """How a verdict names an element by its identity (``controller index``, ``interface with MAC``)."""


@dataclass(frozen=True)
class DeviceKind:
    """One kind of device a question can be about (see the module's docstring)."""

    id: str
    title: str
    selector: str
    """The XPath of the kind's elements under ``<domain>``."""
    identity: str
    """What identifies one element across releases."""
    named_by: str
    """Where its model or device is named."""
    guest_visible: tuple[str, ...]
    """The fields the guest sees (a change of one is ``guest-changed``)."""
    data: str
    """Its data folder under ``data/`` (empty: ``data/`` itself, the first kind's)."""
    questions: str
    """Its questions file under ``data/``."""
    defaults: str
    """Its default-rules file under ``data/`` (see :func:`default_rules`)."""
    document: Document = field(repr=False)
    default_scheme: str = ""
    """The scheme a command uses when none is given (empty: a scheme must be named); a kind with
    one also compares its variants side by side in ``matrix`` when no scheme is named."""
    sources: str = ""
    """Where its facts come from, in a line (the docs page has them in full)."""
    note: str = ""
    """What a reader of the kind's matrices should know first (printed above them)."""

    def catalog(self) -> Catalog:
        """The kind's facts: its releases, classes, devices, defaults and intents (the machines and
        QEMU release dates are every kind's)."""
        return load(self.data_dir())

    def data_dir(self) -> Path:
        """The kind's data folder: a whole catalog (its ``machines.csv`` and ``qemu-releases.csv``
        link to the shared ones in ``data/``)."""
        return data_dir() / self.data if self.data else data_dir()

    def scheme_ids(self) -> tuple[str, ...]:
        """The ids of the kind's registered schemes."""
        from pcidesign.model import registry

        return registry.scheme_ids(self.id)

    def compared_variants(self) -> tuple[str, ...]:
        """Every scheme of the kind and each of its fill-policy variants (but the one the scheme's
        own rule amounts to, which is the scheme itself), in registration order."""
        from pcidesign.model import registry

        out: list[str] = []
        for s in registry.all_schemes(self.id):
            out.append(s.id)
            out += [f"{s.id}+fill={p}" for p in s.policies.get("fill", ()) if s.policy_defaults.get("fill") != p]
        return tuple(out)

    def variant_column(self, variant: str) -> str:
        """A short column heading for ``variant`` in a side-by-side table: its fill policy (the
        scheme's own rule's policy for a plain scheme that fills), else the scheme's short name."""
        from pcidesign.model import registry

        s = registry.get(variant)
        policy = s.fill or (s.dialect_class.own_fill if s.fills else None)
        return f"fill={policy}" if policy else (s.short or s.id)

    def questions_path(self) -> Path:
        """The kind's questions file."""
        return data_dir() / self.questions


def _pci_write(d: Dialect, intent: Intent) -> bytes | None:
    machine = d.catalog.classes[intent.cls].machine
    return next((x for x in (domain.intent_domain(d, it, machine) for it in d.written_intents(intent))
                 if x is not None), None)


PCI_DOCUMENT = Document(
    parse=domain.parse, format=domain.format, start=domain.start,
    elements=domain.controller_elements,  # type: ignore[arg-type]
    write=_pci_write, noun="controller", identity_words="controller index",
)
"""The PCI controllers' document: :mod:`pcidesign.model.domain`, as it was before kinds existed."""

INTERFACE_DOCUMENT = Document(
    parse=_interface.parse, format=_interface.format, start=_interface.start,
    elements=_interface.elements,  # type: ignore[arg-type]
    write=_interface.intent_domain, noun="interface", identity_words="interface with MAC",
)
"""The ``<interface>`` elements' document (:mod:`pcidesign.model.kinds.interface`)."""

KINDS: dict[str, DeviceKind] = {k.id: k for k in (
    DeviceKind(
        id=PCI_KIND, title="PCI controllers",
        selector="devices/controller[@type='pci']",
        identity="the index attribute",
        named_by="the model attribute names the class; the device is <model name='...'/> from 1.2.19",
        guest_visible=("device", "chassisNr", "chassis", "port", "busNr"),
        data="", questions="questions.csv", defaults="defaults.csv", document=PCI_DOCUMENT,
        sources="the June 2015 libvir-list thread; libvirt source and NEWS (docs/facts.md)",
    ),
    DeviceKind(
        id="interface", title="network interfaces (NIC models)",
        selector="devices/interface",
        identity="the MAC address (<mac address='...'/>)",
        named_by="the type attribute of the <model/> child",
        guest_visible=("model",),
        data="kinds/interface", questions="kinds/interface/questions.csv",
        defaults="kinds/interface/default-rules.csv", document=INTERFACE_DOCUMENT,
        default_scheme="nic-status-quo",
        note=("An interface saved without a model: libvirt records the default NIC model in the XML from "
              "1.0.5 on, so the interface defined at 1.0.4 is the one saved without <model> (from 1.0.5 on, "
              "fill=never and Idea 1 leave it out too, and read it as rtl8139). V1 is the whatif release "
              "whose x86 default is virtio."),
        sources="qemuDomainDefaultNetModel in src/qemu/qemu_domain.c; libvirt NEWS (docs/kinds.md)",
    ),
)}
"""Every device kind, by id: the PCI controllers first (every command's default)."""

DEFAULT_KIND = PCI_KIND


def get(kind: str | DeviceKind) -> DeviceKind:
    """The kind ``kind`` (a DeviceKind passes through), or UnknownNameError naming the valid kinds."""
    if isinstance(kind, DeviceKind):
        return kind
    found = KINDS.get(kind) if isinstance(kind, str) else None
    if found is None:
        raise UnknownNameError("kind", kind, KINDS)
    return found


def document(kind_id: str) -> Document:
    """The document functions of kind ``kind_id`` (the engine's one way into a kind)."""
    return get(kind_id).document


def default_rules(kind: str | DeviceKind) -> tuple[KindDefault, ...]:
    """The kind's default rules, in file order. The first kind's ``defaults.csv`` has no
    conditions (each row: from a release, a class's new controllers get a device when QEMU has
    it); a kind's own ``default-rules.csv`` has columns ``since, arch, machine, prefer, check,
    source``."""
    k = get(kind)
    if k.defaults == "defaults.csv":
        cat = k.catalog()
        return tuple(KindDefault(r.since, _since_text(cat, r.since), "", "", (r.device,), True,
                                 f"class {r.cls}: {r.source}") for r in cat.defaults)
    return load_rules(data_dir() / k.defaults, k.catalog())


def _since_text(cat: Catalog, key: Key) -> str:
    for r in cat.releases:
        if r.key == key:
            return r.id
    return ".".join(map(str, key))


__all__ = ["DEFAULT_KIND", "KINDS", "DeviceKind", "Document", "KindDefault", "default_rules", "document", "get"]
