"""The registry of schemes: :class:`Scheme` and the functions that add and find them.

The built-in schemes live in :mod:`pcidesign.schemes` and register themselves when
``pcidesign`` is imported; a scheme of your own is registered with :func:`register`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
import re
from dataclasses import dataclass, field

from pcidesign.model.catalog import _NAME as _CATALOG_NAME
from pcidesign.model.catalog import Catalog, Host, Key
from pcidesign.model.dialect import Dialect, LegacyDialect
from pcidesign.model.errors import SchemeError, UnknownNameError
from pcidesign.model.setting import DEFAULT as DEFAULT_SETTING
from pcidesign.model.setting import Setting

_NAME = re.compile(_CATALOG_NAME.pattern.replace("+", ""))
"""A scheme id: a catalog name (see :mod:`pcidesign.model.catalog`) without '+', which joins a
variant's policies."""
MAX_ID = 64

PCI_KIND = "pci-controller"
"""The first device kind, and the one every listing shows unless told another (the schemes of the
June 2015 thread)."""


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
    fill: str | None = None
    """The fill policy of a variant (None: the scheme's own rule)."""
    migratable: str | None = None
    """The MIGRATABLE policy of a variant (None: the scheme's own rule)."""
    base: str = ""
    """The plain scheme id of a variant (empty for a scheme itself)."""
    short: str = ""
    """The thread's own name for the proposal (``Idea 3``, ``what shipped``): what a reader of the
    thread calls it. Empty: :attr:`title` stands in."""
    kind: str = PCI_KIND
    """The device kind whose elements the scheme names (:mod:`pcidesign.model.kinds`): the listings
    (:func:`all_schemes`, :func:`scheme_ids`, ...) show one kind's schemes at a time."""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not (_NAME.match(self.base or self.id) and len(self.id) <= MAX_ID) \
                or ("+" in self.id) != bool(self.base):
            raise SchemeError(f"scheme id {self.id!r}: a name of up to {MAX_ID} characters, a letter or digit "
                              "then letters, digits and . _ - (no spaces, '+' or control characters)")
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
    def policies(self) -> dict[str, tuple[str, ...]]:
        """The policies a variant of this scheme may choose, with their values: a scheme that
        fills a device in takes both; one with a bare form (``Dialect.bare_form``: Idea 3's
        ``subType='CLASS'`` without a device) takes the fill policy; one whose spellings fix the
        device takes none."""
        if self.fills:
            return {"fill": FILL_POLICIES, "migratable": MIGRATABLE_POLICIES}
        if self.dialect_class.bare_form:
            return {"fill": FILL_POLICIES}
        return {}

    @property
    def policy_defaults(self) -> dict[str, str]:
        """The policy values that change nothing, dropped from a variant's id: ``migratable=keep``
        (MIGRATABLE XML is then what :meth:`~pcidesign.model.dialect.Dialect.format` gives, the
        scheme's own rule) and the fill policy the scheme's own rule amounts to, if any
        (:attr:`~pcidesign.model.dialect.Dialect.own_fill`)."""
        if not self.fills:
            return {}
        own = self.dialect_class.own_fill
        return {"migratable": "keep", **({"fill": own} if own in FILL_POLICIES else {})}

    @property
    def name(self) -> str:
        """What a reader calls this scheme or variant: the thread's name and the variant's policies
        in words, e.g. ``what shipped, fill at define only`` (see :func:`name_of`)."""
        words = [POLICY_WORDS.get(("fill", self.fill), f"fill={self.fill}")] if self.fill else []
        if self.migratable:
            words.append(POLICY_WORDS.get(("migratable", self.migratable), f"migratable={self.migratable}"))
        return ", ".join([self.short or self.title or self.id] + words)

    @property
    def label(self) -> str:
        """The name with the id beside it: ``what shipped, fill at define only
        (model-subelement+fill=define-only)``; the id alone when the name adds nothing."""
        return self.id if self.name == self.id else f"{self.name} ({self.id})"

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

    def dialect(self, host: Host, catalog: Catalog, setting: Setting = DEFAULT_SETTING) -> Dialect:
        """The dialect of this scheme at ``host`` under ``setting`` (libvirt's old one before adoption)."""
        return _dialect(self, host, catalog, model_setting(setting))


