"""The ``<interface>`` kind: a network interface whose QEMU device is named by ``<model type='...'/>``.

What libvirt does with an interface written without ``<model>`` (docs/kinds.md has the sources):

- up to 1.0.4 nothing is written: the QEMU command line builder takes ``rtl8139`` when the model
  is missing (``qemuBuildNicDevStr``, src/qemu/qemu_command.c before commit a68d67266);
- from 1.0.5 (commit a68d67266, "qemu: Record the default NIC model in the domain XML", libvirt
  NEWS 1.0.5) the QEMU driver's device post-parse callback fills the default model in on every
  parse (a define, a config loaded at daemon start, an incoming migration), so it is saved:
  ``qemuDomainDeviceDefPostParse`` calls ``qemuDomainDefaultNetModel``;
- the default: ``rtl8139`` on x86 without asking QEMU up to 1.2.19 (src/qemu/qemu_domain.c at
  v1.2.18 and v1.2.19); from 1.2.20 (commit 75036c69d, "qemu: Try several network devices when
  looking for a default") the first of ``rtl8139``, ``e1000``, ``virtio`` that QEMU offers (at
  v2.5.0, v3.2.0 and v4.0.0); ``virtio`` on s390 and on ARM's ``virt`` machine at every release
  (``data/kinds/interface/default-rules.csv``);
- observed on 9.0.0 with QEMU 7.2: an interface without ``<model>`` is saved with
  ``<model type='rtl8139'/>`` on q35 and on i440fx.

An interface is identified by its MAC address. The engine's hardware lists them by their place in
the document, as ``(position, "interface", model, ())``; the model is what the guest sees.
Everything but the interfaces' ``<mac>`` and ``<model>`` passes through as written (libvirt would
also add PCI addresses and, on q35, controllers for them: the PCI controller kind models those).
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

from lxml import etree

from pcidesign.model.catalog import Intent, version_key
from pcidesign.model.dialect import Controller, Dialect, Purpose, Rejection
from pcidesign.model.domain import DomainDef, interned, machine_message, machine_of, machine_type_of
from pcidesign.model.kinds.rules import KindDefault, load_rules, pick
from pcidesign.model.resources import data_dir
from pcidesign.model.xmlsafe import parse_domain, parse_fragment, to_bytes

KIND = "interface"
CLASS = "interface"
"""The one class of the kind (``data/kinds/interface/classes.csv``)."""

RECORDED_SINCE = version_key("1.0.5")
"""From this release the QEMU driver fills the default model in at parse, and so saves it."""

RULES = Path("kinds") / "interface" / "default-rules.csv"

AFTER_MODEL = ("driver", "backend", "filterref", "tune", "teaming", "link", "mtu", "coalesce", "boot", "rom",
               "alias", "address", "acpi")
"""The children libvirt formats after ``<model>`` (virDomainNetDefFormat): a model goes before the first."""

MAC_PREFIX = "52:54:00:00:00:"
"""Where the model takes a missing MAC address from (libvirt generates a random ``52:54:00`` one)."""


def guest_context(root: etree._Element) -> tuple[str, str]:
    """The guest's architecture and machine as written (``x86_64`` and ``pc`` when absent)."""
    ostype = root.find("os/type")
    arch = (ostype.get("arch") if ostype is not None else None) or "x86_64"
    return arch.strip(), machine_type_of(root)


