"""``model-subelement``: what shipped in libvirt 1.2.19, release by release (facts §3-5).

``model`` stays the class; a child ``<model name='DEVICE'/>`` names the device. libvirt fills
the name in from the host's QEMU and saves it: from 1.2.19 when addresses are assigned (at
define), from 1.3.5 on every parse. It never replaces a name that is set, and MIGRATABLE keeps
it (only pSeries' ``spapr-pci-host-bridge`` is ever left out, which x86 never has).
"""

from __future__ import annotations

from lxml import etree

from pcidesign.model.catalog import Intent, version_key
from pcidesign.model.dialect import Controller, Dialect, Purpose, Rejection
from pcidesign.model.registry import Scheme

FILL_ON_EVERY_PARSE = version_key("1.3.5")
"""From 1.3.5 the name is filled in by the post-parse callback, so on every parse."""

NEW_MESSAGES = version_key("9.0.0")
"""Releases with the generic attribute-parsing messages: observed on 9.0.0; the older
message is cited for 1.2.19 to at least 4.0.0, and the release in between is not modelled."""


class ModelSubelement(Dialect):
    """``<controller model='pcie-root-port'><model name='ioh3420'/></controller>``."""

    fills = True

    def fill_on(self, purpose: Purpose) -> bool:
        return purpose == "define" or self.release.key >= FILL_ON_EVERY_PARSE

    def fill_at_start(self) -> bool:
        """1.2.19 to 1.3.4 also fill the name in when the guest starts: ``qemuProcessStart``
        assigns PCI addresses "to cope with the question of upgrades" (``qemuDomainAssignAddresses``,
        ``src/qemu/qemu_process.c`` at v1.2.19 and v1.3.4), which sets a missing ``modelName``
        (``qemuDomainAssignPCIAddresses``, ``src/qemu/qemu_command.c`` at v1.2.19;
        ``qemuDomainPCIControllerSetDefaultModelName``, ``src/qemu/qemu_domain_address.c`` at
        v1.3.4). It changes the definition the guest runs with; an incoming migration's domain has
        no other, so the destination keeps the name (``virDomainObjGetPersistentDef`` in
        ``qemuMigrationFinish``, ``src/qemu/qemu_migration.c`` at v1.2.19). From 1.3.5 every
        parse fills the name, so start has nothing left to fill."""
        return self.fill_policy in (None, "current") and self.release.key < FILL_ON_EVERY_PARSE

    @classmethod
    def pins(cls, elem: etree._Element) -> bool:
        child = elem.find("model")
        return child is not None and child.get("name") is not None

    def write(self, intent: Intent) -> etree._Element | None:
        elem = self.class_form(intent)
        if elem is None or intent.device is None:
            return elem
        if intent.device not in self.devices:
            return None
        etree.SubElement(elem, "model", name=intent.device)
        return elem

    def read(self, elem: etree._Element, index: int, model: str) -> Controller | Rejection:
        if model not in self.classes:
            return self.unknown_model(model)
        if len(elem.findall("model")) > 1:  # observed on 9.0.0 (data/calibration/37-duplicate-model.xml)
            return Rejection("XML error: Multiple <model> elements in controller definition not allowed")
        child = elem.find("model")
        name = child.get("name") if child is not None else None
        if name is None:
            return Controller(index, model, None, "old", self.kept_children(elem))
        if name not in self.devices:
            if self.release.key >= NEW_MESSAGES:
                return Rejection(f"XML error: Invalid value for attribute 'name' in element 'model': '{name}'.")
            return Rejection(f"unsupported configuration: Unknown PCI controller model name '{name}'")
        return Controller(index, model, name, "new", self.kept_children(elem))

    def validate(self, ctrl: Controller, purpose: Purpose) -> Rejection | None:
        # 9.0.0 checks the name against the class when it validates: at define and on an incoming
        # migration, but not when the daemon loads a saved config (observed: such a config is
        # listed after a restart and refused at start; data/calibration/qemu-facts.md). Up to
        # 4.0.0 at least, the check ran only when the command line was built (at start).
        if purpose != "load" and self.release.key >= NEW_MESSAGES:
            return self.mismatch(ctrl)
        return None

    def mismatch(self, ctrl: Controller) -> Rejection | None:
        """The rejection of a ``<model name>`` that does not fit the class, or None."""
        if ctrl.device is None or ctrl.device not in self.catalog.devices or self.catalog.devices[ctrl.device].cls == ctrl.cls:
            return None
        if self.release.key >= NEW_MESSAGES:
            return Rejection(
                f"unsupported configuration: Option 'modelName' has invalid value for PCI controller "
                f"with index '{ctrl.index}', model '{ctrl.cls}' and modelName '{ctrl.device}'"
            )
        return Rejection(f"unsupported configuration: PCI controller model name '{ctrl.device}' "
                         f"is not valid for a {ctrl.cls}")

    def start(self, ctrl: Controller) -> Controller | Rejection:
        return self.mismatch(ctrl) or super().start(ctrl)

    def format(self, ctrl: Controller, migratable: bool) -> etree._Element:
        children = (etree.Element("model", name=ctrl.device),) if ctrl.device else ()
        return self.element(ctrl, {"model": ctrl.cls}, children)


SCHEME = Scheme(
    id="model-subelement",
    title="model = class, <model name> subelement (shipped)",
    thread="what shipped in 1.2.19",
    short="what shipped",
    naming="model = class, child <model name='DEVICE'/> (filled in and saved)",
    pros=(
        "Every release keeps reading every config; the saved name keeps the guest's device when defaults change (3.2.0).",
        "A subelement leaves room for more options of the implementation later.",
    ),
    cons=(
        "A release older than 1.2.19 drops the name silently; after a resave the pin is gone.",
        "Live migration to a release that does not know a filled-in name fails, even for the default device.",
    ),
    dialect_class=ModelSubelement,
)
