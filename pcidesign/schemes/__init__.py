"""The built-in schemes, one module per proposal of the June 2015 thread.

Each module defines a :class:`~pcidesign.model.dialect.Dialect` subclass and ``SCHEME``.
:func:`load_builtin` registers them (in the order of the table of docs/index.md#schemes); nothing is
registered at import: the registry (:mod:`pcidesign.model.registry`) runs
:func:`pcidesign.schemes.loader.load_all` at its first lookup.
"""

from __future__ import annotations

import importlib

from pcidesign.model.registry import Scheme, all_schemes, get, register, scheme_ids

BUILTIN = (
    "status_quo",
    "multiplex_model",
    "model_is_device",
    "implied_subtype",
    "written_subtype",
    "migratable_compat",
    "impl_attribute",
    "model_subelement",
    "machine_version",
)
"""The built-in scheme modules, in the order they are registered and shown."""

OWNER = "a built-in scheme"
"""The owner the registry records for the built-ins (a plugin needs ``REPLACES`` to take their ids)."""


KIND_PACKAGES = ("interface",)
"""The packages of the other device kinds' schemes (``SCHEMES`` in each), registered after the
PCI controllers' (:mod:`pcidesign.model.kinds`)."""


def load_builtin() -> tuple[Scheme, ...]:
    """Register every built-in scheme (again, replacing same ids), the PCI controllers' then the
    other kinds', and return them."""
    pci = [importlib.import_module(f"{__name__}.{name}").SCHEME for name in BUILTIN]
    others = [s for pkg in KIND_PACKAGES for s in importlib.import_module(f"{__name__}.{pkg}").SCHEMES]
    return tuple(register(s, owner=OWNER) for s in (*pci, *others))


__all__ = ["BUILTIN", "KIND_PACKAGES", "Scheme", "all_schemes", "get", "load_builtin", "register", "scheme_ids"]
