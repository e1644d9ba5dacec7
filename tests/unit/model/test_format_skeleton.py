"""A document is formatted from its skeleton and each controller's remembered text
(domain.format) where its layout follows from its structure alone; the bytes are those of the
whole tree built and serialized (domain.format_tree), whatever the document holds around and
inside its controllers. Documents with mixed content or namespaces are formatted from the tree."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcidesign.model import domain, engine, kinds
from pcidesign.model.dialect import Rejection

SCHEMES = ["model-subelement", "machine-version", "written-subtype", "impl-attribute", "migratable-compat"]
RELEASES = ["1.2.18", "1.2.19", "3.2.0", "4.0.0"]

CONTROLLERS = [
    "<controller type='pci' index='0' model='pcie-root'/>",
    "<controller type='pci' index='1' model='pcie-root-port'/>",
    "<controller type='pci' index='2' model='pcie-root-port'><model name='ioh3420'/><target chassis='7' port='0x10'/></controller>",
    "<controller type='pci' index='3' model='dmi-to-pci-bridge'><address type='pci' domain='0' bus='0' slot='0x1e' function='0'/></controller>",
    "<controller type='pci' index='4' model='pci-bridge'><target chassisNr='4'/><unknown a='1'/></controller>",
    "<controller type='pci' model='pcie-root-port'/>",
    "<controller type='pci' index='6' model='pcie-expander-bus'><target busNr='200'><node>0</node></target></controller>",
]
OTHERS = [
    "<disk type='file' device='disk'><source file='/var/lib/a.img'/><target dev='vda' bus='virtio'/></disk>",
    "<interface type='network'><source network='default'/><model type='virtio'/></interface>",
    "<!-- a comment -->",
    "<controller type='usb' index='0' model='none'/>",
    "<memballoon model='none'/>",
    "<emulator>/usr/bin/qemu-system-x86_64</emulator>",
]


def dialect(scheme: str, release: str) -> object:
    cat = engine.load()
    return engine._schemes.get(scheme).dialect(cat.host(cat.release(release)), cat, engine.DEFAULT_SETTING)


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """Domain documents with controllers among other devices, in any layout, sometimes with
    text that must be kept (mixed content), a namespace, two ``<devices>`` or none at all."""
    machine = draw(st.sampled_from(["q35", "pc-q35-2.6", "pc", "pc-i440fx-2.12", ""]))
    root_ctrl = "<controller type='pci' index='0' model='pci-root'/>" if "q35" not in machine else CONTROLLERS[0]
    ctrls = [root_ctrl] * draw(st.booleans()) + draw(st.lists(st.sampled_from(CONTROLLERS[1:]), max_size=4, unique=True))
    others = draw(st.lists(st.sampled_from(OTHERS), max_size=4))
    devices = draw(st.permutations(ctrls + others))
    sep = draw(st.sampled_from(["", "\n", "\n    ", "  \t"]))
    name = draw(st.sampled_from(["n", "web01", "web<!-- c -->01", "<![CDATA[x]]>"]))
    ns = draw(st.sampled_from(["", " xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'"]))
    meta = draw(st.sampled_from(["", "<metadata><app xmlns='urn:example'><x/></app></metadata>"]))
    cpu = draw(st.sampled_from(["", "<cpu><numa><cell id='0' cpus='0' memory='1024'/></numa></cpu>"]))
    mtype = f" machine='{machine}'" if machine else ""
    body = sep.join(devices)
    shape = draw(st.sampled_from(["one", "none", "two"]))
    if shape == "one":
        devs = f"<devices>{sep}{body}{sep}</devices>"
    elif shape == "none":
        devs = ""
    else:
        half = len(devices) // 2
        devs = f"<devices>{sep.join(devices[:half])}</devices>{sep}<devices>{sep.join(devices[half:])}</devices>"
    return (f"<domain type='kvm'{ns}>{sep}<name>{name}</name>{sep}<memory>1048576</memory>{sep}{meta}{cpu}"
            f"<os><type arch='x86_64'{mtype}>hvm</type></os>{sep}{devs}{sep}</domain>").encode()


@settings(max_examples=150, deadline=None)
@given(documents(), st.sampled_from(SCHEMES), st.sampled_from(RELEASES), st.sampled_from(["define", "load"]))
def test_the_skeleton_gives_the_bytes_of_the_whole_tree(doc: bytes, scheme: str, release: str, purpose: str) -> None:
    d = dialect(scheme, release)
    defn = domain.parse(d, doc, purpose)  # type: ignore[arg-type]
    if isinstance(defn, Rejection):
        return
    for migratable in (False, True):
        assert domain.format(d, defn, migratable) == domain.format_tree(d, defn, migratable)  # type: ignore[arg-type]
    live = domain.start(d, defn)  # type: ignore[arg-type]
    if not isinstance(live, Rejection):
        assert domain.format(d, live, True) == domain.format_tree(d, live, True)  # type: ignore[arg-type]


PLAIN = (b"<domain type='kvm'><name>n</name><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
         b"<controller type='pci' index='0' model='pcie-root'/>"
         b"<controller type='pci' index='1' model='pcie-root-port'/></devices></domain>")


@pytest.mark.parametrize("doc,shortcut", [
    (PLAIN, True),
    (PLAIN.replace(b"<name>n</name>", b"<name>n<!-- c --></name>"), False),  # mixed content
    (PLAIN.replace(b"<domain type='kvm'>", b"<domain type='kvm' xmlns:qemu='urn:example'>"), False),
    (PLAIN.replace(b"<devices>", b"<devices><pcidesign-controllers-go-here/>"), False),  # the placeholder's name
], ids=["plain", "mixed-content", "namespace", "placeholder-name"])
def test_which_documents_take_the_skeleton(doc: bytes, shortcut: bool) -> None:
    assert (domain._skeleton(doc, None) is not None) is shortcut
    d = dialect("model-subelement", "4.0.0")
    defn = domain.parse(d, doc, "define")  # type: ignore[arg-type]
    assert isinstance(defn, domain.DomainDef)
    assert domain.format(d, defn, False) == domain.format_tree(d, defn, False)  # type: ignore[arg-type]


def test_every_format_of_a_sweep_matches_the_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each document the engine formats in a sweep of every scheme (real timeline, restart and
    migrate, every intent) is the whole tree's bytes, and most take the skeleton."""
    checked: list[bool] = []
    fast = domain.format

    def both(d: object, defn: domain.DomainDef, migratable: bool) -> bytes:
        got = fast(d, defn, migratable)  # type: ignore[arg-type]
        assert got == domain.format_tree(d, defn, migratable)  # type: ignore[arg-type]
        checked.append(domain._skeleton(defn.doc, defn.machine_type) is not None)
        return got

    checking = dataclasses.replace(kinds.PCI_DOCUMENT, format=both)
    monkeypatch.setattr(kinds, "document", lambda kind: checking)
    engine.clear_cache()
    cat = engine.load()
    hosts = [cat.host(r) for r in cat.timeline("real")]
    for scheme in engine._schemes.scheme_ids():
        for scenario in ("restart", "migrate"):
            for it in cat.intents.values():
                for a in hosts:
                    engine.run_row(engine._schemes.get(scheme), engine._scenarios.get(scenario), it, a, hosts,
                                   cat, engine.DEFAULT_SETTING)
    engine.clear_cache()
    assert len(checked) > 1000 and all(checked)