NOT_IN_MODEL: tuple[str, ...] = ("timeline", "scope", "pairing")
"""Axes no dialect reads: ``timeline`` only chooses which releases a question takes (a release
does the same on every timeline it is on), ``scope`` filters cells in the analyses, ``pairing``
picks the hosts (which a dialect already holds). Left at their defaults in a dialect's setting, so
that settings differing only there share dialects and every transition memoised on them: the
releases two timelines share are computed once."""


@functools.lru_cache(maxsize=1024)
def model_setting(setting: Setting) -> Setting:
    """``setting`` as a dialect sees it: the axes of :data:`NOT_IN_MODEL` at their defaults.
    Remembered per setting (settings are frozen and interned): every cell asks for it three times,
    and building a validated setting each time cost half of a sweep."""
    return setting.replace(**{a: DEFAULT_SETTING.as_dict()[a] for a in NOT_IN_MODEL})


@functools.lru_cache(maxsize=4096)
def _dialect(scheme: Scheme, host: Host, catalog: Catalog, setting: Setting) -> Dialect:
    if host.release.key < scheme.adopted_key(catalog):
        # before adoption, libvirt as it was (no policy either): one dialect for every scheme, so
        # what a release did before any scheme existed is computed once, not once per scheme
        return _legacy(host, catalog, setting, scheme.dialect_class.tracks_machine)
    d = scheme.dialect_class(host, catalog, setting)
    d.fill_policy, d.migratable_policy = scheme.fill, scheme.migratable
    if setting is not DEFAULT_SETTING:
        d.twin = _dialect(scheme, host, catalog, DEFAULT_SETTING)
    return d


@functools.lru_cache(maxsize=1024)
def _legacy(host: Host, catalog: Catalog, setting: Setting, tracks_machine: bool) -> Dialect:
    legacy = LegacyDialect(host, catalog, setting)
    legacy.tracks_machine = tracks_machine  # libvirt always saved the versioned machine
    if setting is not DEFAULT_SETTING:
        legacy.twin = _legacy(host, catalog, DEFAULT_SETTING, tracks_machine)
    return legacy


_REGISTRY: dict[str, Scheme] = {}
_LOADER: list[Callable[[], object]] = []
"""The function that registers the built-in and external schemes (set once by :func:`set_loader`
when ``pcidesign`` is imported; importing registers nothing, the first lookup loads)."""
_STATE = {"loaded": False, "loading": False}


def set_loader(loader: Callable[[], object]) -> None:
    """Name the function that registers the schemes; it runs at the first lookup (:func:`load`)."""
    _LOADER[:] = [loader]
    _STATE["loaded"] = False


def load() -> None:
    """Run the loader once (the built-ins, then the plugins of entry points and ``PCIDESIGN_SCHEMES``):
    every lookup calls this, so importing pcidesign registers nothing and a plugin is imported only
    when a scheme is first asked for."""
    if _STATE["loaded"] or _STATE["loading"] or not _LOADER:
        return
    _STATE["loading"] = True
    try:
        _LOADER[0]()
        _STATE["loaded"] = True
    finally:
        _STATE["loading"] = False


_OWNERS: dict[str, str] = {}
"""Who registered each id: ``a built-in scheme``, ``plugin 'MODULE'``, ``entry point 'NAME'``..."""
_REPLACED: dict[str, str] = {}
"""Ids whose first scheme a plugin replaced, as it declared (id -> the plugin)."""

IN_PROCESS = "pcidesign.register() in this process"


def register(scheme: Scheme, owner: str = IN_PROCESS, replaces: bool = False) -> Scheme:
    """Add ``scheme`` to the registry (replacing one with the same id) and return it.

    ``owner`` names who registers it (the plugin loader passes the plugin; see
    :mod:`pcidesign.schemes.loader`, which refuses an id taken by someone else unless the plugin
    declares it ``replaces`` it, and then :func:`replaced_by` names the plugin)."""
    if not isinstance(scheme, Scheme):
        raise SchemeError(f"register() takes a pcidesign Scheme, not {type(scheme).__name__}")
    load()  # the built-ins first, so that a user's scheme comes after them (or replaces one)
    previous = _OWNERS.get(scheme.id)
    if replaces and previous is not None and previous != owner:
        _REPLACED[scheme.id] = owner
    elif previous != owner:
        _REPLACED.pop(scheme.id, None)
    if _REGISTRY.get(scheme.id) is not scheme:
        _forget_variants(scheme.id)
    _REGISTRY[scheme.id] = scheme
    _OWNERS[scheme.id] = owner
    return scheme


