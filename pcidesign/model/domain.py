"""Whole domain documents: parse and format every PCI controller of a ``<domain>`` with a dialect.

Everything but the PCI controllers passes through untouched. Like libvirt, a domain without a
root bus gets the implicit one of its machine, and MIGRATABLE XML leaves out an implicit
``pci-root`` that is the only PCI controller (facts §5).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from lxml import etree

from pcidesign.model import autoadd, fillin
from pcidesign.model.catalog import Intent, Key
from pcidesign.model.dialect import (
    TARGET_SINCE, UNASSIGNED, Controller, Dialect, Purpose, Rejection, Values, kept_attributes, strtol_base0,
)
from pcidesign.model.guestabi import BEHIND_EXPANDER, EXPANDERS
from pcidesign.model.memo import Memo, on_reset
from pcidesign.model.xmlsafe import XMLRefused, keeps_text, parse_domain, parse_fragment, to_bytes

Hardware = tuple[tuple[int, str, str, Values], ...]
"""What the guest gets: (index, class, device, guest-visible values) per PCI controller; device
"-" for a root bus; the values as (QEMU property, number) pairs, e.g. ``(("chassis_nr", 5),)``."""

ROOT_OF_MACHINE = {"pc": "pci-root", "q35": "pcie-root"}


@dataclass(frozen=True, eq=False)
class DomainDef:
    """A domain as a release holds it: the document, and its PCI controllers as parsed."""

    doc: bytes
    machine: str
    controllers: tuple[Controller, ...]
    machine_type: str | None = None
    """The machine type as this release holds it (``pc-q35-7.2``), when the machine is judged
    (:attr:`pcidesign.model.setting.Setting.checks_machine`); None when it is assumed to run."""
    hardware: Hardware = field(init=False)

    def __post_init__(self) -> None:
        hw = tuple((c.index, c.cls, c.device or "-", c.values) for c in self.controllers)
        if self.machine_type is not None:
            hw = ((MACHINE_INDEX, "machine", self.machine_type, ()), *hw)
        object.__setattr__(self, "hardware", hw)


_DEFS: Memo = Memo(500_000)
"""Every definition made so far, by its content (see :func:`interned`)."""
on_reset(_DEFS.clear)


def interned(defn: DomainDef) -> DomainDef:
    """The one :class:`DomainDef` of ``defn``'s content: equal definitions (a document two releases
    read alike, a guest started alike) become the same object, so every transition remembered on
    one (formatting it, starting it) serves the other. Forgotten at the engine's reset."""
    key = (defn.doc, defn.machine, defn.controllers, defn.machine_type)
    got = _DEFS.data.get(key)
    return got if got is not None else _DEFS.put(key, defn)  # type: ignore[return-value]


MACHINE_INDEX = -1
"""The hardware entry of the machine type (it sorts before every controller)."""


def machine_message(machine: str) -> str:
    """libvirt's refusal of a machine type its QEMU lacks (observed on 9.0.0, data/calibration/
    qemu-facts.md probe 46; the check is in qemuValidateDomainDef, src/qemu/qemu_validate.c, run at
    define, on an incoming migration and at start, not when a saved config is loaded). The model
    uses these words and places for every release."""
    return (f"unsupported configuration: Emulator '/usr/bin/qemu-system-x86_64' does not support machine type "
            f"'{machine}'")


def machine_type_of(root: etree._Element) -> str:
    """The ``machine`` attribute of ``<os><type>`` as written (``pc`` when there is none: libvirt's default)."""
    ostype = root.find("os/type")
    return ((ostype.get("machine") if ostype is not None else None) or "pc").strip()


def machine_of(root: etree._Element) -> str:
    """``pc``, ``q35`` or ``other``, from ``<os><type arch=... machine=...>``."""
    ostype = root.find("os/type")
    machine = (ostype.get("machine") or "") if ostype is not None else ""
    arch = (ostype.get("arch") or "x86_64") if ostype is not None else "x86_64"
    if "q35" in machine:
        return "q35"
    if arch in ("x86_64", "i686"):
        return "pc"
    return "other"


def pci_controllers(root: etree._Element) -> list[etree._Element]:
    """The ``<controller type='pci'>`` elements under ``<devices>``, in document order."""
    return root.findall("devices/controller[@type='pci']")


