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
(several). Importing ``pcidesign`` never fails because of a plugin: a failure is remembered and
:func:`check` raises it (the CLI exits 2, a notebook's parameter check fails, the report refuses
to start).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from importlib import metadata
from pathlib import Path
from types import ModuleType

from pcidesign.model import registry
from pcidesign.model.errors import SchemeError
from pcidesign.model.registry import Scheme

ENV = "PCIDESIGN_SCHEMES"
GROUP = "pcidesign.schemes"

_FAILURES: dict[str, str] = {}
_LOADED: dict[str, tuple[Scheme, ...]] = {}


def specs_from_env(value: str | None = None) -> list[str]:
    """The module names and files listed in ``PCIDESIGN_SCHEMES`` (or ``value``), in order."""
    text = os.environ.get(ENV, "") if value is None else value
    return [s.strip() for s in re.split(rf"[,{re.escape(os.pathsep)}]", text) if s.strip()]


def _is_file(spec: str) -> bool:
    return spec.endswith(".py") or os.sep in spec or "/" in spec


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
        loader_spec.loader.exec_module(module)
        return module
    return importlib.import_module(spec)


def _schemes_of(obj: object, where: str) -> tuple[Scheme, ...]:
    if isinstance(obj, Scheme):
        return (obj,)
    if isinstance(obj, ModuleType):
        found = getattr(obj, "SCHEMES", None) or getattr(obj, "SCHEME", None)
        if found is None:
            raise SchemeError(f"scheme module {where!r} defines neither SCHEME nor SCHEMES")
        if isinstance(found, Scheme):
            return (found,)
        if isinstance(found, (tuple, list)):
            return tuple(s for item in found for s in _schemes_of(item, where))
        obj = found
    raise SchemeError(f"{where!r} gives {type(obj).__name__}, not a pcidesign Scheme")


def load(spec: str) -> tuple[Scheme, ...]:
    """Import a module name or ``.py`` file and register its schemes (SchemeError on failure)."""
    if spec in _LOADED:
        return tuple(registry.register(s) for s in _LOADED[spec])
    try:
        module = _import(spec)
    except SchemeError:
        raise
    except Exception as exc:  # the plugin's own code failed: say which and how, not a traceback
        raise SchemeError(f"scheme module {spec!r} cannot be loaded: {type(exc).__name__}: {exc}") from None
    schemes = _schemes_of(module, spec)
    _LOADED[spec] = schemes
    return tuple(registry.register(s) for s in schemes)


def _entry_points() -> list[metadata.EntryPoint]:
    return sorted(metadata.entry_points(group=GROUP), key=lambda ep: ep.name)


def load_external() -> tuple[Scheme, ...]:
    """Register every scheme from entry points and ``PCIDESIGN_SCHEMES``; remember failures."""
    got: list[Scheme] = []
    for ep in _entry_points():
        try:
            got += _schemes_of(ep.load(), f"entry point {ep.name} = {ep.value}")
        except SchemeError as exc:
            _FAILURES[f"entry point {ep.name}"] = str(exc)
        except Exception as exc:
            _FAILURES[f"entry point {ep.name}"] = (f"entry point {ep.name} = {ep.value} cannot be loaded: "
                                                  f"{type(exc).__name__}: {exc}")
    for s in got:
        registry.register(s)
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
    entry = str(Path(spec).expanduser().resolve()) if _is_file(spec) else spec
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
    return dict(_FAILURES)


def check() -> None:
    """Raise :class:`SchemeError` if a plugin failed to load (the first, with a count of others)."""
    if _FAILURES:
        first = next(iter(_FAILURES.values()))
        more = f" (and {len(_FAILURES) - 1} more)" if len(_FAILURES) > 1 else ""
        raise SchemeError(first + more)


def reset() -> None:
    """The registry as a fresh process has it: built-in schemes, then the external ones."""
    from pcidesign import schemes as builtin

    registry.clear()
    builtin.load_builtin()
    _FAILURES.clear()
    load_external()
