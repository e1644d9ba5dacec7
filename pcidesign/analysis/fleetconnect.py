"""A fleet read where it lives: every defined domain of a libvirt connection, through libvirt-python.

:func:`documents` opens ``uri`` read-only (``libvirt.openReadOnly``), lists the persistent
(defined) domains (``virConnect.listAllDomains`` with ``VIR_CONNECT_LIST_DOMAINS_PERSISTENT``) and
yields each one's inactive XML (``virDomain.XMLDesc`` with ``VIR_DOMAIN_XML_INACTIVE``: the
definition a restart or an upgrade of the host starts from, as ``virsh dumpxml --inactive``
prints it), labelled by the domain's name. :func:`scan` hands them to
:func:`pcidesign.analysis.fleet.scan_documents`, the analysis ``pcidesign fleet DIR`` runs on files.

libvirt-python (the binding libvirt's own tools and nova use) is an optional dependency, the
``connect`` extra: it compiles against libvirt's headers. Without it :func:`binding` raises
:class:`ConnectError` saying how to install it. Nothing here writes to the connection.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from pcidesign.analysis.fleet import FleetError, FleetScan, scan_documents
from pcidesign.model.xmlsafe import MAX_BYTES, XMLRefused, display

INSTALL_HINT = ("install the optional libvirt binding: pip install 'pcidesign[connect]' (libvirt-python; it "
                "compiles against libvirt's headers, so on Debian or Ubuntu first: apt-get install libvirt-dev "
                "pkg-config)")
"""How to get libvirt-python, said whenever it is missing."""


class ConnectError(FleetError):
    """A libvirt connection that cannot be read: the binding is missing, or the URI cannot be opened."""


def binding() -> ModuleType:
    """The ``libvirt`` module (libvirt-python), its error handler silenced (errors come back as
    exceptions, not as lines libvirt prints itself); :class:`ConnectError` when it is not installed."""
    try:
        lv = importlib.import_module("libvirt")
    except ImportError as exc:
        raise ConnectError(f"fleet --connect needs libvirt-python, which is not installed ({exc}); "
                           f"{INSTALL_HINT}") from None
    lv.registerErrorHandler(_quiet, None)
    return lv


def _quiet(_ctx: object, _err: object) -> None:
    """libvirt's error callback: say nothing (the exception raised carries the message)."""


def _message(exc: BaseException) -> str:
    """libvirt's own text of an error (``get_error_message``), else the exception's."""
    getter = getattr(exc, "get_error_message", None)
    text = getter() if callable(getter) else None
    return display(text or exc)


def open_readonly(uri: str, lv: ModuleType | None = None) -> Any:
    """A read-only connection to ``uri``; :class:`ConnectError` naming the URI and libvirt's message."""
    lv = lv or binding()
    try:
        conn = lv.openReadOnly(uri)
    except lv.libvirtError as exc:
        raise ConnectError(f"cannot open libvirt URI {display(uri)!r}: {_message(exc)}") from None
    if conn is None:  # older bindings returned None instead of raising
        raise ConnectError(f"cannot open libvirt URI {display(uri)!r}: libvirt returned no connection")
    return conn


def documents(uri: str, lv: ModuleType | None = None) -> Iterator[tuple[str, bytes | XMLRefused]]:
    """(domain name, inactive XML) for each defined domain of ``uri``, sorted by name; a domain
    whose XML cannot be fetched (undefined meanwhile, too large) yields an :class:`XMLRefused`
    in place of the XML, and the listing goes on. The connection is opened (and checked) at the
    first step and closed at the end."""
    lv = lv or binding()
    conn = open_readonly(uri, lv)
    try:
        try:
            domains = conn.listAllDomains(lv.VIR_CONNECT_LIST_DOMAINS_PERSISTENT)
        except lv.libvirtError as exc:
            raise ConnectError(f"cannot list the domains of {display(uri)!r}: {_message(exc)}") from None
        named = sorted(((_name(d, lv), d) for d in domains), key=lambda nd: nd[0])
        for name, dom in named:
            try:
                text = dom.XMLDesc(lv.VIR_DOMAIN_XML_INACTIVE)
            except lv.libvirtError as exc:
                yield name, XMLRefused("unreadable", name, f"libvirt gave no inactive XML: {_message(exc)}")
                continue
            data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
            if len(data) > MAX_BYTES:
                yield name, XMLRefused("too-large", name, f"{len(data)} bytes, more than {MAX_BYTES}")
                continue
            yield name, data
    finally:
        try:
            conn.close()
        except lv.libvirtError:
            pass


def _name(dom: Any, lv: ModuleType) -> str:
    """A domain's name as a label (its UUID when the name cannot be had)."""
    try:
        return str(dom.name())
    except lv.libvirtError:
        return str(dom.UUIDString())


def scan(uri: str, **kwargs: Any) -> FleetScan:
    """:func:`pcidesign.analysis.fleet.scan_documents` over the defined domains of ``uri``
    (:func:`documents`); ``kwargs`` are its (timeline, targets, schemes, source, direction ...).
    The binding and the URI are checked before any analysis starts."""
    lv = binding()
    open_readonly(uri, lv).close()  # a URI that cannot be opened fails here, before the arguments' checks run
    return scan_documents(documents(uri, lv), uri, read_from="libvirt", **kwargs)


__all__ = ["INSTALL_HINT", "ConnectError", "binding", "documents", "open_readonly", "scan"]
