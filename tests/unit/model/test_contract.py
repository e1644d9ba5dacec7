"""The scheme contract: a Dialect states write, read, format and pins; a Scheme checks it."""

from __future__ import annotations

import pytest
from lxml import etree

import pcidesign
from pcidesign.model.catalog import load
from pcidesign.model.dialect import Controller, Dialect, LegacyDialect
from pcidesign.model.errors import SchemeError, UnknownNameError
from pcidesign.model.registry import Scheme
from pcidesign.schemes.model_subelement import ModelSubelement


class NoPins(Dialect):
    def write(self, intent):  # type: ignore[no-untyped-def]
        return self.class_form(intent)

    def read(self, elem, index, model):  # type: ignore[no-untyped-def]
        return Controller(index, model, None, "old", self.kept_children(elem))

    def format(self, ctrl, migratable):  # type: ignore[no-untyped-def]
        return self.element(ctrl, {"model": ctrl.cls})


def scheme(**kw: object) -> Scheme:
    fields: dict[str, object] = dict(id="probe", title="t", thread="th", naming="n", pros=("p",), cons=("c",),
                                     dialect_class=ModelSubelement)
    fields.update(kw)
    return Scheme(**fields)  # type: ignore[arg-type]


def test_a_dialect_must_state_pins() -> None:
    with pytest.raises(SchemeError, match="NoPins must define pins"):
        scheme(dialect_class=NoPins)
    with pytest.raises(TypeError):
        NoPins(None, None)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad, match", [
    (dict(dialect_class=object), "must be a Dialect subclass"),
    (dict(id=""), "scheme id ''"),
    (dict(id="a+b"), "'\\+'"),
    (dict(pros="one sentence"), "pros must be a tuple of sentences"),
])
def test_bad_schemes_are_refused_with_the_reason(bad: dict[str, object], match: str) -> None:
    with pytest.raises(SchemeError, match=match):
        scheme(**bad)


def test_fills_is_derived_from_fill_on() -> None:
    fills = {s.id: s.fills for s in pcidesign.all_schemes()}
    assert fills["model-subelement"] and fills["impl-attribute"]
    assert not fills["status-quo"] and not fills["implied-subtype"]


def test_adopted_takes_any_release_id() -> None:
    cat = load()
    late = scheme(adopted="H1")
    before = late.dialect(cat.host(cat.release("9.0.0")), cat)
    after = late.dialect(cat.host(cat.release("H1")), cat)
    assert type(before) is LegacyDialect and type(after) is ModelSubelement
    with pytest.raises(UnknownNameError, match="unknown release 'H9'.*adopted"):
        scheme(adopted="H9").dialect(cat.host(cat.release("9.0.0")), cat)


def test_pins_decides_info_lost() -> None:
    """A config that named its device and no longer does lost information; one that never did, did not."""
    named = etree.fromstring("<controller type='pci' index='1' model='pcie-root-port'><model name='ioh3420'/></controller>")
    bare = etree.fromstring("<controller type='pci' index='1' model='pcie-root-port'/>")
    assert ModelSubelement.pins(named) and not ModelSubelement.pins(bare)
    assert not LegacyDialect.pins(named)
