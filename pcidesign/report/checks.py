"""Checking a report before anything runs: every job's parameters against its notebook and the
model, in the Python the notebooks will run in.

Two checks, both before a folder is written:

* :func:`check_declared`: each parameter is declared by its notebook (``papermill.inspect_notebook``)
  with a matching type, and ``out_dir`` is declared;
* :func:`check_in_kernel_python`: a fresh interpreter of the kernel's Python, with this process's
  environment (``PCIDESIGN_SCHEMES`` and ``PYTHONPATH`` included, as the kernels get them),
  imports pcidesign, checks that every plugin loaded and runs the notebooks' own parameter check
  on every job. A scheme registered only in this process, or a plugin the kernels cannot import,
  stops the report here with a message saying so.

``python -m pcidesign.report.checks`` is that interpreter's side: jobs' parameters as JSON on
stdin, problems as JSON on stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pcidesign.model.params import SCHEMA, of_kind
from pcidesign.report.plan import Job, ReportError

KERNEL = "python3"
"""The Jupyter kernel the notebooks run in."""

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


def check_declared(jobs: Iterable[Job]) -> list[str]:
    """Problems of the jobs' parameters against what their notebooks declare (empty: none)."""
    problems: list[str] = []
    declared: dict[str, dict[str, str]] = {}
    for job in jobs:
        if job.source not in declared:
            declared[job.source] = declared_parameters(job.source)
        names = declared[job.source]
        if "out_dir" not in names:
            problems.append(f"{job.label}: notebook {job.notebook} declares no out_dir parameter")
        for name, value in job.parameters.items():
            if name not in names:
                problems.append(f"{job.label}: notebook {job.notebook} has no parameter {name!r}; "
                                f"declared: {', '.join(names) or 'none'}")
                continue
            schema = SCHEMA.get(name)
            if schema is not None and names[name] not in ("None", schema.kind):
                problems.append(f"{job.label}: notebook {job.notebook} declares {name} as {names[name]}, "
                                f"the parameter schema as {schema.kind}")
            elif not of_kind(names[name], value):
                problems.append(f"{job.label}: parameter {name}={value!r} is not of the declared type {names[name]}")
    return problems


def kernel_python(kernel: str = KERNEL) -> str:
    """The interpreter the kernel ``kernel`` runs (its spec's first word), or this one."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        argv = KernelSpecManager().get_kernel_spec(kernel).argv
    except Exception:  # noqa: BLE001 - no spec: jupyter_client falls back to this interpreter
        return sys.executable
    first = argv[0] if argv else ""
    if first in ("python", "python3", "{python}") or not Path(first).is_file():
        return sys.executable
    return first


def check_in_kernel_python(jobs: Sequence[Job], schemes: Sequence[str], timeout: float = 120.0) -> list[str]:
    """Problems found by the notebooks' own checks, run in the kernel's Python (empty: none).

    Raises :class:`ReportError` when that Python cannot load pcidesign or one of its plugins.
    """
    request = {"schemes": list(schemes), "jobs": [{"label": j.label, "parameters": j.parameters} for j in jobs]}
    try:
        done = subprocess.run([kernel_python(), "-m", "pcidesign.report.checks"], input=json.dumps(request),
                              capture_output=True, text=True, timeout=timeout, cwd=os.getcwd())
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ReportError(f"cannot start the notebooks' Python to check the report: {exc}") from None
    if done.returncode != 0 or not done.stdout.strip():
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise ReportError(f"the notebooks' Python cannot load pcidesign: {last}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    if answer.get("plugin_error"):
        raise ReportError(f"the notebooks cannot load a scheme module: {answer['plugin_error']}")
    missing = [s for s in schemes if s.split("+", 1)[0] not in answer["schemes"]]  # a variant: its scheme
    if missing:
        raise ReportError(
            f"scheme(s) {', '.join(missing)} are registered in this process only; the notebooks would not "
            "see them. Load them with 'pcidesign --scheme-module MODULE_OR_FILE report ...', "
            "$PCIDESIGN_SCHEMES, or a 'pcidesign.schemes' entry point")
    return list(answer["problems"])


def check_jobs(jobs: Sequence[Job], schemes: Sequence[str] = ()) -> None:
    """Every check of a report before anything runs; raises :class:`ReportError` listing every
    problem found."""
    problems = check_declared(jobs) + check_in_kernel_python(jobs, schemes)
    if problems:
        raise ReportError("the report cannot start:\n  " + "\n  ".join(problems))


def _serve() -> None:
    """The kernel Python's side of :func:`check_in_kernel_python` (stdin -> stdout, JSON)."""
    # ``python -m`` has imported the package first, which loaded the plugins (entry points and
    # PCIDESIGN_SCHEMES) as every kernel's ``import pcidesign`` does
    from pcidesign.model import registry
    from pcidesign.model.catalog import load
    from pcidesign.model.errors import PcidesignError
    from pcidesign.report.params import check_params
    from pcidesign.schemes import loader

    request = json.loads(sys.stdin.read())
    answer: dict[str, Any] = {"schemes": list(registry.scheme_ids()), "problems": [], "plugin_error": None}
    try:
        loader.check()
    except PcidesignError as exc:
        answer["plugin_error"] = str(exc)
    else:
        cat = load()
        for job in request["jobs"]:
            try:
                check_params(cat, **job["parameters"])
            except PcidesignError as exc:
                answer["problems"].append(f"{job['label']}: {exc}")
    print(json.dumps(answer))


if __name__ == "__main__":
    _serve()
