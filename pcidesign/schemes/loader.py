"""Schemes from outside the package: entry points, module names and files, loaded everywhere.

A scheme of your own reaches every part of pcidesign (CLI, report, notebook kernels, papermill
runs) in one of three ways, all read when ``pcidesign`` is imported:

* an installed package declaring an entry point in the group ``pcidesign.schemes``
  (``[project.entry-points."pcidesign.schemes"] my-scheme = "my_pkg.my_scheme:SCHEME"``);
* the environment variable ``PCIDESIGN_SCHEMES``: module names or ``.py`` files, separated by
  ``os.pathsep`` or commas; child processes (report workers, Jupyter kernels) inherit it;
* ``pcidesign --scheme-module MODULE_OR_FILE``, which loads it and adds it to that variable for
  the processes the command starts.

A module provides ``SCHEME`` (one :class:`~pcidesign.model.registry.Scheme`) or ``SCHEMES``
(several, each id once). Importing ``pcidesign`` never fails because of a plugin: a failure is
remembered and :func:`check` raises it (the CLI exits 2, a notebook's parameter check fails, the
report refuses to start). A plugin is refused, naming it, when importing it raises or exits
(``sys.exit`` included), when it gives no scheme, gives one id twice, registers schemes itself at
import (with :func:`pcidesign.register`) instead of listing them, or gives an id that a built-in
scheme or another plugin already has.

A plugin that means to replace a scheme says so with a module-level set of the ids it replaces::

    REPLACES = {"model-subelement"}
    SCHEME = Scheme(id="model-subelement", ...)

Then its scheme takes the id's place, and every listing names the replacement (``pcidesign
schemes`` shows ``replaced by MODULE``; see :func:`pcidesign.model.registry.replaced_by`). An id
in ``REPLACES`` that the module does not give, or that no one had before, is refused too.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from pcidesign.model import registry
from pcidesign.model.errors import SchemeError
from pcidesign.model.registry import Scheme

ENV = "PCIDESIGN_SCHEMES"
GROUP = "pcidesign.schemes"

T = TypeVar("T")

_FAILURES: dict[str, str] = {}
_LOADED: dict[str, tuple[tuple[Scheme, ...], frozenset[str], str]] = {}
"""Each plugin loaded: its schemes, the ids it declares it replaces, and its owner label."""
_MODULES: set[str] = set()
"""The names of the modules plugins were imported as (to tell a plugin's error from pcidesign's)."""


def specs_from_env(value: str | None = None) -> list[str]:
    """The module names and files listed in ``PCIDESIGN_SCHEMES`` (or ``value``), in order."""
    text = os.environ.get(ENV, "") if value is None else value
    return [s.strip() for s in re.split(rf"[,{re.escape(os.pathsep)}]", text) if s.strip()]


def _is_file(spec: str) -> bool:
    return spec.endswith(".py") or os.sep in spec or "/" in spec


def _key(spec: str) -> str:
    """One key per plugin however it is spelled (a file by its absolute path)."""
    return str(Path(spec).expanduser().resolve()) if _is_file(spec) else spec


def _guarded(where: str, action: Callable[[], T]) -> T:
    """Run a plugin's code (its import): any failure, ``sys.exit`` included, is a SchemeError
    naming ``where``; only Ctrl-C goes through."""
    try:
        return action()
    except SchemeError as exc:
        raise SchemeError(f"{where}: {exc}") from None
    except KeyboardInterrupt:
        raise
    except SystemExit as exc:
        raise SchemeError(f"{where} cannot be loaded: it exits at import (sys.exit({exc.code!r}))") from None
    except BaseException as exc:  # noqa: BLE001 - the plugin's own code: say which and how, not a traceback
        raise SchemeError(f"{where} cannot be loaded: {type(exc).__name__}: {exc}") from None


def _import(spec: str) -> ModuleType:
    if _is_file(spec):
        path = Path(spec).expanduser().resolve()
        if not path.is_file():
            raise SchemeError(f"scheme module {spec!r}: no such file")
        name = f"pcidesign_plugin_{re.sub(r'[^0-9A-Za-z_]', '_', path.stem)}"
        loader_spec = importlib.util.spec_from_file_location(name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise SchemeError(f"scheme module {spec!r}: not a Python file")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[name] = module
        _MODULES.add(name)
        run = loader_spec.loader.exec_module
        _guarded(f"scheme module {spec!r}", lambda: run(module))
        return module
    _MODULES.add(spec)
    return _guarded(f"scheme module {spec!r}", lambda: importlib.import_module(spec))


def _schemes_of(obj: object, where: str) -> tuple[Scheme, ...]:
    if isinstance(obj, Scheme):
        return (obj,)
    if isinstance(obj, ModuleType):
        found = getattr(obj, "SCHEMES", None)
        if found is None:
            found = getattr(obj, "SCHEME", None)
        if found is None:
            raise SchemeError(f"scheme module {where!r} defines neither SCHEME nor SCHEMES")
        if isinstance(found, Scheme):
            return (found,)
        if isinstance(found, (tuple, list)):
            return tuple(s for item in found for s in _schemes_of(item, where))
        obj = found
    raise SchemeError(f"{where!r} gives {type(obj).__name__}, not a pcidesign Scheme")


def _replaces(module: object, where: str) -> frozenset[str]:
    """The ids a plugin module declares it replaces (``REPLACES``), checked."""
    value = getattr(module, "REPLACES", None) if isinstance(module, ModuleType) else None
    if value is None:
        return frozenset()
    if isinstance(value, str) or not isinstance(value, (set, frozenset, list, tuple)) or \
            not all(isinstance(v, str) for v in value):
        raise SchemeError(f"{where}: REPLACES must be a set of scheme ids, not {value!r}")
    return frozenset(value)


def _admit(schemes: tuple[Scheme, ...], replaces: frozenset[str], owner: str, where: str) -> None:
    """Refuse a plugin's schemes that give nothing, give one id twice or take a taken id."""
    if not schemes:
        raise SchemeError(f"{where} gives no scheme (SCHEMES is empty)")
    ids = [s.id for s in schemes]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise SchemeError(f"{where} gives scheme id(s) {', '.join(map(repr, twice))} more than once")
    unused = sorted(replaces - set(ids))
    if unused:
        raise SchemeError(f"{where} declares REPLACES {', '.join(map(repr, unused))} but gives no such scheme")
    for s in schemes:
        taken_by = registry.owner(s.id)
        if taken_by is None:
            if s.id in replaces:
                raise SchemeError(f"{where} declares it REPLACES {s.id!r}, but no scheme has that id")
            continue
        if taken_by == owner:
            continue
        if s.id not in replaces:
            raise SchemeError(
                f"{where} gives scheme id {s.id!r}, already taken by {taken_by}; choose another id, or "
                f"declare REPLACES = {{{s.id!r}}} in the module to replace it")


