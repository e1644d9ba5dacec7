"""The registry of schemes: :class:`Scheme` and the functions that add and find them.

The built-in schemes live in :mod:`pcidesign.schemes` and register themselves when
``pcidesign`` is imported; a scheme of your own is registered with :func:`register`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from pcidesign.model.catalog import Catalog, Host, Key
from pcidesign.model.dialect import Dialect, LegacyDialect
from pcidesign.model.errors import SchemeError, UnknownNameError


@dataclass(frozen=True, eq=False)
class Scheme:
    """One proposal for naming a controller's implementation, with its case from the thread.

    ``dialect_class`` is a concrete :class:`~pcidesign.model.dialect.Dialect` subclass;
    ``adopted`` is the id of the release (a version such as ``1.2.19``, or a hypothetical
    release such as ``H1``) from which the scheme's own dialect applies; before it, every
    scheme behaves as libvirt did then. Example::

        SCHEME = Scheme(
            id="impl-attr", title="model = class, impl = device", thread="my proposal",
            naming="model = class, attribute impl='DEVICE'",
            pros=("old configs keep loading",), cons=("old releases drop the attribute",),
            dialect_class=Impl,
        )
    """

    id: str
    title: str
    thread: str
    naming: str
    pros: tuple[str, ...]
    cons: tuple[str, ...]
    dialect_class: type[Dialect] = field(repr=False)
    adopted: str = "1.2.19"

    def __post_init__(self) -> None:
        if not self.id or not isinstance(self.id, str) or self.id != self.id.strip() or "+" in self.id:
            raise SchemeError(f"scheme id {self.id!r}: a non-empty name without spaces at its ends or '+'")
        if not (isinstance(self.dialect_class, type) and issubclass(self.dialect_class, Dialect)):
            raise SchemeError(f"scheme {self.id!r}: dialect_class must be a Dialect subclass, "
                              f"not {self.dialect_class!r}")
        missing = sorted(getattr(self.dialect_class, "__abstractmethods__", ()))
        if missing:
            raise SchemeError(f"scheme {self.id!r}: {self.dialect_class.__name__} must define "
                              f"{', '.join(missing)} (see pcidesign.model.dialect.Dialect)")
        for name in ("pros", "cons"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise SchemeError(f"scheme {self.id!r}: {name} must be a tuple of sentences, not {value!r}")
            object.__setattr__(self, name, tuple(value))

    @property
    def fills(self) -> bool:
        """Whether the scheme fills a missing device in and saves it (it overrides ``fill_on``)."""
        return self.dialect_class.fill_on is not Dialect.fill_on

    def adopted_key(self, catalog: Catalog) -> Key:
        """The release order key from which the scheme's own dialect applies."""
        try:
            return catalog.release(self.adopted).key
        except UnknownNameError as exc:
            raise UnknownNameError("release", self.adopted, exc.valid, f"scheme {self.id!r} (adopted)") from None

    def dialect(self, host: Host, catalog: Catalog) -> Dialect:
        """The dialect of this scheme at ``host`` (libvirt's old one before adoption)."""
        return _dialect(self, host, catalog)


@functools.lru_cache(maxsize=4096)
def _dialect(scheme: Scheme, host: Host, catalog: Catalog) -> Dialect:
    cls = scheme.dialect_class if host.release.key >= scheme.adopted_key(catalog) else LegacyDialect
    return cls(host, catalog)


_REGISTRY: dict[str, Scheme] = {}


def register(scheme: Scheme) -> Scheme:
    """Add ``scheme`` to the registry (replacing one with the same id) and return it."""
    _REGISTRY[scheme.id] = scheme
    return scheme


def clear() -> None:
    """Forget every registered scheme (a fresh registry; the built-ins register again on load)."""
    _REGISTRY.clear()
    _dialect.cache_clear()


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

