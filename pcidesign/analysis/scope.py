"""Scope ``naming``: the naming signal apart.

A cell (intent, release written at, release read at) is in scope ``naming`` when both releases
know the intent (:func:`pcidesign.model.autoadd.in_naming_scope`); elsewhere every scheme fails
alike (a class new at one release, a ``<target>`` value an old release cannot hold). The commands
that show cells to a reader default to this scope and say what it left out (:class:`LeftOut`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pcidesign.model import autoadd
from pcidesign.model.catalog import Catalog, Intent, Release


def scope_releases(cat: Catalog, intent: Intent, releases: Sequence[Release]) -> tuple[Release, ...]:
    """The releases (in timeline order) a path of ``intent`` may visit in scope ``naming``: each
    knows the intent and every pair of them is a cell in scope
    (:func:`pcidesign.model.autoadd.in_naming_scope`), so the naming scheme alone decides."""
    out: list[Release] = []
    for r in releases:
        if autoadd.in_naming_scope(cat, intent, r, r) and all(
                autoadd.in_naming_scope(cat, intent, a, r) and autoadd.in_naming_scope(cat, intent, r, a) for a in out):
            out.append(r)
    return tuple(out)


@dataclass(frozen=True)
class LeftOut:
    """The cells (intent, release written at, release read at) a scope ``naming`` search left out,
    by why: the intent's class is new at one of the releases, or (class known) one of them cannot
    hold the intent's guest-visible ``<target>`` values."""

    classes: int = 0
    target: int = 0

    @property
    def total(self) -> int:
        """Every cell left out."""
        return self.classes + self.target

    def text(self) -> str:
        """``left out 24 cells of scope all: 20 whose class is new at a release, 4 ...`` ('' when none)."""
        if not self.total:
            return ""
        parts = []
        if self.classes:
            parts.append(f"{self.classes} whose class is new at one of the releases")
        if self.target:
            parts.append(f"{self.target} target-value cells (a release that cannot hold the intent's "
                         "<target> values)")
        return (f"scope naming: left out {self.total} cells (intent, written at, read at) where every scheme "
                f"fails alike: {' and '.join(parts)}; --scope all shows them")


def left_out(cat: Catalog, intents: Sequence[Intent], releases: Sequence[Release]) -> LeftOut:
    """The cells of ``intents`` x ordered pairs of ``releases`` that scope ``naming`` leaves out, by why."""
    classes = target = 0
    for it in intents:
        for a in releases:
            for b in releases:
                if autoadd.in_naming_scope(cat, it, a, b):
                    continue
                if it.cls in cat.known_classes(a) and it.cls in cat.known_classes(b) and it.target:
                    target += 1
                else:
                    classes += 1
    return LeftOut(classes, target)