def owner(scheme_id: str) -> str | None:
    """Who registered ``scheme_id`` (None when no scheme has that id)."""
    load()
    return _OWNERS.get(scheme_id) if scheme_id in _REGISTRY else None


def replaced_by(scheme_id: str) -> str | None:
    """The plugin that replaced the scheme first registered as ``scheme_id`` (None if none did)."""
    load()
    return _REPLACED.get(scheme_id)


def registered() -> dict[str, Scheme]:
    """A copy of the registry: id -> scheme."""
    load()
    return dict(_REGISTRY)


def restore(snapshot: dict[str, Scheme]) -> None:
    """Put the registry back as :func:`registered` saw it (ids added since are forgotten)."""
    for sid in [i for i in _REGISTRY if i not in snapshot]:
        del _REGISTRY[sid]
        _OWNERS.pop(sid, None)
        _REPLACED.pop(sid, None)
        _forget_variants(sid)
    for sid, scheme in snapshot.items():
        if _REGISTRY.get(sid) is not scheme:
            _forget_variants(sid)
        _REGISTRY[sid] = scheme


def _forget_variants(scheme_id: str) -> None:
    for key in [k for k, v in _VARIANTS.items() if (v.base or v.id) == scheme_id]:
        del _VARIANTS[key]


def clear() -> None:
    """Forget every registered scheme (a fresh registry: the next lookup runs the loader again)."""
    _STATE["loaded"] = False
    _REGISTRY.clear()
    _OWNERS.clear()
    _REPLACED.clear()
    _VARIANTS.clear()
    _dialect.cache_clear()
    _legacy.cache_clear()


def all_schemes(kind: str = PCI_KIND) -> tuple[Scheme, ...]:
    """Every registered scheme of device kind ``kind``, in registration order."""
    load()
    return tuple(s for s in _REGISTRY.values() if s.kind == kind)


def scheme_ids(kind: str = PCI_KIND) -> tuple[str, ...]:
    """The ids of every registered scheme of device kind ``kind``."""
    load()
    return tuple(i for i, s in _REGISTRY.items() if s.kind == kind)


FILL_POLICIES: tuple[str, ...] = ("current", "define-only", "never")
"""How a missing device is read: the host's default on every parse (libvirt from 1.3.5), the
host's default only at a user's define with the legacy device otherwise (the thread's rtl8139
rule), or always the legacy device, never written."""

MIGRATABLE_POLICIES: tuple[str, ...] = ("keep", "omit-legacy")
"""What MIGRATABLE XML sends: what is saved, or no device when it is the class's legacy one."""

POLICY_WORDS: dict[tuple[str, str], str] = {
    ("fill", "current"): "fill on every read",
    ("fill", "define-only"): "fill at define only",
    ("fill", "never"): "never fill",
    ("migratable", "keep"): "MIGRATABLE as saved",
    ("migratable", "omit-legacy"): "MIGRATABLE omits the legacy device",
}
"""Each policy value in the words a variant's name uses (:attr:`Scheme.name`)."""

_VARIANTS: dict[str, Scheme] = {}


def get(scheme_id: "str | Scheme") -> Scheme:
    """The scheme or variant ``scheme_id`` (a Scheme passes through), or an error listing the
    valid ids. A variant id is a scheme id followed by ``+fill=POLICY`` and/or
    ``+migratable=POLICY``, e.g. ``model-subelement+fill=define-only``."""
    if isinstance(scheme_id, Scheme):
        return scheme_id
    load()
    if not isinstance(scheme_id, str):
        raise UnknownNameError("scheme", scheme_id, _REGISTRY)
    if "+" in scheme_id:
        return variant(scheme_id)
    try:
        return _REGISTRY[scheme_id]
    except KeyError:
        raise UnknownNameError("scheme", scheme_id, _REGISTRY) from None


