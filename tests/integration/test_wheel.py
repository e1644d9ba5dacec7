"""pcidesign as a wheel: built from this checkout (once, without a setuptools warning), installed
into a fresh virtual environment, and run outside the checkout, where only package data can
supply the facts and the notebooks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from conftest import ROOT



# what setuptools prints about the project's configuration; pip's own notices about the machine's
# index configuration ("WARNING: Location ... is ignored") are not the project's and are left out
PROJECT_WARNING = re.compile(r"BuildBackendWarning|SetuptoolsDeprecationWarning|SetuptoolsWarning|"
                             r"is absent from the `packages` configuration|is deprecated")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The wheel built once from this checkout, and everything the build printed (verbose)."""
    dist = tmp_path_factory.mktemp("dist")
    got = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(dist), str(ROOT)],
                         capture_output=True, text=True, timeout=600)
    assert got.returncode == 0, got.stderr[-3000:]
    (wheel,) = dist.glob("pcidesign-*.whl")
    return wheel, got.stdout + got.stderr


def test_building_the_wheel_prints_no_setuptools_warning(built: tuple[Path, str]) -> None:
    """The project's own packaging configuration builds without a setuptools warning (a licence
    table, a folder missing from the package list, ...): `pip install -e .` and `make report`
    stay quiet about pyproject.toml."""
    found = [line.strip() for line in built[1].splitlines() if PROJECT_WARNING.search(line)]
    assert not found, "setuptools warns about the project's configuration:\n" + "\n".join(found[:20])


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, built: tuple[Path, str]) -> Path:
    """A fresh venv holding the wheel; the dependencies come from this environment's
    site-packages (added after the venv's own, so the wheel's pcidesign is the one imported)."""
    base = tmp_path_factory.mktemp("wheel")
    wheel = built[0]
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "zz-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, text=True, timeout=600)
    # the venv's own kernel spec, so that the notebooks run the wheel too (as `make` does for .venv)
    subprocess.run([str(py), "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"],
                   check=True, capture_output=True, text=True, timeout=120)
    # nbconvert's templates live with it in this environment: only they are lent to the venv (this
    # environment's kernel spec would run the checkout's pcidesign)
    shared = base / "jupyter"
    shared.mkdir()
    (shared / "nbconvert").symlink_to(Path(sys.prefix) / "share" / "jupyter" / "nbconvert")
    return env_dir


def outside_env() -> dict[str, str]:
    """This environment without what would lead the wheel's python back to a checkout or a plugin."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PCIDESIGN_SCHEMES", "PCIDESIGN_NOTEBOOKS")}


def run(env_dir: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = outside_env()
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # the dependencies' data (nbconvert's templates, kernelspecs) live with them in this environment
    env["JUPYTER_PATH"] = str(env_dir.parent / "jupyter")
    return subprocess.run([str(env_dir / "bin" / "python"), "-m", "pcidesign.cli", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=1200)


def test_the_wheel_holds_the_package_data(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run([str(installed / "bin" / "python"), "-c",
                            "import pcidesign, pcidesign.model.resources as r; "
                            "print(pcidesign.__file__); print(r.data_dir()); print(r.notebook_dir())"],
                           cwd=tmp_path, env=outside_env(), capture_output=True, text=True, check=True).stdout.split()
    for path in where:
        assert str(installed) in str(Path(path).resolve()), f"{path} is not inside the installed wheel"
    assert (Path(where[1]) / "releases.csv").is_file() and any(Path(where[2]).glob("*.ipynb"))
    env = {**outside_env(), "JUPYTER_PATH": str(installed.parent / "jupyter")}
    spec = subprocess.run([str(installed / "bin" / "python"), "-c",
                           "from jupyter_client.kernelspec import KernelSpecManager as M; "
                           "print(M().get_kernel_spec('python3').argv[0])"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(spec).is_relative_to(installed), f"the notebooks' kernel runs {spec}, not the venv's python"


@pytest.mark.notebook
def test_a_report_from_the_wheel_outside_the_checkout(installed: Path, tmp_path: Path) -> None:
    # small (one scheme, one scenario): the point is where the files come from, not the grid
    got = run(installed, "report", "--timeline", "real", "--scheme", "status-quo", "--scenario", "restart",
              "--out", "reports", "--no-progress", cwd=tmp_path)
    assert got.returncode == 0, got.stderr[-2000:]
    summary = json.loads((tmp_path / "reports" / "latest" / "summary.json").read_text())
    assert summary["failed"] == 0 and summary["jobs"] >= 5
    assert (tmp_path / "reports" / "latest" / "index.html").is_file()
