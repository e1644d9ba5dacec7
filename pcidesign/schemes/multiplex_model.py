"""``multiplex-model`` (Idea 1): new ``model`` values name class and device at once."""

from __future__ import annotations

from lxml import etree

from pcidesign.model.catalog import Intent
from pcidesign.model.dialect import Controller, Dialect, Rejection
from pcidesign.model.registry import Scheme


class MultiplexModel(Dialect):
    """Old values keep their meaning; ``LABEL-CLASS`` (``generic-dmi-to-pci-bridge``) names the rest."""

    @classmethod
    def pins(cls, elem: etree._Element) -> bool:
        return True  # every spelling means one device forever: the XML always fixes it

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.values: dict[str, tuple[str, str | None]] = {c: (c, self.legacy(c)) for c in self.classes}
        for dev in sorted(self.devices):
            info = self.catalog.devices[dev]
            if info.cls in self.classes and dev != self.legacy(info.cls):
                self.values[self.name(dev)] = (info.cls, dev)

    def name(self, device: str) -> str:
        """The multiplexed ``model`` value of a device that is not its class's original one."""
        info = self.catalog.devices[device]
        return f"{info.label}-{info.cls}"

    def write(self, intent: Intent) -> etree._Element | None:
        if intent.device is None or intent.device == self.legacy(intent.cls):
            return self.class_form(intent)
        value = self.name(intent.device)
        if value not in self.values:
            return None
        return etree.Element("controller", {"type": "pci", "index": "0", "model": value})

    def read(self, elem: etree._Element, index: int, model: str) -> Controller | Rejection:
        if model not in self.values:
            return self.unknown_model(model)
        cls, device = self.values[model]
        return Controller(index, cls, device, "old" if model == cls else "new", self.kept_children(elem))

    def format(self, ctrl: Controller, migratable: bool) -> etree._Element:
        if ctrl.device is None or ctrl.device == self.legacy(ctrl.cls):
            return self.element(ctrl, {"model": ctrl.cls})
        return self.element(ctrl, {"model": self.name(ctrl.device)})


SCHEME = Scheme(
    id="multiplex-model",
    title="Multiplexed model values",
    thread="Idea 1",
    short="Idea 1",
    naming="new model values name class and device (generic-dmi-to-pci-bridge)",
    pros=(
        "An old libvirt rejects a model value it cannot build: no silent change.",
        "Old configs keep their meaning forever; nothing is rewritten.",
    ),
    cons=(
        "The class must be parsed back out of every new model value: class x device names multiply.",
        "Code that switches on the model must learn every combined name.",
    ),
    dialect_class=MultiplexModel,
)
