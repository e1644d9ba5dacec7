"""``nic-model-values``: the 2015 thread's Idea 1 for NICs. A model value fixes the device forever,
and so does a missing one (it always means rtl8139, never written); a new device or variant is a
new model value an application writes (libvirt 5.2.0 chose this for the virtio variants:
``virtio-transitional`` and ``virtio-non-transitional``, libvirt NEWS 5.2.0)."""

from __future__ import annotations

from lxml import etree

from pcidesign.model.catalog import Intent
from pcidesign.model.dialect import Controller, Rejection
from pcidesign.model.kinds.interface import KIND, NicDialect
from pcidesign.model.registry import Scheme


class NicModelValues(NicDialect):
    """Every spelling means one device forever; a missing model is the legacy one, never filled."""

    @classmethod
    def pins(cls, elem: etree._Element) -> bool:
        return True  # a missing model means rtl8139 whatever release reads it

    def write(self, intent: Intent) -> etree._Element | None:
        if intent.device == self.legacy(intent.cls):
            intent = Intent(intent.id, intent.cls, None, intent.note)  # rtl8139 is spelt by leaving the model out
        return self.model_form(intent)

    def read(self, elem: etree._Element, index: int, model: str) -> Controller | Rejection:
        if model:
            return Controller(index, elem.tag, model, "new")
        return Controller(index, elem.tag, self.legacy(elem.tag), "old")

    def format(self, ctrl: Controller, migratable: bool) -> etree._Element:
        return self.nic_element(ctrl, None if ctrl.form == "old" else ctrl.device)


SCHEME = Scheme(
    id="nic-model-values",
    title="NIC model values fix the device; a missing model is rtl8139 forever",
    thread="Idea 1 (new model values), as libvirt 5.2.0 did for the virtio variants",
    short="Idea 1 for NICs",
    naming="<model type='MODEL'/>; no model means rtl8139 at every release; a new default needs a new value",
    pros=(
        "No release changes a guest's NIC: every spelling has one meaning.",
        "An older libvirt refuses a value it does not know instead of building something else.",
    ),
    cons=(
        "A new default never reaches a guest written without a model: applications must write the new value.",
        "Every new device or variant is another model value to learn.",
    ),
    dialect_class=NicModelValues,
    adopted="1.0.4",
    kind=KIND,
)
