"""``impl-attribute`` (Idea 4): ``model`` = class, a new attribute ``device`` filled in and saved."""

from __future__ import annotations

from lxml import etree

from pcidesign.model.catalog import Intent
from pcidesign.model.dialect import Controller, Dialect, Purpose, Rejection
from pcidesign.model.registry import Scheme


class ImplAttribute(Dialect):
    """``<controller model='dmi-to-pci-bridge' device='i82801b11-bridge'/>``."""


    own_fill = "current"  # it fills on every parse: +fill=current is the scheme itself

    def fill_on(self, purpose: Purpose) -> bool:
        return True

    @classmethod
    def pins(cls, elem: etree._Element) -> bool:
        return elem.get("device") is not None

    def write(self, intent: Intent) -> etree._Element | None:
        elem = self.class_form(intent)
        if elem is None or intent.device is None:
            return elem
        if intent.device not in self.devices:
            return None
        elem.set("device", intent.device)
        return elem

    def read(self, elem: etree._Element, index: int, model: str) -> Controller | Rejection:
        if model not in self.classes:
            return self.unknown_model(model)
        value = elem.get("device")
        if value is None:
            return Controller(index, model, None, "old", self.kept_children(elem))
        device = self.device_of(value, model, "PCI controller device")
        if isinstance(device, Rejection):
            return device
        return Controller(index, model, device, "new", self.kept_children(elem))

    def format(self, ctrl: Controller, migratable: bool) -> etree._Element:
        attrs = {"model": ctrl.cls}
        if ctrl.device is not None:
            attrs["device"] = ctrl.device
        return self.element(ctrl, attrs)


SCHEME = Scheme(
    id="impl-attribute",
    title="model = class, new device attribute",
    thread="Idea 4",
    short="Idea 4",
    naming="model = class, new attribute device (filled in and saved)",
    pros=(
        "Every release keeps reading every config: the class never changes.",
        "Filling the device in and saving it keeps a guest's hardware when defaults change.",
    ),
    cons=(
        "An older libvirt ignores the attribute and silently builds its own default device.",
        "A downgrade drops the saved choice; the next default change then alters the guest.",
    ),
    dialect_class=ImplAttribute,
)
