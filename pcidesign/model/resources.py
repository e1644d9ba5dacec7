"""Where pcidesign's own files are: the one place that locates ``data/`` and ``notebooks/``.

Both ship inside the package (``pcidesign/data`` and ``pcidesign/notebooks``; in a checkout they
are links to the top-level ``data/`` and ``notebooks/`` folders), and are found through
:mod:`importlib.resources`, so an installed wheel works outside any checkout.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _package_path(name: str) -> Path:
    path = Path(str(resources.files("pcidesign").joinpath(name)))
    return path.resolve()


def data_dir() -> Path:
    """The folder of the facts (``releases.csv``, ``devices.csv``, ...), calibration probes and sample fleet."""
    return _package_path("data")


def notebook_dir() -> Path:
    """The folder of the report's notebooks."""
    return _package_path("notebooks")
