"""``status-quo``: before the thread. Each class has one device forever; it cannot be named."""

from __future__ import annotations

from lxml import etree

from pcidesign.model.catalog import Intent
from pcidesign.model.dialect import Controller, Dialect, Rejection
from pcidesign.model.registry import Scheme


class StatusQuo(Dialect):
    """``model`` is the class, and the class always means its original device."""

    @classmethod
    def pins(cls, elem: etree._Element) -> bool:
        return True  # every spelling means one device forever: the XML always fixes it

    def write(self, intent: Intent) -> etree._Element | None:
        if intent.device is not None and intent.device != self.legacy(intent.cls):
            return None
        return self.class_form(intent)

    def read(self, elem: etree._Element, index: int, model: str) -> Controller | Rejection:
        if model not in self.classes:
            return self.unknown_model(model)
        return Controller(index, model, self.legacy(model), "old", self.kept_children(elem))

    def format(self, ctrl: Controller, migratable: bool) -> etree._Element:
        return self.element(ctrl, {"model": ctrl.cls})


SCHEME = Scheme(
    id="status-quo",
    title="Status quo",
    thread="before the thread",
    short="status quo",
    naming="it cannot be: each class has one device forever",
    pros=(
        "Nothing changes: every release reads every config it can build.",
        "No new XML, no compatibility rules to get wrong.",
    ),
    cons=(
        "A generic root port or DMI bridge can never be chosen, whatever QEMU offers.",
        "A better device would need a new class name for the same kind of controller.",
    ),
    dialect_class=StatusQuo,
)