@functools.lru_cache(maxsize=4096)
def _tree(xml: bytes, keep_blank_text: bool) -> etree._Element:
    """The tree of ``xml``, parsed once for every release that reads the same bytes (read it,
    never change it: :func:`_fresh_tree` gives a copy to change)."""
    return parse_domain(xml, keep_blank_text=keep_blank_text)


def _read_tree(xml: bytes, source: str, keep_blank_text: bool = False) -> etree._Element:
    try:
        return _tree(xml, keep_blank_text)
    except XMLRefused:
        return parse_domain(xml, source, keep_blank_text)  # the refusal, naming ``source``


def _fresh_tree(xml: bytes) -> etree._Element:
    """A tree of ``xml`` (text kept as written) of one's own, to change: a copy of the parsed one."""
    return _read_tree(xml, "<input>", keep_blank_text=True).__copy__()  # lxml's copy is deep


def parse(dialect: Dialect, xml: bytes, purpose: Purpose, source: str = "<domain>") -> DomainDef | Rejection:
    """Parse a domain document's PCI controllers as ``dialect``'s release would for ``purpose``."""
    try:
        root, machine, written, elements = _document(xml)
    except XMLRefused:
        parse_domain(xml, source)  # the refusal, naming ``source``
        raise
    cat = dialect.catalog
    ctrls: list[Controller] = []
    context = _context(dialect, xml, root)
    for elem, blob in elements:
        ctrl = _parsed_element(dialect, elem, blob, purpose, context)
        if isinstance(ctrl, Rejection):
            return ctrl
        ctrls.append(ctrl)
    assigned = _assign_indexes(ctrls)
    dup = duplicate_index(ctrls)
    if dup is not None:
        return Rejection(f"XML error: Multiple 'pci' controllers with index '{dup}'")
    if machine in ROOT_OF_MACHINE and not any(c.index == 0 for c in ctrls):
        ctrls.insert(0, Controller(0, ROOT_OF_MACHINE[machine], None))
    if purpose == "define" and machine == "q35":
        extra = _auto_controllers(dialect, root, ctrls)
        if isinstance(extra, Rejection):
            return extra
        ctrls += extra
    if purpose == "define" or dialect.release.key >= fillin.EVERY_PARSE_SINCE:  # address assignment
        gaps = _gap_bridges(dialect, machine, ctrls)
        if isinstance(gaps, Rejection):
            return gaps
        ctrls += gaps
        added = frozenset(c.index for c in gaps)
    else:
        added = frozenset()
    if fillin.fills_on(dialect.release.key, purpose):  # address assignment (pcidesign.model.fillin)
        filled = _fill(dialect, machine, ctrls, xml, assigned, added)
        if isinstance(filled, Rejection):
            return filled
        ctrls = filled
    mtype = None
    if dialect.setting.checks_machine or dialect.tracks_machine:
        mtype = cat.canonical_machine(written, dialect.host) if purpose == "define" else written
        # validation, after the parse (qemuValidateDomainDef): only where the machine is judged
        if dialect.setting.checks_machine and purpose != "load" and not cat.runs_machine(dialect.host, mtype):
            return Rejection(machine_message(mtype))
    return interned(DomainDef(xml, machine, tuple(sorted(ctrls, key=lambda c: c.index)), mtype))


_CONTEXTS: Memo = Memo(200_000)
"""What each dialect class reads of each document beyond its controllers (see :func:`_context`)."""
on_reset(_CONTEXTS.clear)


def _context(dialect: Dialect, xml: bytes, root: etree._Element) -> object:
    """:meth:`Dialect.document_context` of the document ``xml`` (whose tree is ``root``),
    remembered per dialect class: it reads the document alone."""
    return _CONTEXTS.get((type(dialect), xml), dialect.document_context, root)


_ELEMENTS: Memo = Memo(500_000)
"""Each controller element's parse, by what it reads (see :func:`_parsed_element`)."""
on_reset(_ELEMENTS.clear)


@functools.lru_cache(maxsize=4096)
def _document(xml: bytes) -> tuple[etree._Element, str, str, tuple[tuple[etree._Element, bytes], ...]]:
    """What every release's parse of ``xml`` looks up first, found once per document: its tree
    (read it, never change it), machine family, machine type as written, and its PCI controller
    elements each with its bytes (the key of :func:`_parsed_element`)."""
    root = _tree(xml, False)
    return root, machine_of(root), machine_type_of(root), tuple(
        (e, etree.tostring(e, with_tail=False)) for e in pci_controllers(root))


