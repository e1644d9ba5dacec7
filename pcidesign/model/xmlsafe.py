"""The one place pcidesign turns bytes into XML trees: no entities, no DTD, no network.

Every XML read in the package goes through this module (a test checks that no other module
calls lxml's parsers). The guarantees, for any input:

- no entity is ever resolved: a document with a DOCTYPE or an ENTITY declaration (XXE,
  "billion laughs", an external DTD) is refused before parsing, and the parser itself is set to
  resolve no entities, load no DTD, reach no network and refuse every resolver request, in case
  a declaration hides in an encoding the byte check cannot see;
- input larger than :data:`MAX_BYTES` is refused without reading it whole (:func:`read_file`);
- empty, binary (NUL bytes), non-UTF-8, malformed, or non-``<domain>`` input is refused;
- every refusal is an :class:`XMLRefused` (an ``XMLInputError``) whose message names the
  source and whose ``kind`` says which rule refused it, for tables and exit statuses.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from pathlib import Path

from lxml import etree

from pcidesign.model.errors import XMLInputError

MAX_BYTES = 10 * 1024 * 1024
"""Largest document accepted (a libvirt domain XML is a few kB)."""

KINDS = ("unreadable", "empty", "too-large", "binary", "hostile", "malformed", "not-a-domain", "rejected")
"""The ``kind`` of every refusal, for counting them (``rejected``: the release that reads a fleet's
files refuses it, as an index beyond libvirt's range)."""

NO_ENTITIES = (
    "entities are never resolved, no DTD is loaded and no network is reached; "
    "libvirt domain XML has no DOCTYPE"
)


class XMLRefused(XMLInputError):
    """Input that pcidesign refuses to read; ``kind`` is one of :data:`KINDS`."""

    def __init__(self, kind: str, source: str, problem: str) -> None:
        self.kind = kind
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class _RefuseAll(etree.Resolver):
    """A resolver that refuses every external resource lxml asks for."""

    def resolve(self, system_url: str, public_id: str, context: object) -> None:  # type: ignore[override]
        raise XMLRefused("hostile", str(system_url), f"refused to load an external resource; {NO_ENTITIES}")


def _parser(remove_blank_text: bool, refuse_resources: bool = True) -> etree.XMLParser:
    """The safe parser: its settings resolve nothing, and (unless ``refuse_resources`` is False,
    which tests use to check the settings alone) a resolver refuses every external resource."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        remove_blank_text=remove_blank_text,
        remove_comments=False,
        remove_pis=False,
        strip_cdata=True,
    )
    if refuse_resources:
        parser.resolvers.add(_RefuseAll())
    return parser


_PARSER = _parser(remove_blank_text=True)
_FRAGMENT_PARSER = _parser(remove_blank_text=False)
_KEEP_BLANKS_PARSER = _FRAGMENT_PARSER

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
_MARKUP_TEXT = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>", re.DOTALL)
"""Comments and CDATA sections, read left to right as the parser does: what they hold is text."""
_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def display(source: object) -> str:
    """``source`` (a path or a name) as printable text: odd characters escaped, never an error."""
    text = os.fsdecode(source) if isinstance(source, (bytes, os.PathLike)) else str(source)
    if text.isprintable() and text.isascii():
        return text  # nothing to escape (the common case, a name or a number)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def parse_bytes(data: bytes, source: str = "<input>", keep_blank_text: bool = False) -> etree._Element:
    """Parse ``data`` into an element tree, refusing DTDs, entities, binary and oversized input.

    White-space-only text between elements is dropped (libxml2's guess at layout) unless
    ``keep_blank_text``: keep it when the tree is printed back, so that mixed content (text and
    elements side by side) keeps every character (:func:`to_bytes` re-indents only the rest).
    """
    if len(data) > MAX_BYTES:
        raise XMLRefused("too-large", display(source), f"{len(data)} bytes is larger than the {MAX_BYTES} bytes accepted")
    if not data.strip():
        raise XMLRefused("empty", display(source), "the file is empty" if not data else "the file holds only white space")
    if b"\x00" in data or data.startswith(_BOMS):
        raise XMLRefused("binary", display(source), "binary data (NUL bytes, or UTF-16/UTF-32 text): "
                         "expected UTF-8 domain XML as 'virsh dumpxml' writes it")
    m = _DECLARATION.search(_MARKUP_TEXT.sub(b"", data))  # a declaration quoted in a comment or CDATA is text
    if m is not None:
        raise XMLRefused("hostile", display(source), f"a <!{m.group(1).decode().upper()} declaration is not accepted "
                         f"(XXE, entity expansion and DTD fetches start there); {NO_ENTITIES}")
    try:
        root = etree.fromstring(data, _KEEP_BLANKS_PARSER if keep_blank_text else _PARSER)
    except XMLRefused:
        raise
    except etree.XMLSyntaxError as exc:
        msg = str(getattr(exc, "msg", None) or exc)
        if any(w in msg.lower() for w in ("utf-8", "invalid bytes", "not proper", "invalid char")):
            raise XMLRefused("binary", display(source), f"not text in its declared encoding (UTF-8 unless declared): {msg}") from None
        raise XMLRefused("malformed", display(source), f"not well-formed XML: {msg}") from None
    except (ValueError, etree.LxmlError) as exc:
        raise XMLRefused("malformed", display(source), f"not well-formed XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XMLRefused("hostile", display(source), f"a DOCTYPE is not accepted; {NO_ENTITIES}")
    for _ in root.iter(etree.Entity):
        raise XMLRefused("hostile", display(source), f"an entity reference is not accepted; {NO_ENTITIES}")
    return root


def parse_domain(data: bytes, source: str = "<input>", keep_blank_text: bool = False) -> etree._Element:
    """Parse ``data`` and check that its root is ``<domain>`` (no namespace); ``keep_blank_text``
    as for :func:`parse_bytes`."""
    root = parse_bytes(data, source, keep_blank_text)
    if root.tag != "domain":
        tag = root.tag if isinstance(root.tag, str) else "?"
        raise XMLRefused("not-a-domain", display(source),
                         f"the root element is <{tag}>, expected <domain> (a 'virsh dumpxml' file)")
    return root


def parse_fragment(blob: bytes) -> etree._Element:
    """Parse a fragment the package serialized itself (a kept child element), with the same safe
    parser: a new element of one's own, copied from the one parse of ``blob`` (a copy costs a
    quarter of a parse)."""
    return _fragment(blob).__copy__()


@functools.lru_cache(maxsize=65536)
def _fragment(blob: bytes) -> etree._Element:
    """The parsed fragment ``blob``, never handed out (:func:`parse_fragment` gives copies)."""
    return etree.fromstring(blob, _FRAGMENT_PARSER)


def read_file(path: str | os.PathLike[str], limit: int = MAX_BYTES, source: str | None = None) -> bytes:
    """The bytes of the regular file ``path``, refusing (as :class:`XMLRefused`) what cannot be read.

    Never reads more than ``limit + 1`` bytes, never blocks on a FIFO or a device. Errors name
    ``source`` (default: the path).
    """
    src = display(path) if source is None else source
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise XMLRefused("unreadable", src, f"cannot read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise XMLRefused("unreadable", src, "not a regular file")
        if st.st_size > limit:
            raise XMLRefused("too-large", src, f"{st.st_size} bytes is larger than the {limit} bytes accepted")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise XMLRefused("too-large", src, f"more than the {limit} bytes accepted")
        return b"".join(chunks)
    except OSError as exc:
        raise XMLRefused("unreadable", src, f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def parse_file(path: str | os.PathLike[str]) -> etree._Element:
    """Read and parse the domain XML file ``path`` (:func:`read_file`, then :func:`parse_domain`)."""
    return parse_domain(read_file(path), str(Path(path)))


def to_bytes(elem: etree._Element, layout_only: bool = False) -> bytes:
    """Serialize ``elem`` the way pcidesign compares and prints XML (indented, no declaration).

    Only layout is re-indented: an element whose children are all elements (comments and
    processing instructions count as such) with white space between them. An element with
    mixed content (any other character in its text or between its children, as in
    ``<name>web01<!-- c --></name>``) or with ``xml:space='preserve'`` is printed exactly as
    parsed, with everything inside it. Linear in the size of the tree. ``layout_only``: the
    caller knows the tree has no such element (:func:`keeps_text` is false), and it is not looked
    for again.
    """
    if not layout_only and _KEEPS_TEXT(elem):
        indent(elem)
    else:
        etree.indent(elem)  # the same layout, in C, when no element has mixed content or xml:space
    return etree.tostring(elem, encoding="utf-8")


_KEEPS_TEXT = etree.XPath(
    "boolean(descendant-or-self::*[node()[not(self::text())]][text()[normalize-space()]]"
    " | descendant-or-self::*[@xml:space])")
"""Whether a tree has an element that :func:`indent` leaves as it is: mixed content (an element
with a child and text that is not XML white space, which ``normalize-space`` strips exactly) or
``xml:space``. Elsewhere ``lxml.etree.indent`` lays the tree out exactly as :func:`indent` does."""


def keeps_text(elem: etree._Element) -> bool:
    """Whether ``elem`` or an element inside it has mixed content or ``xml:space`` (what
    :func:`to_bytes` prints exactly as parsed)."""
    return bool(_KEEPS_TEXT(elem))


_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_WHITE = " \t\r\n"
"""XML's white space (``str.strip()`` would also take U+00A0 and other Unicode spaces)."""


def _is_layout(text: str | None) -> bool:
    return not text or not text.strip(_WHITE)


def indent(root: etree._Element, space: str = "  ") -> None:
    """Indent ``root`` in place like ``lxml.etree.indent``, but leave mixed content (and
    ``xml:space='preserve'``) exactly as it is: see :func:`to_bytes`."""
    stack: list[tuple[etree._Element, int]] = [(root, 0)]
    while stack:
        elem, level = stack.pop()
        children = list(elem)
        if not children or elem.get(_XML_SPACE) == "preserve":
            continue
        if not _is_layout(elem.text) or not all(_is_layout(c.tail) for c in children):
            continue  # mixed content: every character of it is kept
        inner = "\n" + space * (level + 1)
        elem.text = inner
        for child in children:
            child.tail = inner
            if isinstance(child.tag, str):
                stack.append((child, level + 1))
        children[-1].tail = "\n" + space * level
