"""The work on one controller (parse, start, format) does not read the setting: the engine
remembers it on the dialect's twin (the same scheme and host under the default setting) and
shares it across settings (Dialect.twin). Every registered variant is checked here, so a scheme
whose element work reads the setting fails this test rather than sharing a wrong result."""

from __future__ import annotations

import pytest
from lxml import etree

from pcidesign.model import engine, hops
from pcidesign.model import registry as schemes
from pcidesign.model.dialect import Controller, Rejection
from pcidesign.model.setting import DEFAULT, Setting

SETTINGS = [Setting(writer="newest"), Setting(machine="alias"), Setting(machine="q35"),
            Setting(app_xml="creation"), Setting(machine="pc-q35-2.4", writer="newest")]
RELEASES = ["1.2.18", "1.2.19", "2.5.0", "3.2.0", "4.0.0", "9.0.0"]
ELEMENTS = [
    "<controller type='pci' index='1' model='pcie-root-port'/>",
    "<controller type='pci' index='1' model='pcie-root-port'><model name='ioh3420'/><target chassis='3' port='0x10'/></controller>",
    "<controller type='pci' index='2' model='dmi-to-pci-bridge'/>",
    "<controller type='pci' index='2' model='dmi-to-pci-bridge'><model name='i82801b11-bridge'/></controller>",
    "<controller type='pci' index='3' model='pci-bridge'><target chassisNr='3'/></controller>",
    "<controller type='pci' index='4' model='pcie-expander-bus'><target busNr='200'><node>0</node></target></controller>",
    "<controller type='pci' index='5' model='ioh3420'/>",
    "<controller type='pci' index='6' model='pcie-root-port' impl='ioh3420'/>",
]


def plain(got: object) -> object:
    return got.message if isinstance(got, Rejection) else got


@pytest.mark.parametrize("variant", schemes.default_variants())
def test_the_work_on_a_controller_is_the_same_under_every_setting(variant: str) -> None:
    cat = engine.load()
    sch = schemes.get(variant)
    checked = 0
    for release in RELEASES:
        host = cat.host(cat.release(release))
        base = sch.dialect(host, cat, DEFAULT)
        assert base.twin is base
        for st in SETTINGS:
            d = sch.dialect(host, cat, st.check(cat))
            assert d.twin is base and d is not base
            for text in ELEMENTS:
                for purpose in ("define", "load", "incoming"):
                    got = d.parse(etree.fromstring(text), purpose)
                    assert plain(got) == plain(base.parse(etree.fromstring(text), purpose)), (release, st, text)
                    if isinstance(got, Controller):
                        checked += 1
                        assert plain(d.start(got)) == plain(base.start(got))
                        for migratable in (False, True):
                            assert (etree.tostring(d.format_controller(got, migratable))
                                    == etree.tostring(base.format_controller(got, migratable)))
    assert checked > 50


def test_a_dialect_filling_from_another_qemu_has_a_twin_doing_the_same() -> None:
    cat = engine.load()
    sch = schemes.get("model-subelement")
    old, new = cat.host(cat.release("3.2.0")), cat.host(cat.release("4.0.0"))
    d = sch.dialect(new, cat, Setting(writer="newest"))
    caps = hops.with_caps(d, old)
    assert caps.caps_host is old and caps.twin.caps_host is old and caps.twin is hops.with_caps(d.twin, old)
    base = sch.dialect(new, cat, DEFAULT)
    assert hops.with_caps(base, old).twin is hops.with_caps(base, old)
