"""What a report computes once per timeline, for every artefact that shows it.

A report's notebook 03 (the Pareto front, the grids, the scorecards) and its front page (the
HTML grids, the Pareto views) show the same sweep and the same comparison. :func:`compute` runs
them once per timeline in the report's own process; :meth:`Results.save` writes them next to the
run, the notebooks read them back with :func:`load` (their ``results`` parameter), and the front
page uses the objects directly. A notebook run by hand, without that parameter, computes its own.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pcidesign.analysis import compare as _compare
from pcidesign.analysis import matrices
from pcidesign.model import autoadd
from pcidesign.model.catalog import Catalog, load as load_catalog
from pcidesign.model.errors import PcidesignError
from pcidesign.model.setting import SCOPES, Setting

FORMAT = 1
"""The version of the saved form (a file of another version is refused, not misread)."""


@dataclass(frozen=True)
class Results:
    """The sweep (every cell, scope ``all``) and the comparison of one timeline under one setting."""

    setting: Setting
    variants: tuple[str, ...]
    scenarios: tuple[str, ...]
    policy: str
    sweep: pd.DataFrame
    comparison: _compare.Comparison
    naming: pd.Series
    """True for the sweep's rows in scope ``naming`` (same index as :attr:`sweep`)."""

    def answers(self, variants: Sequence[str], setting: Setting, policy: str) -> bool:
        """Whether these results are those of ``variants`` under ``setting`` (any scope) and ``policy``."""
        return (tuple(variants) == self.variants and policy == self.policy
                and setting.replace(scope=self.setting.scope) == self.setting)

    def holds(self, variant: str, scenario: str, setting: Setting) -> bool:
        """Whether these results hold the matrix of ``variant`` and ``scenario`` under ``setting``."""
        from pcidesign.model import registry

        return (registry.get(variant).id in self.variants and scenario in self.scenarios
                and setting.replace(scope=self.setting.scope) == self.setting)

    def matrix(self, variant: str, scenario: str, scope: str = "all") -> pd.DataFrame:
        """The matrix of ``variant`` and ``scenario`` in ``scope``: the rows
        :func:`pcidesign.analysis.matrix` computes for every intent and release."""
        from pcidesign.model import registry

        frame = self.cells(scope, [scenario])
        out = frame[frame["scheme"].astype(str) == registry.get(variant).id].reset_index(drop=True)
        out.attrs.update(frame.attrs)
        return out

    def cells(self, scope: str = "naming", scenarios: Sequence[str] | None = None) -> pd.DataFrame:
        """The sweep's rows in ``scope`` (``all`` or ``naming``), for ``scenarios`` (all by default)."""
        if scope not in SCOPES:
            from pcidesign.model.errors import UnknownNameError

            raise UnknownNameError("scope", scope, SCOPES)
        frame = self.sweep if scope == "all" else self.sweep[self.naming]
        if scenarios:
            frame = frame[frame["scenario"].astype(str).isin(list(scenarios))]
        out = frame.reset_index(drop=True)
        out.attrs.update(self.sweep.attrs)
        out.attrs["setting"] = self.setting.replace(scope=scope)
        return out

    def save(self, path: str | Path) -> Path:
        """Write the results to ``path`` (a pickle of this object, with :data:`FORMAT`)."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        with p.open("wb") as f:
            pickle.dump((FORMAT, self), f, protocol=pickle.HIGHEST_PROTOCOL)
        return p


class ResultsError(PcidesignError):
    """A results file that cannot be read (missing, another format)."""


def load(path: str | Path) -> Results:
    """The results :meth:`Results.save` wrote to ``path`` (only files the report wrote itself are
    read: a pickle runs code, so never point this at a file from elsewhere)."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            version, results = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise ResultsError(f"cannot read the results file {p}: {exc}") from None
    if version != FORMAT or not isinstance(results, Results):
        raise ResultsError(f"{p} holds results of format {version!r}, not {FORMAT}: run the report again")
    return results


def naming_mask(frame: pd.DataFrame, catalog: Catalog) -> pd.Series:
    """True for the rows of a matrix frame whose cell is in scope ``naming`` (the intent known at
    both releases), asked once per distinct (intent, from, to)."""
    keys = list(zip(frame["intent"].astype(str), frame["from"].astype(str), frame["to"].astype(str)))
    known: dict[tuple[str, str, str], bool] = {}
    for k in dict.fromkeys(keys):
        it = catalog.intent(k[0])
        known[k] = autoadd.in_naming_scope(catalog, it, catalog.release(k[1]), catalog.release(k[2]))
    return pd.Series([known[k] for k in keys], index=frame.index, dtype=bool)


def compute(variants: Sequence[str], scenarios: Sequence[str] | None, setting: Setting,
            policy: str = _compare.DEFAULT_POLICY, catalog: Catalog | None = None) -> Results:
    """The sweep of ``variants`` x ``scenarios`` (all when None) on ``setting``'s timeline, every
    cell, and the comparison against ``policy``: once, for every artefact of a report."""
    cat = catalog or load_catalog()
    st = setting.replace(scope=SCOPES[0])
    frame = matrices.sweep(list(variants), list(scenarios) if scenarios else None, catalog=cat, setting=st)
    comparison = _compare.compare(list(variants), None, policy, cat, st)
    scns = tuple(scenarios) if scenarios else tuple(dict.fromkeys(frame["scenario"].astype(str)))
    return Results(st, tuple(variants), scns, policy, frame, comparison, naming_mask(frame, cat))
