"""Default rules with conditions: which model libvirt picks for a device written without one.

A rule holds from a release on, for a guest architecture and a machine, and names the models to
try in order of preference: libvirt takes the first the host's QEMU offers (or, for a rule that
does not ask QEMU, the first). The rules of a kind are a CSV file (``default-rules.csv``) with
the columns ``since, arch, machine, prefer, check, source``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pcidesign.model.catalog import Catalog, Key
from pcidesign.model.csvdata import _show, read_csv
from pcidesign.model.errors import DataError

COLUMNS = ("since", "arch", "machine", "prefer", "check", "source")


@dataclass(frozen=True)
class KindDefault:
    """From ``since`` on, for a guest of architecture ``arch`` (any when empty) and a machine
    matching ``machine`` (any when empty; ``virt`` matches ``virt`` and ``virt-*``), libvirt picks
    the first of ``prefer`` that the host's QEMU offers, and the first of them when QEMU offers
    none; with ``check`` False it takes the first without asking QEMU."""

    since: Key
    since_text: str
    arch: str
    machine: str
    prefer: tuple[str, ...]
    check: bool
    source: str

    def applies(self, release: Key, arch: str, machine: str) -> bool:
        """Whether the rule holds for a guest of ``arch`` on ``machine`` at release ``release``."""
        if self.since > release or (self.arch and self.arch != arch):
            return False
        return not self.machine or machine == self.machine or machine.startswith(self.machine + "-")

    def pick(self, offered: Iterable[str]) -> str:
        """The model this rule gives on a host whose QEMU offers ``offered``."""
        if not self.check:
            return self.prefer[0]
        have = frozenset(offered)
        return next((m for m in self.prefer if m in have), self.prefer[0])


def pick(rules: Iterable[KindDefault], release: Key, arch: str, machine: str, offered: Iterable[str]) -> str | None:
    """The default of ``rules`` for a guest of ``arch`` on ``machine`` at ``release`` on a host
    whose QEMU offers ``offered``: of the rules that apply, the most specific (naming the
    architecture, then the machine too), and of those the newest; None when none applies."""
    best: KindDefault | None = None
    for rule in rules:
        if rule.applies(release, arch, machine) and (best is None or _rank(rule) > _rank(best)):
            best = rule
    return None if best is None else best.pick(offered)


def _rank(rule: KindDefault) -> tuple[bool, bool, Key]:
    return bool(rule.arch), bool(rule.machine), rule.since


@functools.lru_cache(maxsize=16)
def load_rules(path: Path, catalog: Catalog) -> tuple[KindDefault, ...]:
    """The rules of ``path``, every row checked against ``catalog`` (a ``since`` is a version or
    a release id of the catalog; every model preferred is one of its devices)."""
    table = read_csv(path, COLUMNS)
    table.require_rows("default rules")
    out: list[KindDefault] = []
    seen: dict[tuple[Key, str, str], int] = {}
    for row, r in table.rows:
        try:
            since = catalog.since(r["since"])
        except ValueError as exc:
            raise DataError(path.name, row, str(exc)) from None
        prefer = tuple(r["prefer"].split())
        unknown = [m for m in prefer if m not in catalog.devices]
        if not prefer or unknown:
            raise DataError(path.name, row, f"prefer {_show(r['prefer'])}: models of devices.csv separated by "
                            f"spaces; valid: {', '.join(catalog.devices)}")
        if r["check"] not in ("yes", "no"):
            raise DataError(path.name, row, f"check {_show(r['check'])}: yes (ask QEMU) or no")
        key = (since, r["arch"], r["machine"])
        if key in seen:
            raise DataError(path.name, row, f"rows {seen[key]} and {row} are both the rule for {r['arch'] or 'any arch'}"
                            f", {r['machine'] or 'any machine'} since {r['since']}; keep one")
        seen[key] = row
        out.append(KindDefault(since, r["since"], r["arch"], r["machine"], prefer, r["check"] == "yes", r["source"]))
    return tuple(out)