def variant(variant_id: str) -> Scheme:
    """The variant ``SCHEME+POLICY=VALUE...``: the scheme with those policies. Its id is canonical
    (see :func:`canonical_id`): policies in a fixed order (fill, then migratable), a policy's
    default dropped, so every spelling of one variant is one object (every cache keyed on it is
    shared), and a variant of only defaults is the scheme itself."""
    base_id, *parts = variant_id.split("+")
    base = get(base_id)
    key = f"{id(base)}:{variant_id}"
    cached = _VARIANTS.get(key)
    if cached is not None:
        return cached
    chosen: dict[str, str] = {}
    valid = base.policies
    for part in parts:
        name, eq, value = part.partition("=")
        if name not in valid:
            raise UnknownNameError("policy", name, [f"{n}=" for n in valid] or ["(none: "
                                   f"{base.id} fixes every device in its XML)"], f"variant {variant_id!r}")
        if not eq or value not in valid[name]:
            raise UnknownNameError(f"{name} policy", value, valid[name], f"variant {variant_id!r}")
        if name in chosen:
            raise UnknownNameError("policy", name, [n for n in valid if n not in chosen], f"variant {variant_id!r} "
                                   "(given twice)")
        chosen[name] = value
    defaults = base.policy_defaults
    chosen = {n: v for n, v in chosen.items() if defaults.get(n) != v}
    canonical = base.id + "".join(f"+{n}={chosen[n]}" for n in valid if n in chosen)
    if canonical == base.id:
        made = base
    else:
        made = _VARIANTS.get(f"{id(base)}:{canonical}") or Scheme(
            id=canonical, title=base.title, thread=base.thread, naming=base.naming, pros=base.pros, cons=base.cons,
            dialect_class=base.dialect_class, adopted=base.adopted, fill=chosen.get("fill"),
            migratable=chosen.get("migratable"), base=base.id, short=base.short, kind=base.kind)
        _VARIANTS[f"{id(base)}:{canonical}"] = made
    _VARIANTS[key] = made
    return made


def canonical_id(variant_id: "str | Scheme") -> str:
    """The one id of a scheme or variant however it is spelt: ``model-subelement+migratable=keep``
    is ``model-subelement``; ``X+migratable=omit-legacy+fill=never`` is ``X+fill=never+migratable=omit-legacy``."""
    return get(variant_id).id


def unique(variant_ids: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``variant_ids`` as canonical ids, each once (first come first), and a note for each
    variant given in more than one spelling (for the user to read)."""
    out: dict[str, list[str]] = {}
    for v in variant_ids:
        out.setdefault(canonical_id(v), []).append(v)
    notes = [f"{' and '.join(map(repr, dict.fromkeys(spellings)))} are one variant, {cid!r} (a policy's default "
             "is dropped, policies in a fixed order): counted once"
             for cid, spellings in out.items() if len(spellings) > 1]
    return tuple(out), tuple(notes)


def name_of(variant_id: "str | Scheme") -> str:
    """The name a reader knows a scheme or variant by (``Idea 3``, ``what shipped, fill at define
    only``): one function for every table, legend and figure label. Unknown ids raise as
    :func:`get` does."""
    return get(variant_id).name


def label_of(variant_id: "str | Scheme") -> str:
    """The name with the id beside it, e.g. ``Idea 1 (multiplex-model)``."""
    return get(variant_id).label


def variant_ids(extra: bool = True, kind: str = PCI_KIND) -> tuple[str, ...]:
    """Every registered scheme id of device kind ``kind`` and, with ``extra``, each of its
    single-policy variants (but those of a policy's default, which are the scheme itself)."""
    out: list[str] = []
    for s in all_schemes(kind):
        out.append(s.id)
        if extra:
            out += [f"{s.id}+{n}={v}" for n, values in s.policies.items() for v in values
                    if s.policy_defaults.get(n) != v]  # a default's variant is the scheme itself
    return tuple(out)



def default_variants(kind: str = PCI_KIND) -> tuple[str, ...]:
    """The variants a comparison shows unless told otherwise: every registered scheme as its
    proposer wrote it and, for each scheme that takes a fill policy (one that fills a device in,
    or has a bare form such as Idea 3's ``subType='CLASS'``), its ``+fill=define-only`` variant
    (the thread's rtl8139 rule: new defaults only for controllers a user newly defines)."""
    out: list[str] = []
    for s in all_schemes(kind):
        out.append(s.id)
        if "define-only" in s.policies.get("fill", ()):
            out.append(f"{s.id}+fill=define-only")
    return tuple(out)
