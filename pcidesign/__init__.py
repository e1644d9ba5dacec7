"""pcidesign: simulate libvirt PCI controller naming schemes across releases.

The public API, the same the CLI and the notebooks use::

    import pcidesign
    pcidesign.matrix("model-subelement", "restart", timeline="whatif")
    print(pcidesign.explanation(pcidesign.run("model-subelement", "restart",
                                              "pcie-root-port", "1.2.19", "3.2.0")))
"""

from __future__ import annotations

import os as _os
import signal as _signal
import sys as _sys


def _is_command() -> bool:
    """Whether this process is the ``pcidesign`` command (the console script or ``python -m
    pcidesign.cli``), not a library user such as a notebook kernel."""
    argv = list(getattr(_sys, "orig_argv", ()))
    if "-m" in argv[:-1] and argv[argv.index("-m") + 1] in ("pcidesign.cli", "pcidesign"):
        return True
    return bool(_sys.argv) and _os.path.basename(_sys.argv[0]) == "pcidesign"


def _startup_signal(signum: int, _frame: object) -> None:
    """SIGTERM or SIGINT while the command is still importing: nothing was started or written
    yet, so one line and the shell's status (143, 130), with no traceback."""
    _os.write(2, f"pcidesign: interrupted by {_signal.Signals(signum).name} while starting\n".encode())
    _os._exit(128 + signum)


if _is_command():
    for _s in (_signal.SIGTERM, _signal.SIGINT):
        if _signal.getsignal(_s) is not _signal.SIG_IGN:  # a signal the shell has us ignore stays ignored
            _signal.signal(_s, _startup_signal)  # cli.main() puts its own handlers in place
    # a command that shares its work with workers starts their server now: it imports the
    # package while this process does, and the workers fork from it at once later
    from pcidesign.model import workerserver as _workerserver

    _workerserver.start_early(_sys.argv[1:])

from pcidesign.schemes import loader as _loader  # noqa: E402
from pcidesign.model.catalog import DEFAULT_TIMELINE, Catalog, Host, Intent, Release
from pcidesign.model.catalog import load as load_catalog
from pcidesign.model.engine import Result, Roundtrip, Step, roundtrip, run
from pcidesign.model.errors import DataError, PcidesignError, UnknownNameError, XMLInputError
from pcidesign.model import registry as _registry
from pcidesign.model.registry import Scheme, all_schemes, label_of, name_of, register, scheme_ids
from pcidesign.model.registry import get as get_scheme
from pcidesign.model.scenarios import Scenario, scenario_ids
from pcidesign.model.setting import AXES, Setting
from pcidesign.model.scenarios import get as get_scenario
from pcidesign.model.vocab import BY_SEVERITY, Hop, Outcome
from pcidesign.render.text import explanation

__version__ = "0.1.0"

# Nothing is registered at import: the first lookup of a scheme runs the loader (the built-ins,
# then entry points and PCIDESIGN_SCHEMES, whose failures are kept for loader.check()).
_registry.set_loader(_loader.load_all)


def load_schemes() -> tuple[Scheme, ...]:
    """Register the schemes now (the built-ins, then the plugins of entry points and
    ``PCIDESIGN_SCHEMES``) and return every registered one; a lookup does this by itself, so call
    it only to load plugins at a moment of your choosing (it raises the first plugin failure)."""
    _registry.load()
    _loader.check()
    return all_schemes()


def reset() -> None:
    """Pcidesign as a fresh process has it: no remembered transitions or results, and only the
    schemes that load (the built-ins, then the external ones). A warm report kernel calls this
    between two notebooks; call it after changing a scheme module in a running kernel."""
    from pcidesign.model import transitions as _transitions

    _loader.reset()
    _transitions.reset()


def matrix(scheme: str, scenario: str, timeline: str | None = None, intents=None, releases=None,  # type: ignore[no-untyped-def]
           scope: str | None = None, setting: Setting | None = None):
    """One row per (intent, from, to); see :func:`pcidesign.analysis.matrix`."""
    from pcidesign.analysis.matrices import matrix as _matrix

    return _matrix(scheme, scenario, timeline, intents, releases, scope=scope, setting=setting)


def sweep(schemes=None, scenarios=None, timeline: str | None = None, intents=None, releases=None,  # type: ignore[no-untyped-def]
          scope: str | None = None, setting: Setting | None = None):
    """Every matrix of the given schemes x scenarios; see :func:`pcidesign.analysis.sweep`."""
    from pcidesign.analysis.matrices import sweep as _sweep

    return _sweep(schemes, scenarios, timeline, intents, releases, scope=scope, setting=setting)


__all__ = [
    "AXES", "Setting", "BY_SEVERITY", "Catalog", "DEFAULT_TIMELINE", "DataError", "Hop", "Host", "Intent", "Outcome",
    "PcidesignError", "Release", "Result", "Roundtrip", "Scenario", "Scheme", "Step", "UnknownNameError",
    "XMLInputError", "all_schemes", "explanation", "get_scenario", "get_scheme", "label_of", "load_catalog", "load_schemes", "matrix",
    "name_of", "register", "reset", "roundtrip", "run", "scenario_ids", "scheme_ids", "sweep",
]