def _parsed_element(dialect: Dialect, elem: etree._Element, blob: bytes, purpose: Purpose,
                    context: object) -> Controller | Rejection:
    """:meth:`Dialect.parse` of ``elem`` (whose bytes are ``blob``), remembered on the dialect, the
    purpose, the element's bytes and what the dialect reads of the rest of the document
    (:meth:`Dialect.document_context`): the same controller in many documents is parsed once."""
    twin = dialect.twin  # the same work under every setting
    return _ELEMENTS.get((twin, purpose, blob, context), twin.parse, elem, purpose)


def _fill(dialect: Dialect, machine: str, ctrls: list[Controller], doc: bytes,
          first: frozenset[int] = frozenset(), last: frozenset[int] = frozenset()) -> list[Controller] | Rejection:
    """``ctrls`` with the ``<target>`` values ``dialect``'s release fills in (:mod:`pcidesign.model.fillin`)
    for the domain document ``doc``; the controllers in ``first`` (given their index by the parse)
    are addressed first, those in ``last`` (added to fill a gap) last."""
    filled = _assigned(dialect.release.key, machine, tuple((c.index, c.cls, c.kept) for c in ctrls), doc,
                       dialect.host.qemu != "caps", first, last)
    if isinstance(filled, str):
        return Rejection(filled)
    values = {f.index: f.values for f in filled}
    return [c if c.index not in values else
            Controller(c.index, c.cls, c.device, c.form, fillin.merged_target(c.kept, values[c.index]), c.values)
            for c in ctrls]


_ASSIGNED: Memo = Memo(200_000)
"""The addresses and values each release assigned, by what the assignment reads (see :func:`_assigned`)."""
on_reset(_ASSIGNED.clear)


def _assigned(release: Key, machine: str, placed: tuple[tuple[int, str, tuple[bytes, ...]], ...],
              doc: bytes, video_usable: bool, first: frozenset[int], last: frozenset[int]) -> list[fillin.Fill] | str:
    """:func:`fillin.assign`, remembered on what it reads: the release, the machine, each
    controller's (index, class, kept children) in ``placed`` and the document's other devices
    (:func:`fillin.document_facts`; the same for every scheme: the device a controller names plays
    no part in its address, and for every document that differs elsewhere, its machine type say)."""
    return _ASSIGNED.get((release, machine, placed, _document_facts(doc), video_usable, first, last),
                         lambda: fillin.assign(release, machine,
                                               [Controller(i, cls, None, "old", kept) for i, cls, kept in placed],
                                               _read_tree(doc, "<domain>"), video_usable=video_usable, first=first,
                                               last=last))


@functools.lru_cache(maxsize=8192)
def _document_facts(doc: bytes) -> tuple[frozenset[tuple[int, int, int]], bool]:
    """:func:`fillin.document_facts` of the document ``doc``, found once per document."""
    return fillin.document_facts(_read_tree(doc, "<domain>"))


GAP_LIMIT = 255
"""Gaps below a larger index are not filled by the model (a PCI bus number is 8 bits; what libvirt
does with a larger index was not examined)."""


def _gap_bridges(dialect: Dialect, machine: str, ctrls: list[Controller]) -> list[Controller] | Rejection:
    """The controllers libvirt adds so that every index below the largest one has a PCI bus
    (``qemuDomainPCIAddressSetCreate`` then ``virDomainDefMaybeAddController`` for buses 1 to
    the largest index): a ``pci-bridge``, or from 2.5.0 a ``pcie-root-port`` on a machine whose
    root is ``pcie-root`` (src/qemu/qemu_command.c @1.2.19; qemu_domain_address.c @2.5.0,
    4.0.0; observed on 9.0.0: a lone pci-bridge at index 4 gets bridges 1-3; libvirt's test
    ``pci-autoadd-idx``). Each is added as a user writes the class alone."""
    present = {c.index for c in ctrls}
    top = max(present, default=0)
    if top <= 1 or top > GAP_LIMIT or machine not in ROOT_OF_MACHINE or len(present) > top:
        return []
    pcie = any(c.cls == "pcie-root" for c in ctrls)
    cls = "pcie-root-port" if pcie and dialect.release.key >= autoadd.RULES[1][0] else "pci-bridge"
    return _added_by_libvirt(dialect, [(cls, index) for index in range(1, top) if index not in present])