def _register(schemes: tuple[Scheme, ...], replaces: frozenset[str], owner: str) -> tuple[Scheme, ...]:
    for s in schemes:
        registry.register(s, owner=owner, replaces=s.id in replaces)
    return schemes


def load(spec: str) -> tuple[Scheme, ...]:
    """Import a module name or ``.py`` file and register its schemes (SchemeError on failure)."""
    registry.load()  # the built-ins and the environment's plugins first, as a fresh process has them
    key = _key(spec)
    if key in _LOADED:
        schemes, replaces, owner = _LOADED[key]
        _admit(schemes, replaces, owner, f"scheme module {spec!r}")
        return _register(schemes, replaces, owner)
    owner = f"plugin {spec!r}"
    where = f"scheme module {spec!r}"
    before = dict(registry.registered())
    module = _import(spec)
    _unregister_changes(before, where)
    schemes = _schemes_of(module, spec)
    replaces = _replaces(module, where)
    _admit(schemes, replaces, owner, where)
    _LOADED[key] = (schemes, replaces, owner)
    return _register(schemes, replaces, owner)


def _unregister_changes(before: dict[str, Scheme], where: str) -> None:
    """Undo what a plugin registered itself while importing, and refuse it if it did."""
    now = registry.registered()
    changed = sorted(i for i, s in now.items() if before.get(i) is not s)
    if changed:
        registry.restore(before)
        raise SchemeError(f"{where} registers scheme(s) {', '.join(map(repr, changed))} itself at import; "
                          "list them in SCHEME or SCHEMES instead (and declare REPLACES to replace one)")


