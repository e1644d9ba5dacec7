"""What a report run was computed from: the tool's version, the git commit it ran from, a checksum
of each data file, and the setting (timelines, variants, scenarios, machine, pairing).

``summary.json`` records these so that ``pcidesign diff`` can say *why* two runs differ, not only
what moved: new facts in ``data/*.csv``, another version of the model, other variants, or another
setting.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

from pcidesign.model.resources import data_dir

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding the ``pcidesign`` package (a git checkout when run from a clone)."""


def version() -> str:
    """The pcidesign version (the installed distribution's; ``unknown`` when it is not installed)."""
    from importlib import metadata

    try:
        return metadata.version("pcidesign")
    except metadata.PackageNotFoundError:
        return "unknown"


def commit(root: Path = PACKAGE_ROOT) -> dict[str, Any] | None:
    """``{"id": SHA, "dirty": bool}`` of the git checkout at ``root``, or None when it is not one
    (an installed wheel) or git is missing; never raises."""
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    if len(sha) != 40:
        return None
    return {"id": sha, "dirty": bool(status.strip())}


def data_checksums(folder: Path | None = None) -> dict[str, str]:
    """``{"releases.csv": "sha256:..."}`` for every ``*.csv`` of the data folder, by name."""
    base = Path(folder) if folder is not None else data_dir()
    return {p.name: "sha256:" + hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(base.glob("*.csv"))}


def record(setting: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything above as one JSON-ready record."""
    return {"version": version(), "commit": commit(), "data": data_checksums(), "setting": dict(setting or {})}