class NicDialect(Dialect):
    """How one scheme reads and writes ``<interface>`` at one release. A scheme states ``write``,
    ``read``, ``format`` and ``pins`` as for controllers, with ``<interface>`` elements; it fills a
    missing model in by overriding ``fill_on`` (libvirt from 1.0.5), under the fill policies."""

    kind = KIND

    @functools.cached_property
    def rules(self) -> tuple[KindDefault, ...]:
        """The kind's default rules (data/kinds/interface/default-rules.csv)."""
        return load_rules(data_dir() / RULES, self.catalog)

    def default_model(self, arch: str, machine: str) -> str | None:
        """The model this release picks for an interface without one on a guest of ``arch`` and
        ``machine``, on this host (or the host whose capabilities the parse uses)."""
        host = self.caps_host or self.host
        return pick(self.rules, self.release.key, arch, machine, host.devices)

    def written_intents(self, intent: Intent) -> tuple[Intent, ...]:
        return (intent,)  # the writer axis is the PCI controllers' (an interface is written as it is)

    def missing_model(self, ctrl: Controller, purpose: Purpose, arch: str, machine: str) -> Controller:
        """``ctrl`` (written without a model) as this release reads it for ``purpose``: before 1.0.5
        as it is; then under the variant's fill policy, or the scheme's own rule (``fill_on``)."""
        if self.release.key < RECORDED_SINCE:
            return ctrl
        policy = self.fill_policy or ("current" if self.fill_on(purpose) else "never")
        if policy == "current" or (policy == "define-only" and purpose == "define"):
            model = self.default_model(arch, machine)
        elif policy == "define-only":
            model = self.legacy(ctrl.cls)
        else:
            return ctrl
        return ctrl if model is None else Controller(ctrl.index, ctrl.cls, model, ctrl.form, ctrl.kept)

    def parse_nic(self, elem: etree._Element, index: int, purpose: Purpose, arch: str, machine: str
                  ) -> Controller | Rejection:
        """One ``<interface>`` as this release holds it after parsing for ``purpose``."""
        model = elem.find("model")
        value = (model.get("type") or "") if model is not None else ""
        ctrl = self.read(elem, index, value)
        if isinstance(ctrl, Controller) and ctrl.device is None:
            ctrl = self.missing_model(ctrl, purpose, arch, machine)
        return ctrl

    def qemu_device(self, model: str) -> str:
        """The QEMU device this release builds for ``model``: the one of ``devices.csv`` for a model
        this libvirt knows, else the model itself, passed on verbatim (``qemuBuildNicDevStr`` at
        v4.0.0: any model but ``virtio`` is the device name; observed on 9.0.0)."""
        return self.catalog.devices[model].label if model in self.devices else model

    def start_nic(self, ctrl: Controller) -> Controller | Rejection:
        """The interface as the guest runs it: a missing model is the legacy one (the command line
        builder's before 1.0.5; a policy that never fills), checked against the host's QEMU. A model
        this libvirt does not know is accepted at define and passed to QEMU as the device name,
        which QEMU refuses (observed on 9.0.0 with QEMU 7.2; libvirt 4.0.0 checks only the
        characters of a model, ``NET_MODEL_CHARS`` in src/conf/domain_conf.c)."""
        model = ctrl.device or self.legacy(ctrl.cls)
        if model is None:
            return Rejection("unsupported configuration: no model for the interface")
        if model not in self.devices or model not in self.host.devices:
            return Rejection(f"internal error: qemu unexpectedly closed the monitor: qemu-system-x86_64: -device "
                             f"{self.qemu_device(model)}: '{self.qemu_device(model)}' is not a valid device model "
                             f"name (QEMU {self.host.qemu})")
        return Controller(ctrl.index, ctrl.cls, model, ctrl.form, ctrl.kept)

    def nic_element(self, ctrl: Controller, model: str | None) -> etree._Element:
        """``<interface>`` holding ``<model type=model/>`` (none when ``model`` is None)."""
        elem = etree.Element("interface")
        if model is not None:
            etree.SubElement(elem, "model", type=model)
        return elem

    def model_form(self, intent: Intent) -> etree._Element | None:
        """``<interface type='network'>`` with ``<model>`` when the intent names one."""
        if intent.cls not in self.classes:
            return None
        elem = etree.Element("interface", type="network")
        etree.SubElement(elem, "source", network="default")
        if intent.device is not None:
            etree.SubElement(elem, "model", type=intent.device)
        return elem


def interfaces(root: etree._Element) -> list[etree._Element]:
    """The ``<interface>`` elements under ``<devices>``, in document order."""
    return root.findall("devices/interface")


def _mac(elem: etree._Element, position: int) -> str:
    mac = elem.find("mac")
    address = mac.get("address") if mac is not None else None
    return address.strip().lower() if address else f"{MAC_PREFIX}{position + 1:02x}"


def elements(xml: bytes) -> dict[str, etree._Element]:
    """Each interface element, by MAC address (its identity)."""
    return {_mac(e, i): e for i, e in enumerate(interfaces(parse_domain(xml)))}


