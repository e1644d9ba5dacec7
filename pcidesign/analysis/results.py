"""What a report computes once per timeline, for every artefact that shows it.

A report's notebook 03 (the Pareto front, the grids, the scorecards) and its front page (the
HTML grids, the Pareto views) show the same sweep and the same comparison. :func:`compute` runs
them once per timeline in the report's own process; :meth:`Results.save` writes them next to the
run, the notebooks read them back with :func:`load` (their ``results`` parameter), and the front
page uses the objects directly. A notebook run by hand, without that parameter, computes its own.

Notebook 04 (one per variant) shows every scheme's multi-hop search beside its own variant's:
:func:`compute_explorations` runs those searches once per timeline (:class:`Explorations`), the
notebooks read them back with :func:`load_explorations` (their ``explorations`` parameter).
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pcidesign.analysis import compare as _compare
from pcidesign.analysis import matrices
from pcidesign.analysis import paths as _paths
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
    comparison: _compare.Comparison | None
    """None in a slice (:meth:`slices`): the comparison is of every variant."""
    naming: pd.Series
    """True for the sweep's rows in scope ``naming`` (same index as :attr:`sweep`)."""

    def answers(self, variants: Sequence[str], setting: Setting, policy: str) -> bool:
        """Whether these results are those of ``variants`` under ``setting`` (any scope) and ``policy``
        (never for a slice, which has no comparison)."""
        return (self.comparison is not None and tuple(variants) == self.variants and policy == self.policy
                and setting.replace(scope=self.setting.scope) == self.setting)

    def slices(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Results]:
        """For each (variant, scenario) of ``pairs`` these results hold, the results of that variant and
        scenario alone (its rows of the sweep, in their order; no comparison): what a notebook that
        shows one matrix reads (notebook 02), a file of a hundredth of the whole. A slice's
        :meth:`matrix` is the whole's, row for row."""
        from pcidesign.model import registry

        rows = self.sweep.groupby(["scheme", "scenario"], sort=False, observed=True).indices
        out: dict[tuple[str, str], Results] = {}
        for variant, scenario in pairs:
            vid = registry.get(variant).id
            at = rows.get((vid, scenario))
            if at is None:
                continue
            sweep = self.sweep.iloc[at]
            sweep.attrs = dict(self.sweep.attrs)
            out[(variant, scenario)] = Results(self.setting, (vid,), (scenario,), self.policy, sweep, None,
                                               self.naming.iloc[at])
        return out

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
        return _save(path, self)


class ResultsError(PcidesignError):
    """A results file that cannot be read (missing, another format)."""


def load(path: str | Path) -> Results:
    """The results :meth:`Results.save` wrote to ``path`` (only files the report wrote itself are
    read: a pickle runs code, so never point this at a file from elsewhere)."""
    return _load(path, Results)  # type: ignore[no-any-return]


def _save(path: str | Path, obj: object) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("wb") as f:
        pickle.dump((FORMAT, obj), f, protocol=pickle.HIGHEST_PROTOCOL)
    return p


def _load(path: str | Path, kind: type) -> object:
    p = Path(path)
    try:
        with p.open("rb") as f:
            version, results = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise ResultsError(f"cannot read the results file {p}: {exc}") from None
    if version != FORMAT or not isinstance(results, kind):
        raise ResultsError(f"{p} holds results of format {version!r}, not {FORMAT} {kind.__name__}: "
                           "run the report again")
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


@dataclass(frozen=True)
class Explorations:
    """The multi-hop searches of one timeline (:mod:`pcidesign.analysis.paths`), as notebook 04
    runs them with every intent and any start release: each scheme's ``closure`` search
    (:attr:`closure`, by scheme id) and each variant's three notions (:attr:`notions`)."""

    timeline: str
    max_hops: int
    hops: tuple[str, ...]
    closure: dict[str, _paths.Exploration]
    notions: dict[str, dict[str, _paths.Exploration]]

    def answers(self, schemes: Sequence[str], timeline: str, max_hops: int, hops: Sequence[str],
                intents: Sequence[str] | None = None, start: str | None = None) -> bool:
        """Whether these searches are those of ``schemes`` (ids) with these parameters."""
        return (timeline == self.timeline and max_hops == self.max_hops and not intents and not start
                and tuple(h.value for h in _paths.parse_hops(hops)) == self.hops
                and all(s in self.closure for s in schemes))

    def explorations(self, schemes: Sequence[str]) -> list[_paths.Exploration]:
        """The closure searches of ``schemes`` (ids), in that order: what
        :func:`pcidesign.analysis.paths.explore_all` returns for them."""
        return [self.closure[s] for s in schemes]

    def save(self, path: str | Path) -> Path:
        """Write the searches to ``path`` (a pickle, with :data:`FORMAT`)."""
        return _save(path, self)


def compute_explorations(schemes: Sequence[str], variants: Sequence[str], timeline: str, max_hops: int,
                         hops: Sequence[str], catalog: Catalog | None = None) -> Explorations:
    """Every search notebook 04 shows on ``timeline`` (every intent, any start release), once: the
    closure search of each of ``schemes`` and ``variants`` (ids) and the three notions of each of
    ``variants``."""
    cat = catalog or load_catalog()
    ids = list(dict.fromkeys([*schemes, *variants]))
    found = _paths.explore_all(ids, timeline, max_hops, hops, None, None, catalog=cat)
    notions = {v: _paths.notions(v, timeline, max_hops, hops, None, None, catalog=cat) for v in variants}
    return Explorations(timeline, max_hops, tuple(h.value for h in _paths.parse_hops(hops)),
                        dict(zip(ids, found)), notions)


def load_explorations(path: str | Path) -> Explorations:
    """The searches :meth:`Explorations.save` wrote to ``path`` (the report's own files only, as
    :func:`load`)."""
    return _load(path, Explorations)  # type: ignore[return-value]
