"""``nic-status-quo``: libvirt as it is. ``<model type='MODEL'/>`` names the NIC; a missing model is
filled in with the release's default on every parse from 1.0.5, and so saved (commit a68d67266).
Its fill-policy variants are the alternatives: ``+fill=define-only`` (the default only for an
interface a user defines; a config read later without a model means rtl8139, written in: Laine's
rtl8139 rule as the 2015 thread states it), ``+fill=never`` (never written; always rtl8139)."""

from __future__ import annotations

from lxml import etree

from pcidesign.model.catalog import Intent
from pcidesign.model.dialect import Controller, Purpose, Rejection
from pcidesign.model.kinds.interface import KIND, NicDialect
from pcidesign.model.registry import Scheme


class NicStatusQuo(NicDialect):
    """``<model type>`` names the QEMU device; a missing one is filled on every parse (from 1.0.5)."""

    own_fill = "current"

    @classmethod
    def pins(cls, elem: etree._Element) -> bool:
        return elem.find("model") is not None  # a written model fixes the device; a missing one is each release's

    def fill_on(self, purpose: Purpose) -> bool:
        return True  # qemuDomainDeviceDefPostParse runs on every parse

    def write(self, intent: Intent) -> etree._Element | None:
        return self.model_form(intent)

    def read(self, elem: etree._Element, index: int, model: str) -> Controller | Rejection:
        if model:
            return Controller(index, elem.tag, model, "new")
        return Controller(index, elem.tag, None, "old")

    def format(self, ctrl: Controller, migratable: bool) -> etree._Element:
        return self.nic_element(ctrl, ctrl.device)


SCHEME = Scheme(
    id="nic-status-quo",
    title="libvirt's NIC model: the default filled in on every parse",
    thread="what libvirt does since 1.0.5 (commit a68d67266)",
    short="libvirt's NIC rule",
    naming="<model type='MODEL'/>; a missing model gets the release's default, written into the XML",
    pros=(
        "A guest keeps the model it was defined with: the default is saved, so a later default change "
        "does not reach it.",
        "The XML says which NIC the guest has.",
    ),
    cons=(
        "A config saved without a model (before 1.0.5, or written to disk by hand) takes the default of "
        "whichever release loads it.",
        "A new default reaches only newly defined guests, and only through the fill.",
    ),
    dialect_class=NicStatusQuo,
    adopted="1.0.4",
    kind=KIND,
)