def _entry_points() -> list[metadata.EntryPoint]:
    return sorted(metadata.entry_points(group=GROUP), key=lambda ep: ep.name)


def _load_entry_point(ep: metadata.EntryPoint) -> tuple[Scheme, ...]:
    where = f"entry point {ep.name} = {ep.value}"
    owner = f"entry point {ep.name!r}"
    before = dict(registry.registered())
    obj = _guarded(where, ep.load)
    _unregister_changes(before, where)
    module = sys.modules.get(ep.module)
    if module is not None:
        _MODULES.add(ep.module)
    schemes = _schemes_of(obj, where)
    replaces = _replaces(module, where)
    _admit(schemes, replaces, owner, where)
    return _register(schemes, replaces, owner)


def load_all() -> tuple[Scheme, ...]:
    """Register the built-in schemes, then the external ones (entry points, ``PCIDESIGN_SCHEMES``;
    a plugin that fails is remembered for :func:`check`). The registry runs this at its first
    lookup (:func:`pcidesign.model.registry.load`), not at import."""
    from pcidesign import schemes as builtin

    return builtin.load_builtin() + load_external()


def load_external() -> tuple[Scheme, ...]:
    """Register every scheme from entry points and ``PCIDESIGN_SCHEMES``; remember failures."""
    got: list[Scheme] = []
    for ep in _entry_points():
        try:
            got += _load_entry_point(ep)
        except SchemeError as exc:
            _FAILURES[f"entry point {ep.name}"] = str(exc)
    for spec in specs_from_env():
        try:
            got += load(spec)
        except SchemeError as exc:
            _FAILURES[spec] = str(exc)
    return tuple(got)


def add_to_env(spec: str) -> None:
    """Load ``spec`` now and list it in ``PCIDESIGN_SCHEMES`` for the processes started later
    (a file as an absolute path, so that a kernel in another folder finds it)."""
    load(spec)
    entry = _key(spec)
    listed = specs_from_env()
    if entry not in listed:
        os.environ[ENV] = os.pathsep.join(listed + [entry])
    if not _is_file(spec):
        # a module found through the current sys.path: let children find it the same way
        origin = getattr(sys.modules.get(spec), "__file__", None)
        if origin:
            root = Path(origin).resolve().parents[spec.count(".")]
            paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
            prefix = Path(sys.prefix).resolve()
            if str(root) not in paths and prefix not in root.parents:
                os.environ["PYTHONPATH"] = os.pathsep.join(paths + [str(root)])


def failures() -> dict[str, str]:
    """Plugins that failed to load: spec -> the reason."""
    registry.load()
    return dict(_FAILURES)


def check() -> None:
    """Raise :class:`SchemeError` if a plugin failed to load (the first, with a count of others)."""
    registry.load()
    if _FAILURES:
        first = next(iter(_FAILURES.values()))
        more = f" (and {len(_FAILURES) - 1} more)" if len(_FAILURES) > 1 else ""
        raise SchemeError(first + more)


def plugin_of(exc: BaseException) -> str | None:
    """The plugin module whose code raised ``exc`` (its innermost such frame), or None when
    the error did not pass through a plugin's code."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_globals.get("__name__", "")
        if isinstance(name, str) and any(name == m or name.startswith(m + ".") for m in _MODULES):
            found = name
        tb = tb.tb_next
    if found is None:
        return None
    module = sys.modules.get(found)
    return str(getattr(module, "__file__", None) or found)


def replacements() -> dict[str, str]:
    """The registered ids a plugin replaced (as it declared with ``REPLACES``): id -> the plugin."""
    return {i: by for i in registry.scheme_ids() if (by := registry.replaced_by(i)) is not None}


def reset() -> None:
    """The registry as a fresh process has it: built-in schemes, then the external ones."""
    registry.clear()
    _FAILURES.clear()
    registry.load()
