"""Notebook support: checking a notebook's parameters, and writing its figures and tables.

The first cell after a notebook's ``parameters`` cell calls :func:`check_params`, so that a bad
parameter (an unknown scheme, a release not in the timeline, a version given as a number) stops
the notebook at once with a message that lists the valid values. The batch report calls the same
function on every parameter set before it runs anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pcidesign.model import scenarios as _scenarios
from pcidesign.model import registry as _schemes
from pcidesign.analysis.matrices import SCOPES
from pcidesign.model.catalog import DEFAULT_TIMELINE, Catalog, load
from pcidesign.model.errors import PcidesignError, UnknownNameError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

KNOWN = ("scheme", "schemes", "scenario", "scenarios", "timeline", "intent", "intents", "releases", "scope")
"""The parameter names :func:`check_params` knows how to check."""


class ParameterError(PcidesignError, ValueError):
    """A parameter of the wrong type or shape (a version given as a number, an empty list)."""


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        hint = " (write versions as strings, e.g. '1.2.19')" if isinstance(value, (int, float)) else ""
        raise ParameterError(f"parameter {name} must be a string, not {type(value).__name__} {value!r}{hint}")
    return value


def _texts(name: str, value: object, allow_empty: bool = False) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ParameterError(f"parameter {name} must be a list of strings, not {type(value).__name__} {value!r}")
    items = [_text(f"{name}[{i}]", v) for i, v in enumerate(value)]
    if not items and not allow_empty:
        raise ParameterError(f"parameter {name} must not be empty")
    return items


def _member(kind: str, value: str, valid: Iterable[str], where: str) -> None:
    valid = tuple(valid)
    if value not in valid:
        raise UnknownNameError(kind, value, valid, where)


def check_params(catalog: Catalog | None = None, **params: Any) -> dict[str, Any]:
    """Check notebook parameters by name; return them unchanged, or raise.

    Known names: ``scheme``/``schemes``, ``scenario``/``scenarios``, ``timeline``,
    ``intent``/``intents``, ``releases`` and ``scope`` (checked against ``timeline``, or the default
    timeline). A list parameter that is empty (or ``None``) means "all" and is accepted. Other names are
    returned unchecked. Raises :class:`~pcidesign.errors.UnknownNameError` (naming the parameter
    and listing the valid values) for an unknown name, :class:`ParameterError` for a wrong type.
    """
    cat = catalog or load()
    timeline = params.get("timeline")
    if timeline is not None:
        _member("timeline", _text("timeline", timeline), cat.timelines, "parameter timeline")
    line = cat.timeline(timeline) if timeline is not None else cat.timeline()
    valid = {
        "scope": SCOPES,
        "scheme": _schemes.scheme_ids(),
        "scenario": _scenarios.scenario_ids(),
        "intent": tuple(cat.intents),
        "release": tuple(r.id for r in line),
    }
    for name, value in params.items():
        if value is None or name not in KNOWN or name == "timeline":
            continue
        kind = name[:-1] if name.endswith("s") else name
        where = f"parameter {name}"
        if kind == "release":
            where += f" (timeline {timeline or DEFAULT_TIMELINE})"
        values = [_text(name, value)] if name == kind else _texts(name, value, allow_empty=True)
        for v in values:
            _member(kind, v, valid[kind], where)
        if len(set(values)) != len(values):
            raise ParameterError(f"parameter {name} lists a value twice: {values}")
    return dict(params)


class Outputs:
    """Where a notebook writes its figures (PNG) and tables (CSV) for the batch report.

    ``out_dir`` empty or None: nothing is written (an interactive run). Otherwise it must be an
    absolute path; files are named by the caller and listed in :attr:`written`.
    """

    def __init__(self, out_dir: str | None) -> None:
        self.dir: Path | None = None
        self.written: list[Path] = []
        if out_dir:
            path = Path(out_dir)
            if not path.is_absolute():
                raise ParameterError(f"parameter out_dir must be an absolute path (or empty), not {out_dir!r}")
            path.mkdir(parents=True, exist_ok=True)
            self.dir = path

    def figure(self, fig: Figure, name: str, dpi: int = 110) -> Any:
        """Render ``fig`` once to PNG, save it as ``name.png`` (if writing), close it, and return
        an object that displays the image in a notebook."""
        import matplotlib.pyplot as plt
        from IPython.display import Image

        from pcidesign.render.plots import to_png

        png = to_png(fig, dpi)
        plt.close(fig)
        if self.dir is not None:
            target = self.dir / f"{name}.png"
            target.write_bytes(png)
            self.written.append(target)
        return Image(data=png, format="png")

    def table(self, frame: pd.DataFrame, name: str, index: bool = False) -> pd.DataFrame:
        """Save ``frame`` as ``name.csv`` (if writing) and return it for display."""
        if self.dir is not None:
            target = self.dir / f"{name}.csv"
            out = frame.copy()
            for col in out.columns:
                if str(out[col].dtype) == "category":
                    out[col] = out[col].astype(str)
            out.to_csv(target, index=index)
            self.written.append(target)
        return frame

