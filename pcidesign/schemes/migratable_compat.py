"""``migratable-compat`` (Ján's variant of Idea 3): new form on disk, old form when migrating."""

from __future__ import annotations

from lxml import etree

from pcidesign.model.dialect import Controller
from pcidesign.model.registry import Scheme
from pcidesign.schemes.written_subtype import FILL_CON, FILL_PRO, SubtypeDialect


class MigratableCompat(SubtypeDialect):
    """The saved config uses the new form; MIGRATABLE XML uses the old one for default devices."""

    def format(self, ctrl: Controller, migratable: bool) -> etree._Element:
        if migratable and ctrl.device == self.legacy(ctrl.cls):
            return self.old_form(ctrl)
        return self.new_form(ctrl)


SCHEME = Scheme(
    id="migratable-compat",
    title="subType + model, old form in MIGRATABLE",
    thread="Ján's variant of Idea 3",
    short="Ján's MIGRATABLE variant",
    naming="new form on disk, old form in MIGRATABLE when the device is the default",
    pros=(
        "Live migration to an older libvirt works for guests with default devices.",
        "One canonical form on disk; no flag to carry.",
        FILL_PRO,
    ),
    cons=(
        "A downgraded daemon still cannot load a config a newer one saved: the domain vanishes.",
        "The migratable form differs from the saved one: two formats to test.",
        FILL_CON,
    ),
    dialect_class=MigratableCompat,
)
