"""The grid of worst outcomes as HTML cells: the same grid :func:`pcidesign.render.plots.grid`
draws as an image, as data a template renders (each cell with its outcome code, colours and a
title in words), from a matrix frame; and its overview (:func:`overview`): one cell per scheme
and scenario, the worst outcome over every pair of releases and how many pairs reach it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from pcidesign.model.vocab import BY_SEVERITY, Outcome
from pcidesign.render import plots


@dataclass(frozen=True)
class GridCell:
    """One pair of releases in a grid panel: the worst outcome over the panel's intents."""

    code: str
    colour: str
    ink: str
    title: str
    outcome: str = ""
    """The outcome's name (a CSS class ``o-OUTCOME`` gives its colours without an inline style)."""


Panel = list[list[GridCell | None]]
"""Rows (written at) x columns (read at) of one scheme and scenario; None where no cell was computed."""


def panels(frame: pd.DataFrame, releases: Sequence[str], what: str = "intent",
           worst: Mapping[tuple[object, object], pd.DataFrame] | None = None) -> dict[tuple[str, str], Panel]:
    """One panel per (scheme, scenario) of ``frame`` (in the frame's order): the worst outcome per
    pair of ``releases`` and how many of the frame's intents reach it (``what`` names them).
    ``worst``: the frame's :func:`pcidesign.render.plots.panel_cells`, when the caller has them."""
    pos = {r: n for n, r in enumerate(releases)}
    out: dict[tuple[str, str], Panel] = {}
    for (scheme, scenario), cells in (plots.panel_cells(frame) if worst is None else worst).items():
        rows: Panel = [[None] * len(releases) for _ in releases]
        for a, b, o, n in cells[["from", "to", "outcome", "count"]].itertuples(index=False):
            outcome = Outcome(str(o))
            rows[pos[str(a)]][pos[str(b)]] = GridCell(
                plots.SHORT[outcome], plots.COLOURS[outcome], plots.text_colour(outcome),
                f"{scheme} · {scenario} · written at {a}, read at {b}: {outcome.value} "
                f"({n} {what}{'s' if n != 1 else ''})", outcome.value)
        out[(str(scheme), str(scenario))] = rows
    return out


@dataclass(frozen=True)
class OverviewCell:
    """One scheme and scenario of a grid in one cell: the worst outcome over every pair of releases
    and how many of the pairs (cells computed) reach it."""

    code: str
    outcome: str
    pairs: int
    of: int

    @property
    def text(self) -> str:
        """What the cell says, visibly: ``CHG 12/64`` (12 of 64 pairs reach guest-changed)."""
        return f"{self.code} {self.pairs}/{self.of}"


def overview(frame: pd.DataFrame,
             worst: Mapping[tuple[object, object], pd.DataFrame] | None = None) -> dict[tuple[str, str], OverviewCell]:
    """Per (scheme, scenario) of ``frame``: the worst outcome over its pairs of releases (each
    pair's worst over the intents) and how many pairs reach it. ``worst``: as for :func:`panels`."""
    out: dict[tuple[str, str], OverviewCell] = {}
    for (scheme, scenario), cells in (plots.panel_cells(frame) if worst is None else worst).items():
        worst_ = [Outcome(str(o)) for o in cells["outcome"]]
        if not worst_:
            continue
        top = min(worst_, key=BY_SEVERITY.index)
        out[(str(scheme), str(scenario))] = OverviewCell(plots.SHORT[top], top.value, worst_.count(top), len(worst_))
    return out
