"""``model-is-device`` (Ján Tomko's preference): new ``model`` values are QEMU device names."""

from __future__ import annotations

from lxml import etree

from pcidesign.model.catalog import Intent
from pcidesign.model.dialect import Controller, Dialect, Rejection
from pcidesign.model.registry import Scheme


class ModelIsDevice(Dialect):
    """``model='ioh3420'``; a class name keeps meaning the class's original device.

    A device whose QEMU name is also a class name (the generic ``pcie-root-port``) cannot be
    named: the class meaning wins, so that old configs keep theirs.
    """

    @classmethod
    def pins(cls, elem: etree._Element) -> bool:
        return True  # every spelling means one device forever: the XML always fixes it

    def write(self, intent: Intent) -> etree._Element | None:
        if intent.device is None:
            return self.class_form(intent)
        if intent.device in self.catalog.classes:
            return self.class_form(intent) if intent.device == self.legacy(intent.cls) else None
        if intent.device not in self.devices:
            return None
        return etree.Element("controller", {"type": "pci", "index": "0", "model": intent.device})

    def read(self, elem: etree._Element, index: int, model: str) -> Controller | Rejection:
        if model in self.classes:
            return Controller(index, model, self.legacy(model), "old", self.kept_children(elem))
        if model in self.devices and model not in self.catalog.classes:
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
    naming="new model values are QEMU device names (ioh3420)",
    pros=(
        "An old libvirt rejects what it cannot build, at define or migration: never a silent change.",
        "No new attribute; a config written in the old form keeps it.",
    ),
    cons=(
        "The class must be looked up from the device name everywhere the code needs it.",
        "A device named like a class (QEMU's generic pcie-root-port) cannot be named at all.",
    ),
    dialect_class=ModelIsDevice,
)
