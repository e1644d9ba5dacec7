"""The registry of schemes: :class:`Scheme` and the functions that add and find them.

The built-in schemes live in :mod:`pcidesign.schemes` and register themselves when
``pcidesign`` is imported; a scheme of your own is registered with :func:`register`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from pcidesign.model.catalog import Catalog, Host, Key, version_key
from pcidesign.model.dialect import Dialect, LegacyDialect
from pcidesign.model.errors import UnknownNameError

@dataclass(frozen=True, eq=False)
class Scheme:
    """One proposal for naming a controller's implementation, with its case from the thread."""

    id: str
    title: str
    thread: str
    naming: str
    pros: tuple[str, ...]
    cons: tuple[str, ...]
    dialect_class: type[Dialect] = field(repr=False)
    adopted: str = "1.2.19"

    @property
    def adopted_key(self) -> Key:
        """The release order key from which the scheme's own dialect applies."""
        return version_key(self.adopted)

    @property
    def fills(self) -> bool:
        """Whether the scheme fills a missing device in and saves it."""
        return self.dialect_class.fills

    def dialect(self, host: Host, catalog: Catalog) -> Dialect:
        """The dialect of this scheme at ``host`` (libvirt's old one before adoption)."""
        return _dialect(self, host, catalog)


@functools.lru_cache(maxsize=4096)
def _dialect(scheme: Scheme, host: Host, catalog: Catalog) -> Dialect:
    cls = scheme.dialect_class if host.release.key >= scheme.adopted_key else LegacyDialect
    return cls(host, catalog)


_REGISTRY: dict[str, Scheme] = {}


def register(scheme: Scheme) -> Scheme:
    """Add ``scheme`` to the registry (replacing one with the same id) and return it."""
    _REGISTRY[scheme.id] = scheme
    return scheme


def all_schemes() -> tuple[Scheme, ...]:
    """Every registered scheme, in registration order."""
    return tuple(_REGISTRY.values())


def scheme_ids() -> tuple[str, ...]:
    """The ids of every registered scheme."""
    return tuple(_REGISTRY)


def get(scheme_id: "str | Scheme") -> Scheme:
    """The scheme ``scheme_id`` (a Scheme passes through), or an error listing the valid ids."""
    if isinstance(scheme_id, Scheme):
        return scheme_id
    try:
        return _REGISTRY[scheme_id]
    except KeyError:
        raise UnknownNameError("scheme", scheme_id, _REGISTRY) from None

