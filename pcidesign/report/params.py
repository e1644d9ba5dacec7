"""Notebook support: checking a notebook's parameters, and writing its figures and tables.

The first cell after a notebook's ``parameters`` cell calls :func:`check_params` (the schema of
:mod:`pcidesign.model.params`, which the CLI and the report's pre-flight check use too), so that a
bad parameter (an unknown scheme, a release not in the timeline, a version given as a number, a
negative count) stops the notebook at once with a message that lists the valid values.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pcidesign.model.params import SCHEMA, ParameterError, check
from pcidesign.model.safetext import safe_frame

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

check_params = check
"""Check notebook parameters by name: :func:`pcidesign.model.params.check` (the one schema)."""


class Outputs:
    """Where a notebook writes its figures (PNG) and tables (CSV) for the batch report.

    ``out_dir`` empty or None: nothing is written (an interactive run). Otherwise it must be an
    absolute path; files are named by the caller and listed in :attr:`written`. Tables hold text
    from input files (a fleet's domain and file names, parser errors): every CSV written escapes
    control characters in its text cells and prefixes a single quote to a text cell a spreadsheet
    would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR, LF first; OWASP's advice on CSV
    injection); numbers are written as they are.
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
        """Save ``frame`` as ``name.csv`` (if writing; text cells made safe for a spreadsheet, see
        :class:`Outputs`) and return it, unchanged, for display."""
        if self.dir is not None:
            target = self.dir / f"{name}.csv"
            out = frame.copy()
            for col in out.columns:
                if str(out[col].dtype) == "category":
                    out[col] = out[col].astype(str)
            safe_frame(out, csv=True).to_csv(target, index=index)
            self.written.append(target)
        return frame


__all__ = ["SCHEMA", "Outputs", "ParameterError", "check_params"]
