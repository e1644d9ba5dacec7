"""pcidesign: simulate libvirt PCI controller naming schemes across releases.

The public API, the same the CLI and the notebooks use::

    import pcidesign
    pcidesign.matrix("model-subelement", "restart", timeline="whatif")
    print(pcidesign.explanation(pcidesign.run("model-subelement", "restart",
                                              "pcie-root-port", "1.2.19", "3.2.0")))
"""

from __future__ import annotations

import pcidesign.schemes  # noqa: F401  (registers the built-in schemes)
from pcidesign.schemes import loader as _loader
from pcidesign.model.catalog import DEFAULT_TIMELINE, Catalog, Host, Intent, Release
from pcidesign.model.catalog import load as load_catalog
from pcidesign.model.engine import Result, Roundtrip, Step, roundtrip, run
from pcidesign.model.errors import DataError, PcidesignError, UnknownNameError, XMLInputError
from pcidesign.model.registry import Scheme, all_schemes, label_of, name_of, register, scheme_ids
from pcidesign.model.registry import get as get_scheme
from pcidesign.model.scenarios import Scenario, scenario_ids
from pcidesign.model.setting import AXES, Setting
from pcidesign.model.scenarios import get as get_scenario
from pcidesign.model.vocab import BY_SEVERITY, Hop, Outcome
from pcidesign.render.text import explanation

__version__ = "0.1.0"

_loader.load_external()  # entry points and PCIDESIGN_SCHEMES; failures are kept for check()


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
    "XMLInputError", "all_schemes", "explanation", "get_scenario", "get_scheme", "label_of", "load_catalog", "matrix",
    "name_of", "register", "reset", "roundtrip", "run", "scenario_ids", "scheme_ids", "sweep",
]
