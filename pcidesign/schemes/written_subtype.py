"""``written-subtype`` (Idea 3): ``subType`` = class, ``model`` = device, always written so."""

from __future__ import annotations

from lxml import etree

from pcidesign.model.catalog import Intent
from pcidesign.model.dialect import Controller, Dialect, Rejection
from pcidesign.model.registry import Scheme


class SubtypeDialect(Dialect):
    """Reads both forms: ``model='CLASS'`` (old) and ``subType='CLASS' model='DEVICE'`` (new).

    Formats in the new form; the subtype variants override :meth:`format` only.
    """

    @classmethod
    def pins(cls, elem: etree._Element) -> bool:
        return True  # every spelling means one device forever: the XML always fixes it

    def write(self, intent: Intent) -> etree._Element | None:
        if intent.device is None:
            return self.class_form(intent)
        if intent.cls not in self.classes or intent.device not in self.devices:
            return None
        return etree.Element("controller", {"type": "pci", "index": "0", "subType": intent.cls, "model": intent.device})

    def read(self, elem: etree._Element, index: int, model: str) -> Controller | Rejection:
        subtype = elem.get("subType")
        if subtype is None:
            if model not in self.classes:
                return self.unknown_model(model)
            return Controller(index, model, self.legacy(model), "old", self.kept_children(elem))
        if subtype not in self.classes:
            return Rejection(f"unsupported configuration: Unknown controller subType '{subtype}'")
        device = self.device_of(model, subtype, "model type")
        if isinstance(device, Rejection):
            return device
        return Controller(index, subtype, device, "new", self.kept_children(elem))

    def old_form(self, ctrl: Controller) -> etree._Element:
        """``model='CLASS'``: only right when the device is the class's original one."""
        return self.element(ctrl, {"model": ctrl.cls})

    def new_form(self, ctrl: Controller) -> etree._Element:
        """``subType='CLASS' model='DEVICE'`` (the old form for root buses, which have no device)."""
        if ctrl.device is None:
            return self.old_form(ctrl)
        return self.element(ctrl, {"subType": ctrl.cls, "model": ctrl.device})

    def format(self, ctrl: Controller, migratable: bool) -> etree._Element:
        return self.new_form(ctrl)


SCHEME = Scheme(
    id="written-subtype",
    title="subType + model, written in the new form",
    thread="Idea 3",
    short="Idea 3",
    naming="as Idea 2, always written in the new form",
    pros=(
        "One canonical form in every saved config: no compatibility flag to carry.",
        "An old libvirt rejects a device it cannot build instead of changing it.",
    ),
    cons=(
        "After one save by a new libvirt, a downgraded libvirt can no longer load the config.",
        "Live migration to an older libvirt fails for a controller written in the new form, even with its default "
        "device (a DMI bridge from 1.2.19 to 1.2.18 is rejected; a pci-bridge, whose form does not change, migrates).",
    ),
    dialect_class=SubtypeDialect,
)
