"""``machine-version`` (not weighed in the thread): the default device follows the machine type.

QEMU's own way to change a default without changing existing guests is the versioned machine
type: each QEMU release adds ``pc-q35-X.Y``, keeps the older ones, and ties behaviour that a guest
can see to the machine version (compatibility properties), so that a guest started on an old
machine keeps its hardware on a newer QEMU. libvirt saves the machine alias a user writes
(``q35``) as the defining host's newest versioned machine (observed on 9.0.0, facts §9).

This scheme applies that rule to the controller's device. The XML names the class only
(``model='pcie-root-port'``, as before the thread); the device is the newest default that both
the reading libvirt knows (``data/defaults.csv``) and the guest's saved machine version is at
least as new as (the device's first QEMU, ``data/devices.csv``): a ``pcie-root-port`` of a guest
on ``pc-q35-2.9`` or later is the generic port, on an older machine ``ioh3420``. The design
choice: the XML does not also name the device, because the machine already pins it; naming it
too would be the shipped design plus a machine rule.
"""

from __future__ import annotations

from collections.abc import Hashable

from lxml import etree

from pcidesign.model.catalog import Intent, Key
from pcidesign.model.dialect import Controller, Dialect, Rejection
from pcidesign.model.domain import machine_type_of
from pcidesign.model.registry import Scheme


class MachineVersion(Dialect):
    """``model`` is the class; the guest's saved machine version chooses the device."""

    tracks_machine = True

    @classmethod
    def pins(cls, elem: etree._Element) -> bool:
        return True  # the saved machine version fixes the device for every release that knows the rule

    def write(self, intent: Intent) -> etree._Element | None:
        if intent.device is not None and intent.device != self.device_for(intent.cls, self.epoch(None)):
            return None  # another device would need another machine type, which an intent does not name
        return self.class_form(intent)

    def document_context(self, root: etree._Element) -> Hashable:
        # the device follows the document's machine type (see :meth:`epoch`)
        return super().document_context(root), machine_type_of(root) if root.tag == "domain" else None

    def read(self, elem: etree._Element, index: int, model: str) -> Controller | Rejection:
        if model not in self.classes:
            return self.unknown_model(model)
        return Controller(index, model, self.device_for(model, self.epoch(elem)), "old", self.kept_children(elem))

    def format(self, ctrl: Controller, migratable: bool) -> etree._Element:
        return self.element(ctrl, {"model": ctrl.cls})

    # -- the rule -----------------------------------------------------------------------------------
    def epoch(self, elem: etree._Element | None) -> Key:
        """The QEMU release whose machine the guest of ``elem`` runs: its saved versioned machine's
        first QEMU; for an alias (a user's define), or an element outside a domain (a controller
        libvirt adds at define), the machine this host saves it as."""
        root = elem.getroottree().getroot() if elem is not None else None
        written = machine_type_of(root) if root is not None and root.tag == "domain" else "q35"
        info = self.catalog.machines.get(written)
        if info is None:
            info = self.catalog.machines.get(self.catalog.canonical_machine(written, self.host))
        if info is None:  # a host described by its capabilities: the newest machine of all
            return max((m.qemu_since for m in self.catalog.machines.values()), default=(0,))
        return info.qemu_since

    def device_for(self, cls: str, epoch: Key) -> str | None:
        """The newest default device of ``cls`` this release knows whose first QEMU is not newer
        than the machine's (the legacy device when none is)."""
        best = None
        for rule in self.catalog.defaults:
            if rule.cls != cls or rule.since > self.release.key:
                continue
            if self.catalog.devices[rule.device].qemu_since > epoch:
                continue
            if best is None or rule.since > best.since:
                best = rule
        return best.device if best is not None else self.legacy(cls)


SCHEME = Scheme(
    id="machine-version",
    title="model = class, device by machine version",
    thread="not in the thread (QEMU's versioned machines)",
    short="machine version",
    naming="model = class; the saved machine version (pc-q35-X.Y) chooses the device",
    pros=(
        "An existing guest never changes: its saved machine version keeps choosing the same device "
        "(QEMU's own rule for defaults: compatibility properties per machine version).",
        "Every new guest gets the newest default: a define saves the host's newest machine.",
        "An older QEMU refuses a newer machine cleanly (libvirt: 'does not support machine type').",
        "No new XML: the class alone, as before the thread.",
    ),
    cons=(
        "A table of which device each machine version means, kept in libvirt forever.",
        "Guests on old machine types never get the new device, even when nothing depends on the old one.",
        "A libvirt-only downgrade knows the machine but not the rule: the guest silently gets the old device.",
        "A device other than the machine's cannot be chosen without choosing another machine type.",
    ),
    dialect_class=MachineVersion,
)
