"""Checks before a report runs: every job's parameters against its notebook and the catalog,
and the schemes the notebook kernels will load."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from pcidesign.model.catalog import load
from pcidesign.model.errors import PcidesignError
from pcidesign.report.params import check_params
from pcidesign.report.plan import Job, ReportError

# -- checking before running --------------------------------------------------------------------------
_TYPES: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "list[str]": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "list[int]": lambda v: isinstance(v, list) and all(isinstance(x, int) for x in v),
    "dict": lambda v: isinstance(v, dict),
}


def declared_parameters(source: str | Path) -> dict[str, str]:
    """The parameters a notebook declares in its ``parameters`` cell: name -> inferred type."""
    import papermill

    path = Path(source)
    if not path.is_file():
        raise ReportError(f"notebook {path} does not exist")
    try:
        found = papermill.inspect_notebook(str(path))
    except Exception as exc:  # papermill raises plain exceptions for unreadable notebooks
        raise ReportError(f"cannot inspect notebook {path.name}: {exc}") from None
    return {name: str(p.get("inferred_type_name", "None")) for name, p in found.items()}


def check_kernel_schemes(schemes: Sequence[str]) -> None:
    """Check, in a fresh interpreter with this process's environment (what every notebook kernel
    gets), that pcidesign loads and knows every scheme of the report.

    A scheme registered only in this process (``pcidesign.register()`` from a script) is not
    seen by the kernels: it must come from ``--scheme-module``, ``PCIDESIGN_SCHEMES`` or an entry
    point. Raises :class:`ReportError` saying which scheme is missing and how to load it.
    """
    probe = ("import json, pcidesign\n"
             "from pcidesign.schemes import loader\n"
             "loader.check()\n"
             "print(json.dumps(list(pcidesign.scheme_ids())))\n")
    try:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                              cwd=tempfile.gettempdir())
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ReportError(f"cannot start a Python to check what the notebooks will load: {exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise ReportError(f"the notebooks' Python cannot load pcidesign with these schemes: {last}")
    seen = set(json.loads(done.stdout.strip().splitlines()[-1]))
    missing = [s for s in schemes if s not in seen]
    if missing:
        raise ReportError(
            f"scheme(s) {', '.join(missing)} are registered in this process only; the notebooks would not "
            "see them. Load them with 'pcidesign --scheme-module MODULE_OR_FILE report ...', "
            "$PCIDESIGN_SCHEMES, or a 'pcidesign.schemes' entry point")


def check_jobs(jobs: Iterable[Job]) -> None:
    """Check every job before anything runs: each parameter is declared by its notebook with a
    matching type, ``out_dir`` is declared, and the values name things that exist.

    Raises :class:`ReportError` listing every problem found.
    """
    problems: list[str] = []
    declared: dict[str, dict[str, str]] = {}
    cat = load()
    for job in jobs:
        if job.source not in declared:
            declared[job.source] = declared_parameters(job.source)
        names = declared[job.source]
        where = f"{job.label}"
        if "out_dir" not in names:
            problems.append(f"{where}: notebook {job.notebook} declares no out_dir parameter")
        for name, value in job.parameters.items():
            if name not in names:
                problems.append(f"{where}: notebook {job.notebook} has no parameter {name!r}; "
                                f"declared: {', '.join(names) or 'none'}")
                continue
            test = _TYPES.get(names[name])
            if test is not None and not test(value):
                problems.append(f"{where}: parameter {name}={value!r} is not of the declared type {names[name]}")
        try:
            check_params(cat, **job.parameters)
        except PcidesignError as exc:
            problems.append(f"{where}: {exc}")
    if problems:
        raise ReportError("the report cannot start:\n  " + "\n  ".join(problems))
