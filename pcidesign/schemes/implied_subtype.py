"""``implied-subtype`` (Idea 2): as Idea 3, but a config read in the old form is written back so."""

from __future__ import annotations

from lxml import etree

from pcidesign.model.dialect import Controller
from pcidesign.model.registry import Scheme
from pcidesign.schemes.written_subtype import FILL_CON, FILL_PRO, SubtypeDialect


class ImpliedSubtype(SubtypeDialect):
    """The ``oldStyleCompat`` flag: the form a controller was read in is the form it is written in."""

    def format(self, ctrl: Controller, migratable: bool) -> etree._Element:
        return self.old_form(ctrl) if ctrl.form == "old" else self.new_form(ctrl)


SCHEME = Scheme(
    id="implied-subtype",
    title="subType + model, old form kept on write",
    thread="Idea 2",
    short="Idea 2",
    naming="subType = class, model = device; old form kept on write",
    pros=(
        "Configs in the old form stay in the old form: downgrades and old hosts keep working.",
        "An old libvirt rejects a new-form device it cannot build.",
        FILL_PRO,
    ),
    cons=(
        "An oldStyleCompat flag must be carried on every controller, forever.",
        "Two spellings of the same controller in the wild; tools must read both.",
        FILL_CON,
    ),
    dialect_class=ImpliedSubtype,
)