def _added_by_libvirt(dialect: Dialect, placed: list[tuple[str, int]]) -> list[Controller] | Rejection:
    """The controllers ``dialect``'s release adds itself, one per (class, index) of ``placed``, each
    written as a user writes the class alone (so the scheme's fill-in gives it the release's device)
    and parsed at define; a class the release or the scheme cannot write is left out, and the
    first refusal is returned."""
    out: list[Controller] = []
    for cls, index in placed:
        if cls not in dialect.classes:
            continue
        elem = dialect.write(Intent(cls, cls, None, "added by libvirt"))
        if elem is None:
            continue
        elem.set("index", str(index))
        ctrl = dialect.parse(elem, "define")
        if isinstance(ctrl, Rejection):
            return ctrl
        out.append(ctrl)
    return out


def _assign_indexes(ctrls: list[Controller]) -> frozenset[int]:
    """Give each controller written without an index (:data:`UNASSIGNED`, from 1.3.5) the lowest
    index no other PCI controller uses, in document order (``virDomainControllerFindUnusedIndex``;
    observed on 9.0.0); the indexes given. Linear in ``ctrls``.

    libvirt keeps its controllers in the order it inserted them, sorted by index, where such a
    controller sorted first (index -1): it is addressed before the others (observed on 9.0.0: a
    root port without index beside an explicit index 1 gets index 2 and port 0x8)."""
    if not any(c.index == UNASSIGNED for c in ctrls):
        return frozenset()
    given: set[int] = set()
    used = {c.index for c in ctrls}
    candidate = 0
    for i, c in enumerate(ctrls):
        if c.index != UNASSIGNED:
            continue
        while candidate in used:
            candidate += 1
        used.add(candidate)
        given.add(candidate)
        ctrls[i] = Controller(candidate, c.cls, c.device, c.form, c.kept, c.values)
    return frozenset(given)


def duplicate_index(ctrls: list[Controller]) -> int | None:
    """The index libvirt names when two controllers share one, or None; linear in ``ctrls``.

    libvirt keeps a domain's controllers sorted by index as it parses them
    (``virDomainControllerInsertPreAlloced``) and then walks them with a bitmap of the indexes
    seen, so the index it names is the *smallest* one used twice, wherever it is in the file
    (src/conf/domain_conf.c at v1.2.18 and v4.0.0; observed on 9.0.0: indexes 3, 2, 3, 2 give
    "Multiple 'pci' controllers with index '2'").
    """
    seen: set[int] = set()
    repeated: set[int] = set()
    for ctrl in ctrls:
        if ctrl.index in seen:
            repeated.add(ctrl.index)
        seen.add(ctrl.index)
    return min(repeated) if repeated else None


def format(dialect: Dialect, defn: DomainDef, migratable: bool) -> bytes:  # noqa: A001 - libvirt's verb
    """The document as ``dialect``'s release writes it: saved config, or MIGRATABLE.

    What is around the PCI controllers depends on the document and its machine type alone, and
    each controller's text on the dialect and the controller alone: when the layout can be
    rebuilt from the structure alone (no mixed content, no namespaces: :func:`_skeleton`), the
    text is put together from the document's skeleton and each controller's remembered text
    (:func:`_controller_text`), the same bytes as :func:`format_tree` builds from a tree."""
    ctrls = defn.controllers
    if migratable and len(ctrls) == 1 and ctrls[0].cls == "pci-root":
        return _without_controllers(defn.doc, defn.machine_type)
    skeleton = _skeleton(defn.doc, defn.machine_type)
    if skeleton is None or not all(_fragment_layout_only(blob) for c in ctrls for blob in c.kept):
        return format_tree(dialect, defn, migratable)
    before, after = skeleton
    twin = dialect.twin  # the same text under every setting
    texts = [_TEXTS.get((twin, ctrl, migratable), _controller_text, twin, ctrl, migratable) for ctrl in ctrls]
    return before + _BETWEEN.join(texts) + after


_SLOT = "pcidesign-controllers-go-here"
"""The placeholder element :func:`_skeleton` lays out where the controllers go (a name no
domain document uses: a document that holds it is formatted from its tree)."""
_BETWEEN = b"\n    "
"""The layout between two controllers (children of ``<devices>``, two levels down)."""
_TEXTS: Memo = Memo(500_000)
"""Each controller's text as a dialect formats it (see :func:`format`)."""
on_reset(_TEXTS.clear)


