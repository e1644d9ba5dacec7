"""Each controller element's parse is remembered on what it reads (domain._parsed_element): the
element, and what the dialect reads of the rest of the document (Dialect.document_context). The
same element in documents that differ there is parsed again, and the results are those of a parse
with nothing remembered."""

from __future__ import annotations

import pytest

from pcidesign.model import domain, engine
from pcidesign.model.dialect import Controller, Rejection

EXPANDER = "<controller type='pci' index='1' model='pcie-expander-bus'><target busNr='254'><node>1</node></target></controller>"


def doc(cells: int, machine: str = "q35", controller: str = EXPANDER) -> bytes:
    numa = "".join(f"<cell id='{i}' cpus='{i}' memory='1024'/>" for i in range(cells))
    cpu = f"<cpu><numa>{numa}</numa></cpu>" if cells else ""
    return (f"<domain type='kvm'><name>n</name><memory>2048</memory><vcpu>2</vcpu>{cpu}"
            f"<os><type arch='x86_64' machine='{machine}'>hvm</type></os><devices>"
            f"<controller type='pci' index='0' model='pcie-root'/>{controller}</devices></domain>").encode()


def parsed(scheme: str, release: str, xml: bytes, purpose: str = "load") -> object:
    cat = engine.load()
    d = engine._schemes.get(scheme).dialect(cat.host(cat.release(release)), cat, engine.DEFAULT_SETTING)
    return domain.parse(d, xml, purpose)  # type: ignore[arg-type]


def value(p: object) -> object:
    """A parse's content (definitions are compared by identity)."""
    if isinstance(p, domain.DomainDef):
        return (p.doc, p.machine, p.controllers, p.machine_type)
    return p


def test_the_numa_cells_are_part_of_what_is_remembered() -> None:
    engine.clear_cache()
    with_node = parsed("model-subelement", "4.0.0", doc(2))
    without = parsed("model-subelement", "4.0.0", doc(0))
    assert not isinstance(with_node, Rejection)
    assert isinstance(without, Rejection) and "NUMA node (1)" in without.message


def test_the_machine_type_is_part_of_what_machine_version_remembers() -> None:
    port = "<controller type='pci' index='1' model='pcie-root-port'/>"
    engine.clear_cache()
    old = parsed("machine-version", "4.0.0", doc(0, "pc-q35-2.6", port))
    new = parsed("machine-version", "4.0.0", doc(0, "pc-q35-2.12", port))
    devices = [{c.cls: c.device for c in d.controllers}["pcie-root-port"] for d in (old, new)]  # type: ignore[union-attr]
    assert devices == ["ioh3420", "pcie-root-port"]


@pytest.mark.parametrize("scheme", ["model-subelement", "machine-version", "written-subtype"])
@pytest.mark.parametrize("purpose", ["define", "load", "incoming"])
def test_remembered_parses_are_those_of_a_fresh_parse(monkeypatch: pytest.MonkeyPatch, scheme: str, purpose: str) -> None:
    docs = [doc(0), doc(2), doc(0, "pc-q35-2.6"), doc(2, "pc-q35-2.12")]
    engine.clear_cache()
    remembered = [value(parsed(scheme, r, x, purpose)) for r in ("2.5.0", "4.0.0") for x in docs * 2]
    assert len(domain._ELEMENTS) > 0
    engine.clear_cache()
    monkeypatch.setattr(domain, "_parsed_element", lambda d, elem, blob, p, context: d.parse(elem, p))
    fresh = [value(parsed(scheme, r, x, purpose)) for r in ("2.5.0", "4.0.0") for x in docs * 2]
    assert remembered == fresh
    assert any(isinstance(p, tuple) and any(isinstance(c, Controller) for c in p[2]) for p in fresh)
