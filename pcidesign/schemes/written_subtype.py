"""``written-subtype`` (Idea 3): ``subType`` = class, ``model`` = device, always written so."""

from __future__ import annotations

from lxml import etree

from pcidesign.model.catalog import Intent
from pcidesign.model.dialect import Controller, Dialect, Rejection
from pcidesign.model.registry import Scheme


class SubtypeDialect(Dialect):
    """Reads both forms: ``model='CLASS'`` (old) and ``subType='CLASS' model='DEVICE'`` (new).

    Formats in the new form; the subtype variants override :meth:`format` only.

    A variant with a fill policy (``+fill=...``) also has the thread's *bare* form,
    ``subType='CLASS'`` without ``model``: "a missing model" (Ján) that a user writes for the
    default device. The policy decides what it is read as: ``define-only`` gives it the host's
    default at a user's define and the legacy device anywhere else, and writes the device out
    (Laine: "encode it into the XML whenever this domain is re-saved to disk"); ``current`` gives
    it the host's default on every parse; ``never`` reads it as the legacy device and writes it
    back bare. The old form ``model='CLASS'`` keeps meaning the legacy device in every variant,
    and a plain scheme id has no bare form (it refuses a controller without ``model``).
    """

    bare_form = True

    @classmethod
    def pins(cls, elem: etree._Element) -> bool:
        # every spelling means one device forever, except a variant's bare subType='CLASS'
        return elem.get("subType") is None or elem.get("model") is not None

    def bare(self, elem: etree._Element) -> bool:
        return self.fill_policy is not None and elem.get("subType") is not None

    def write(self, intent: Intent) -> etree._Element | None:
        if intent.device is None:
            if self.fill_policy is not None and intent.cls in self.classes and self.legacy(intent.cls) is not None:
                return etree.Element("controller", {"type": "pci", "index": "0", "subType": intent.cls})
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
        if elem.get("model") is None:  # the bare form (only a variant with a fill policy reads it, see bare())
            return Controller(index, subtype, None, "bare", self.kept_children(elem))
        device = self.device_of(model, subtype, "model type")
        if isinstance(device, Rejection):
            return device
        return Controller(index, subtype, device, "new", self.kept_children(elem))

    def old_form(self, ctrl: Controller) -> etree._Element:
        """``model='CLASS'``: only right when the device is the class's original one."""
        return self.element(ctrl, {"model": ctrl.cls})

    def new_form(self, ctrl: Controller) -> etree._Element:
        """``subType='CLASS' model='DEVICE'`` (the old form for root buses, which have no device;
        the bare ``subType='CLASS'`` for a bare controller whose device was never filled in)."""
        if ctrl.device is None:
            if ctrl.form == "bare" and self.legacy(ctrl.cls) is not None:
                return self.element(ctrl, {"subType": ctrl.cls})
            return self.old_form(ctrl)
        return self.element(ctrl, {"subType": ctrl.cls, "model": ctrl.device})

    def format(self, ctrl: Controller, migratable: bool) -> etree._Element:
        return self.new_form(ctrl)


FILL_PRO = (
    "With a fill policy (+fill=define-only) a bare subType='CLASS' gets the host's default at define and is "
    "written out; read anywhere else it is the legacy device, as the thread says: Ján, \"we need to treat a "
    "missing model as 'i82801b11-bridge'\"; Laine, treat it so \"and also encode it into the XML whenever this "
    "domain is re-saved to disk\" (libvir-list, June 2015). New guests get the new default."
)
"""The thread's rule for a missing device, shared by the three subtype schemes' pros."""

FILL_CON = (
    "With a fill policy, a config whose new default a newer release wrote out is lost by an older libvirt "
    "that does not know the device (domain-lost, 'Unknown model type'): a clean failure, never a changed guest."
)
"""What the fill rule costs the three subtype schemes after a downgrade."""


SCHEME = Scheme(
    id="written-subtype",
    title="subType + model, written in the new form",
    thread="Idea 3",
    short="Idea 3",
    naming="as Idea 2, always written in the new form",
    pros=(
        "One canonical form in every saved config: no compatibility flag to carry.",
        "An old libvirt rejects a device it cannot build instead of changing it.",
        FILL_PRO,
    ),
    cons=(
        "After one save by a new libvirt, a downgraded libvirt can no longer load the config.",
        "Live migration to an older libvirt fails for a controller written in the new form, even with its default "
        "device (a DMI bridge from 1.2.19 to 1.2.18 is rejected; a pci-bridge, whose form does not change, migrates).",
        FILL_CON,
    ),
    dialect_class=SubtypeDialect,
)
