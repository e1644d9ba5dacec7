"""xmlsafe.to_bytes's layout-only shortcut: a document formatted from one with no mixed content
(and no xml:space) is laid out without looking for it again, and prints exactly as the full check."""

from __future__ import annotations

import pytest
from lxml import etree

from pcidesign.model import domain, engine, xmlsafe

PLAIN = ("<domain type='kvm'><name>a</name><os><type arch='x86_64' machine='q35'>hvm</type></os>"
         "<devices><controller type='pci' index='0' model='pcie-root'/>"
         "<controller type='pci' index='1' model='pcie-root-port'><target chassis='3'/></controller>"
         "</devices></domain>")
MIXED_IN_CONTROLLER = PLAIN.replace("<target chassis='3'/>", "<target chassis='3'/> note <alias name='x'/>")
MIXED_ELSEWHERE = PLAIN.replace("<name>a</name>", "<name>a<!-- c --></name>")
SPACE = PLAIN.replace("<name>a</name>", "<metadata><p xml:space='preserve'> <q/> </p></metadata>")


def test_keeps_text_tells_mixed_content_and_xml_space() -> None:
    assert not xmlsafe.keeps_text(etree.fromstring(PLAIN))
    assert xmlsafe.keeps_text(etree.fromstring(MIXED_ELSEWHERE))
    assert xmlsafe.keeps_text(etree.fromstring(SPACE))


@pytest.mark.parametrize("doc", [PLAIN, MIXED_IN_CONTROLLER, MIXED_ELSEWHERE, SPACE],
                         ids=["plain", "mixed-in-controller", "mixed-elsewhere", "xml-space"])
@pytest.mark.parametrize("release", ["1.2.19", "4.0.0", "9.0.0"])
def test_format_prints_the_same_with_and_without_the_shortcut(monkeypatch: pytest.MonkeyPatch, doc: str,
                                                             release: str) -> None:
    def saved_and_sent() -> list[bytes | None]:
        engine.clear_cache()
        host = engine.load().host(engine.load().release(release))
        return [engine.roundtrip("model-subelement", host, doc.encode(), migratable=m).xml for m in (False, True)]

    domain._layout_only.cache_clear()
    domain._fragment_layout_only.cache_clear()
    fast = saved_and_sent()
    assert all(x is not None for x in fast)
    monkeypatch.setattr(domain, "_layout_only", lambda doc: False)
    monkeypatch.setattr(domain, "_fragment_layout_only", lambda blob: False)
    assert saved_and_sent() == fast
    if doc is MIXED_ELSEWHERE:
        assert b"<name>a<!-- c --></name>" in fast[0]


def test_the_shortcut_is_taken_only_for_a_plain_document() -> None:
    assert domain._layout_only(PLAIN.encode())
    assert not domain._layout_only(MIXED_ELSEWHERE.encode())
    assert not domain._layout_only(SPACE.encode())
    assert domain._fragment_layout_only(b"<target chassis='3'/>")
    assert not domain._fragment_layout_only(b"<target>x<a/>y</target>")