def parse(dialect: Dialect, xml: bytes, purpose: Purpose, source: str = "<domain>") -> DomainDef | Rejection:
    """Parse a domain's interfaces as ``dialect``'s release would for ``purpose``."""
    assert isinstance(dialect, NicDialect), f"the interface kind needs a NicDialect, not {type(dialect).__name__}"
    root = parse_domain(xml, source)
    arch, machine = guest_context(root)
    nics: list[Controller] = []
    for position, elem in enumerate(interfaces(root)):
        nic = dialect.parse_nic(elem, position, purpose, arch, machine)
        if isinstance(nic, Rejection):
            return nic
        mac = etree.tostring(etree.Element("mac", address=_mac(elem, position)))
        nics.append(Controller(nic.index, nic.cls, nic.device, nic.form, (mac,)))
    mtype = None
    if dialect.setting.checks_machine:
        cat = dialect.catalog
        mtype = cat.canonical_machine(machine, dialect.host) if purpose == "define" else machine
        if purpose != "load" and not cat.runs_machine(dialect.host, mtype):
            return Rejection(machine_message(mtype))
    return interned(DomainDef(xml, machine_of(root), tuple(nics), mtype))


def format(dialect: Dialect, defn: DomainDef, migratable: bool) -> bytes:  # noqa: A001 - libvirt's verb
    """The document as ``dialect``'s release writes it: every interface with its MAC address and
    the ``<model>`` the scheme writes; everything else as it was."""
    root = parse_domain(defn.doc, keep_blank_text=True)
    ostype = root.find("os/type")
    if defn.machine_type is not None and ostype is not None:
        ostype.set("machine", defn.machine_type)
    for elem, nic in zip(interfaces(root), defn.controllers):
        if elem.find("mac") is None:
            elem.insert(0, parse_fragment(nic.kept[0]))
        for old in elem.findall("model"):
            _remove(old)
        if dialect.release.key < RECORDED_SINCE and nic.form == "old":
            nic = Controller(nic.index, nic.cls, None, nic.form, nic.kept)  # built at start, never written
        made = dialect.format_controller(nic, migratable).find("model")
        if made is not None:
            _insert_model(elem, copy.deepcopy(made))
    return to_bytes(root)


def _remove(elem: etree._Element) -> None:
    """Remove ``elem``; the text after it goes to what was before it (the layout stays)."""
    parent = elem.getparent()
    assert parent is not None
    previous = elem.getprevious()
    if previous is not None:
        previous.tail = elem.tail
    else:
        parent.text = elem.tail
    parent.remove(elem)


def _insert_model(nic: etree._Element, model: etree._Element) -> None:
    """Put ``model`` where libvirt formats it: before the first child formatted after it."""
    after = next((c for c in nic if isinstance(c.tag, str) and c.tag in AFTER_MODEL), None)
    if after is not None:
        model.tail = after.getprevious().tail if after.getprevious() is not None else nic.text
        after.addprevious(model)
        return
    last = nic[-1] if len(nic) else None
    if last is not None:
        model.tail = last.tail
        last.tail = (nic.text or None)
    nic.append(model)


def start(dialect: Dialect, defn: DomainDef) -> DomainDef | Rejection:
    """The running guest's interfaces (a missing model built as the release does), or why the
    release refuses to start it."""
    assert isinstance(dialect, NicDialect)
    if defn.machine_type is not None and not dialect.catalog.runs_machine(dialect.host, defn.machine_type):
        return Rejection(machine_message(defn.machine_type))
    live: list[Controller] = []
    for nic in defn.controllers:
        got = dialect.start_nic(nic)
        if isinstance(got, Rejection):
            return got
        live.append(got)
    return interned(DomainDef(defn.doc, defn.machine, tuple(live), defn.machine_type))


def intent_domain(dialect: Dialect, intent: Intent) -> bytes | None:
    """A minimal i440fx domain with one interface as a user writes it for ``intent`` (with a
    fixed MAC address), or None if the scheme cannot write it."""
    elem = dialect.write(intent)
    if elem is None:
        return None
    elem.insert(0, etree.Element("mac", address=f"{MAC_PREFIX}01"))
    root = etree.Element("domain", type="kvm")
    etree.SubElement(root, "name").text = "intent-" + intent.id.replace(":", "-")
    etree.SubElement(root, "memory", unit="KiB").text = "1048576"
    os_ = etree.SubElement(root, "os")
    machine = dialect.setting.written_machine("pc", dialect.catalog.machines)
    etree.SubElement(os_, "type", arch="x86_64", machine=machine).text = "hvm"
    etree.SubElement(root, "devices").append(elem)
    return to_bytes(root)