@functools.lru_cache(maxsize=8192)
def _skeleton(doc: bytes, machine_type: str | None) -> tuple[bytes, bytes] | None:
    """The formatted document ``doc`` (with ``machine_type``) before and after its PCI
    controllers, or None when its layout is not rebuilt from its structure alone (mixed content or
    ``xml:space``: :func:`_layout_only`; a namespace in scope of ``<devices>``, which a controller
    element would have to declare again): :func:`format_tree` with a placeholder for the controllers."""
    if not _layout_only(doc):
        return None
    slot = etree.Element(_SLOT)
    root = _prepared_tree(doc, machine_type, [slot])
    if slot.getparent().nsmap:  # type: ignore[union-attr]
        return None
    etree.indent(root)
    parts = etree.tostring(root, encoding="utf-8").split(f"<{_SLOT}/>".encode())
    return (parts[0], parts[1]) if len(parts) == 2 else None


@functools.lru_cache(maxsize=8192)
def _without_controllers(doc: bytes, machine_type: str | None) -> bytes:
    """``doc`` formatted with no PCI controller (MIGRATABLE leaves out an implicit ``pci-root``
    that is the only one): the same for every dialect."""
    root = _prepared_tree(doc, machine_type, [])
    return to_bytes(root, layout_only=_layout_only(doc))


def _controller_text(dialect: Dialect, ctrl: Controller, migratable: bool) -> bytes:
    """``ctrl`` as ``dialect`` formats it, laid out as a child of ``<devices>`` (see :func:`format`)."""
    elem = dialect.format_controller(ctrl, migratable)
    etree.indent(elem, level=2)
    return etree.tostring(elem, encoding="utf-8", with_tail=False)


def format_tree(dialect: Dialect, defn: DomainDef, migratable: bool) -> bytes:
    """:func:`format`, built as a tree and serialized whole (the reference :func:`format` must match)."""
    ctrls = defn.controllers
    if migratable and len(ctrls) == 1 and ctrls[0].cls == "pci-root":
        ctrls = ()
    root = _prepared_tree(defn.doc, defn.machine_type, [dialect.format_controller(c, migratable) for c in ctrls])
    return to_bytes(root, layout_only=_layout_only(defn.doc) and all(
        _fragment_layout_only(blob) for c in defn.controllers for blob in c.kept))


def _prepared_tree(doc: bytes, machine_type: str | None, new: list[etree._Element]) -> etree._Element:
    """A tree of ``doc`` of one's own with ``machine_type`` written and the PCI controllers replaced
    by the elements ``new`` (not yet laid out)."""
    root = _fresh_tree(doc)  # text in mixed content stays as written
    ostype = root.find("os/type")
    if machine_type is not None and ostype is not None:
        ostype.set("machine", machine_type)
    devices = root.find("devices")
    if devices is None:
        devices = etree.SubElement(root, "devices")
    old = pci_controllers(root)
    # The new controllers take the place of the first old one. Each step is constant time per
    # controller: no child is looked up by position (lxml walks the children for that).
    if old:
        for elem in new:
            old[0].addprevious(elem)
        _remove_keeping_text(old)
    else:
        anchor = _insert_after(devices)
        for elem in reversed(new):
            if anchor is None:
                devices.insert(0, elem)
            else:
                anchor.addnext(elem)
    return root


@functools.lru_cache(maxsize=8192)
def _layout_only(doc: bytes) -> bool:
    """Whether the document ``doc`` has no mixed content and no ``xml:space`` (see
    :func:`pcidesign.model.xmlsafe.to_bytes`). Then a document formatted from it has none either
    when its controllers' kept children have none: the controllers are built here from those
    children and attributes, and a removed element's tail (white space) goes to white space."""
    return not keeps_text(_read_tree(doc, "<input>", keep_blank_text=True))


@functools.lru_cache(maxsize=8192)
def _fragment_layout_only(blob: bytes) -> bool:
    """:func:`_layout_only` of a kept child element."""
    return not keeps_text(parse_fragment(blob))


def _insert_after(devices: etree._Element) -> etree._Element | None:
    """The last ``<controller>``, ``<disk>`` or ``<emulator>`` child (new controllers go after it),
    or None (they go first)."""
    for child in reversed(devices):
        if child.tag in ("controller", "disk", "emulator"):
            return child
    return None


