"""``model-is-device``, as Ján Tomko proposed it: "#2 without the subType, AKA #1 without the
controller type in new model names" (facts §8).

The controllers that exist before the scheme (classes libvirt knew before 1.2.19) keep their
class value, and it keeps meaning the class's original device. Every controller after that has
no class value at all: ``model`` is the QEMU device name (``ioh3420``, ``x3130-upstream``,
``xio3130-downstream``, ``pxb``, ...), and a later device of any class is named the same way,
so QEMU's generic root port is ``model='pcie-root-port'``, its own name. A release reads a
device name only if its libvirt knows that name.
"""

from __future__ import annotations

from lxml import etree

from pcidesign.model.catalog import Intent, version_key
from pcidesign.model.dialect import Controller, Dialect, Rejection
from pcidesign.model.registry import Scheme

ADOPTED = version_key("1.2.19")
"""Classes libvirt knew before this keep their class value; the others are spelt by device only."""


class ModelIsDevice(Dialect):
    """``model='ioh3420'`` for the new controllers; ``model='dmi-to-pci-bridge'`` keeps meaning
    ``i82801b11-bridge`` forever."""

    @classmethod
    def pins(cls, elem: etree._Element) -> bool:
        return True  # every spelling means one device forever: the XML always fixes it

    def has_class_value(self, cls: str) -> bool:
        """Whether ``cls`` is spelt by its class (a class older than the scheme)."""
        return self.catalog.classes[cls].libvirt_since < ADOPTED

    def write(self, intent: Intent) -> etree._Element | None:
        if intent.cls not in self.classes:
            return None
        device = intent.device
        if self.has_class_value(intent.cls) and device in (None, self.legacy(intent.cls)):
            return self.class_form(intent)
        if device is None:  # a new class: the user writes the device this release picks for it
            device = self.catalog.default_device(intent.cls, self.host)
        if device is None or device not in self.devices:
            return None
        return etree.Element("controller", {"type": "pci", "index": "0", "model": device})

    def read(self, elem: etree._Element, index: int, model: str) -> Controller | Rejection:
        if model in self.classes and self.has_class_value(model):
            return Controller(index, model, self.legacy(model), "old", self.kept_children(elem))
        if model in self.devices:
            cls = self.catalog.devices[model].cls
            if cls in self.classes:
                return Controller(index, cls, model, "new", self.kept_children(elem))
        return self.unknown_model(model)

    def format(self, ctrl: Controller, migratable: bool) -> etree._Element:
        value = ctrl.device if ctrl.form == "new" and ctrl.device else ctrl.cls
        return self.element(ctrl, {"model": value})


SCHEME = Scheme(
    id="model-is-device",
    title="model names the QEMU device",
    thread="Ján's preference (Idea 2 without subType)",
    short="Ján's proposal",
    naming="old classes keep their value; new controllers are named by QEMU device only (model='ioh3420')",
    pros=(
        "Even an old libvirt recognises that it cannot start the machine: an unknown model is refused, "
        "never built as something else (Ján).",
        "No new attribute; a config written in the old form keeps it.",
    ),
    cons=(
        "The XML no longer says what the controller is for: a device name does not hint at the function (Laine).",
        "Every new default device is a new model value an older libvirt cannot read, even for default-device guests.",
    ),
    dialect_class=ModelIsDevice,
)
