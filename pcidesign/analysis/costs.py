"""The thread's costs beside the computed metrics: ``data/costs.csv``, per scheme.

What the thread argued about besides safety does not come out of the engine: code kept for
compatibility, whether ``model`` stays consistent with the rest of libvirt, whether the XML names
the device's function, the burden on applications. Each is an ordinal value (``none`` < ``low``
< ``medium`` < ``high``, lower is better) with the words it rests on and who said them (or
``this project's reading``). :func:`pcidesign.analysis.compare.compare` shows them, and with
``costs=True`` puts them among the Pareto front's axes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pcidesign.model import registry as _schemes
from pcidesign.model.catalog import DATA_DIR
from pcidesign.model.csvdata import read_csv
from pcidesign.model.errors import DataError

COSTS_FILE = "costs.csv"
LEVELS: tuple[str, ...] = ("none", "low", "medium", "high")
"""The ordinal values of a cost, best first."""
COSTS: tuple[str, ...] = ("compat-code", "model-consistency", "names-function", "app-burden")
"""The costs, in column order: compatibility code kept, inconsistency of ``model`` with the rest of
libvirt, the XML not naming the device's function, the burden on applications."""


@dataclass(frozen=True)
class Cost:
    """One cost of one scheme: its level and what it rests on."""

    scheme: str
    cost: str
    value: str
    words: str
    who: str
    source: str

    @property
    def rank(self) -> int:
        """The level as a number (0 for ``none``), for the Pareto front."""
        return LEVELS.index(self.value)

    def to_json(self) -> dict[str, str]:
        """``{value, words, who, source}``."""
        return {"value": self.value, "words": self.words, "who": self.who, "source": self.source}


def load_costs(data_dir: str | Path | None = None) -> dict[str, dict[str, Cost]]:
    """scheme id -> cost -> :class:`Cost` from ``data_dir/costs.csv`` (the package's data by
    default; empty when the file is absent); a bad row raises :class:`DataError`."""
    path = (Path(data_dir) if data_dir is not None else DATA_DIR) / COSTS_FILE
    if not path.exists():
        return {}
    out: dict[str, dict[str, Cost]] = {}
    for row, r in read_csv(path, ["scheme", "cost", "value", "words", "who", "source"]).rows:
        if r["cost"] not in COSTS:
            raise DataError(path.name, row, f"unknown cost {r['cost']!r}; valid: {', '.join(COSTS)}")
        if r["value"] not in LEVELS:
            raise DataError(path.name, row, f"unknown level {r['value']!r}; valid: {', '.join(LEVELS)}")
        if not r["words"] or not r["who"] or not r["source"]:
            raise DataError(path.name, row, "a cost needs its words, who said them (or this project's reading) "
                            "and a source")
        if r["cost"] in out.get(r["scheme"], {}):
            raise DataError(path.name, row, f"cost {r['cost']!r} of {r['scheme']!r} appears twice")
        out.setdefault(r["scheme"], {})[r["cost"]] = Cost(r["scheme"], r["cost"], r["value"], r["words"], r["who"],
                                                         r["source"])
    return out


def costs_of(variant: str, table: dict[str, dict[str, Cost]] | None = None) -> dict[str, Cost]:
    """The costs of ``variant``'s scheme (a variant has its scheme's costs; empty when none are given)."""
    sch = _schemes.get(variant)
    return (table if table is not None else load_costs()).get(sch.base or sch.id, {})


__all__ = ["COSTS", "COSTS_FILE", "Cost", "LEVELS", "costs_of", "load_costs"]