def _remove_keeping_text(elems: list[etree._Element]) -> None:
    """Remove ``elems`` (in document order) but not the text after each (lxml removes an
    element's tail with it): it goes to the element before, or to the parent's text. A parent
    left without children loses its white space (layout around what was removed). Linear: the
    text for one receiver is joined once, however many elements gave it some."""
    pieces: dict[tuple[int, bool], tuple[etree._Element, bool, list[str]]] = {}
    parents: dict[int, etree._Element] = {}
    for elem in elems:
        parent = elem.getparent()
        assert parent is not None
        parents[id(parent)] = parent
        tail, elem.tail = elem.tail, None
        if tail:
            previous = elem.getprevious()
            receiver, as_text = (parent, True) if previous is None else (previous, False)
            pieces.setdefault((id(receiver), as_text), (receiver, as_text, []))[2].append(tail)
        parent.remove(elem)
    for receiver, as_text, texts in pieces.values():
        if as_text:
            receiver.text = (receiver.text or "") + "".join(texts)
        else:
            receiver.tail = (receiver.tail or "") + "".join(texts)
    for parent in parents.values():
        if len(parent) == 0 and not (parent.text or "").strip(" \t\r\n"):
            parent.text = None


_STARTED: Memo = Memo(500_000)
"""Each controller as a dialect's release starts it (:meth:`Dialect.start` reads the controller
and the host alone): the same controller in many guests is started once."""
on_reset(_STARTED.clear)


def start(dialect: Dialect, defn: DomainDef) -> DomainDef | Rejection:
    """The running guest's definition (devices filled in), or why the release refuses to start it."""
    if (dialect.setting.checks_machine and defn.machine_type is not None
            and not dialect.catalog.runs_machine(dialect.host, defn.machine_type)):
        return Rejection(machine_message(defn.machine_type))
    ctrls = list(defn.controllers)
    if dialect.release.key >= TARGET_SINCE:  # what the parse did not save is filled in the live guest
        filled = _fill(dialect, defn.machine, ctrls, defn.doc)
        if isinstance(filled, Rejection):
            return filled
        ctrls = filled
    live: list[Controller] = []
    twin = dialect.twin  # the same start under every setting
    for ctrl in ctrls:
        got = _STARTED.get((twin, ctrl), twin.start, ctrl)
        if isinstance(got, Rejection):
            return got
        live.append(got)
    return interned(DomainDef(defn.doc, defn.machine, behind_expanders(live), defn.machine_type))


def behind_expanders(ctrls: list[Controller]) -> tuple[Controller, ...]:
    """``ctrls`` (started), each controller behind an expander, at any depth, carrying that
    expander's bus number as :data:`~pcidesign.model.guestabi.BEHIND_EXPANDER` (QEMU names the
    device's saved state after it). The parent of a controller is the controller whose index its
    ``<address bus>`` names; a controller without an address has no known parent."""
    if not any(c.cls in EXPANDERS for c in ctrls):
        return tuple(ctrls)
    by_index = {c.index: c for c in ctrls}
    prop = BEHIND_EXPANDER.prop
    out = []
    for ctrl in ctrls:
        seen, parent, bus_nr = {ctrl.index}, _parent(ctrl, by_index), None
        while parent is not None and parent.index not in seen:
            if parent.cls in EXPANDERS:
                bus_nr = dict(parent.values).get("bus_nr")
                break
            seen.add(parent.index)
            parent = _parent(parent, by_index)
        out.append(ctrl if bus_nr is None else
                   Controller(ctrl.index, ctrl.cls, ctrl.device, ctrl.form, ctrl.kept, (*ctrl.values, (prop, bus_nr))))
    return tuple(out)


def _parent(ctrl: Controller, by_index: dict[int, Controller]) -> Controller | None:
    """The controller whose bus ``ctrl``'s kept ``<address>`` names (bus 0 is the root), or None."""
    bus = kept_attributes(ctrl.kept, "address").get("bus")
    number = strtol_base0(bus) if bus is not None else None
    return by_index.get(number) if number else None


def canonical(controllers: dict[int, etree._Element]) -> dict[int, bytes]:
    """Each controller's canonical (C14N) text, for comparing two configs."""
    return {i: etree.tostring(e, method="c14n") for i, e in controllers.items()}


def controller_elements(xml: bytes) -> dict[int, etree._Element]:
    """Each PCI controller element, by index."""
    return {int(e.get("index", "-1")): e for e in pci_controllers(parse_domain(xml))}


