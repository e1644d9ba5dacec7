"""The one place pcidesign turns bytes into XML trees: no entities, no DTD, no network."""

from __future__ import annotations

from lxml import etree

from .errors import XMLInputError

MAX_BYTES = 10 * 1024 * 1024
"""Largest document accepted (a libvirt domain XML is a few kB)."""

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=True,
    remove_comments=False,
)


def parse_bytes(data: bytes, source: str = "<input>") -> etree._Element:
    """Parse ``data`` into an element tree, refusing DTDs, entities and oversized input."""
    if len(data) > MAX_BYTES:
        raise XMLInputError(f"{source}: {len(data)} bytes is larger than the {MAX_BYTES} bytes accepted")
    if not data.strip():
        raise XMLInputError(f"{source}: the file is empty")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XMLInputError(
            f"{source}: a DOCTYPE or ENTITY declaration is not accepted (entities are never resolved, "
            "DTDs never loaded, no network is reached); libvirt domain XML has none"
        )
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise XMLInputError(f"{source}: not well-formed XML: {exc}") from None


def parse_domain(data: bytes, source: str = "<input>") -> etree._Element:
    """Parse ``data`` and check that its root is ``<domain>``."""
    root = parse_bytes(data, source)
    if root.tag != "domain":
        raise XMLInputError(f"{source}: the root element is <{root.tag}>, expected <domain>")
    return root


def to_bytes(elem: etree._Element) -> bytes:
    """Serialize ``elem`` the way pcidesign compares and prints XML (indented, no declaration)."""
    etree.indent(elem, space="  ")
    return etree.tostring(elem, encoding="utf-8")