def last_controller_text(xml: bytes) -> str:
    """The PCI controller with the highest index in ``xml``, as XML text (the intent's own
    controller in a domain written by :func:`intent_domain`)."""
    elems = controller_elements(xml)
    return etree.tostring(elems[max(elems)], encoding="unicode", with_tail=False).strip()


def _auto_domain(dialect: Dialect, intent: Intent, machine: str) -> bytes:
    root = etree.Element("domain", type="kvm")
    etree.SubElement(root, "name").text = "intent-" + intent.id
    etree.SubElement(root, "memory", unit="KiB").text = "1048576"
    os_ = etree.SubElement(root, "os")
    etree.SubElement(os_, "type", arch="x86_64", machine=dialect.setting.written_machine("q35", dialect.catalog.machines)).text = "hvm"
    devices = etree.SubElement(root, "devices")
    etree.SubElement(devices, "controller", type="pci", index="0", model="pcie-root")
    for model, count in autoadd.DEVICES:
        for _ in range(count):
            nic = etree.SubElement(devices, "interface", type="network")
            etree.SubElement(nic, "source", network="default")
            etree.SubElement(nic, "model", type=model)
    return to_bytes(root)


def _auto_controllers(dialect: Dialect, root: etree._Element, present: list[Controller]) -> list[Controller] | Rejection:
    """The controllers ``dialect``'s release adds at define to a q35 guest whose only PCI controller
    is the root and whose devices have no PCI address (:mod:`pcidesign.model.autoadd`)."""
    if [c.cls for c in present] not in ([], ["pcie-root"]):
        return []
    nics = [n for n in root.iterfind("devices/interface") if n.find("address") is None]
    express = sum(1 for n in nics if (n.find("model").get("type") if n.find("model") is not None else "") in
                  autoadd.EXPRESS_MODELS)
    classes = autoadd.added(dialect.release.key, express, len(nics) - express)
    balloon = root.find("devices/memballoon")
    # the default USB controller is an Express one on a QEMU of the release's time; a host given
    # as a list of capabilities (libvirt's tests) names no USB device, so none is assumed there
    usb_port = root.find("devices/controller[@type='usb']") is None and not dialect.host.qemu.startswith("caps")
    balloon_port = balloon is None or (balloon.get("model") != "none" and balloon.find("address") is None)
    classes += autoadd.implicit(dialect.release.key, usb_port, balloon_port, len(classes))
    return _added_by_libvirt(dialect, [(cls, offset) for offset, cls in enumerate(classes, start=1)])


def intent_domain(dialect: Dialect, intent: Intent, machine: str) -> bytes | None:
    """A minimal domain with the intent's controller as a user writes it, or None if it cannot be.

    A q35 domain says it wants no USB controller and no memory balloon, so that no release adds
    controllers for them (from 2.5.0 each would get a root port, :func:`pcidesign.model.autoadd.implicit`):
    the domain holds the intent's controller and the root bus only."""
    elem = dialect.write(intent)
    if elem is None:
        return None
    if intent.auto:
        return _auto_domain(dialect, intent, machine)
    if intent.target:
        if dialect.release.key < TARGET_SINCE:
            return None  # <target> does not exist yet: the value cannot be written (facts §9)
        etree.SubElement(elem, "target", dict(intent.target))
    root_cls = ROOT_OF_MACHINE[machine]
    root = etree.Element("domain", type="kvm")
    etree.SubElement(root, "name").text = "intent-" + intent.id.replace(":", "-")
    etree.SubElement(root, "memory", unit="KiB").text = "1048576"
    os_ = etree.SubElement(root, "os")
    etree.SubElement(os_, "type", arch="x86_64", machine=dialect.setting.written_machine(machine, dialect.catalog.machines)).text = "hvm"
    devices = etree.SubElement(root, "devices")
    if intent.cls == root_cls:
        elem.set("index", "0")
        devices.append(elem)
    else:
        etree.SubElement(devices, "controller", type="pci", index="0", model=root_cls)
        elem.set("index", "1")
        devices.append(elem)
    if machine == "q35":  # no implicit USB controller or balloon: libvirt adds no root port for them
        devices.insert(0, etree.Element("memballoon", model="none"))  # first: the intent's controller stays last
        devices.insert(0, etree.Element("controller", type="usb", index="0", model="none"))
    return to_bytes(root)
