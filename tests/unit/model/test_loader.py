"""Schemes from outside the package reach every process: entry points, PCIDESIGN_SCHEMES, --scheme-module."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

MODULE = '''
from pcidesign import Scheme
from pcidesign.schemes.model_subelement import ModelSubelement
SCHEME = Scheme(id="{id}", title="t", thread="t", naming="n", pros=("p",), cons=("c",), dialect_class=ModelSubelement)
'''


def cli(*argv: str, cwd: Path, extra_path: Path | None = None, env_schemes: str | None = None
        ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PCIDESIGN_SCHEMES"}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (ROOT, extra_path) if p)
    if env_schemes is not None:
        env["PCIDESIGN_SCHEMES"] = env_schemes
    return subprocess.run([sys.executable, "-m", "pcidesign.cli", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture()
def plugin_dir(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "my_plugin").mkdir(parents=True)
    (site / "my_plugin" / "__init__.py").write_text(MODULE.format(id="from-entry-point"))
    dist = site / "my_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pcidesign.schemes]\nmine = my_plugin:SCHEME\n")
    (site / "env_plugin.py").write_text(MODULE.format(id="from-env"))
    (tmp_path / "file_plugin.py").write_text(MODULE.format(id="from-file"))
    return site


def test_entry_points_env_and_option_all_load(plugin_dir: Path, tmp_path: Path) -> None:
    got = cli("--scheme-module", "file_plugin.py", "schemes", "--format", "csv", cwd=tmp_path,
              extra_path=plugin_dir, env_schemes="env_plugin")
    assert got.returncode == 0, got.stderr
    ids = [line.split(",")[0] for line in got.stdout.splitlines()[1:] if line]
    assert ids[-3:] == ["from-entry-point", "from-env", "from-file"]


@pytest.mark.parametrize("body, words", [
    ("raise RuntimeError('boom')", "RuntimeError: boom"),
    ("X = 1", "defines neither SCHEME nor SCHEMES"),
    ("SCHEME = 42", "gives int, not a pcidesign Scheme"),
])
def test_a_broken_plugin_exits_2_naming_it(tmp_path: Path, body: str, words: str) -> None:
    (tmp_path / "bad.py").write_text(body)
    got = cli("schemes", "--scheme-module", "bad.py", cwd=tmp_path)
    assert got.returncode == 2 and "bad.py" in got.stderr and words in got.stderr, got.stderr
    assert "Traceback" not in got.stderr
    got = cli("schemes", cwd=tmp_path, env_schemes=str(tmp_path / "bad.py"))
    assert got.returncode == 2 and words in got.stderr and "Traceback" not in got.stderr


def test_a_broken_entry_point_does_not_break_import(plugin_dir: Path, tmp_path: Path) -> None:
    (plugin_dir / "my_plugin" / "__init__.py").write_text("raise ImportError('half installed')")
    imported = subprocess.run([sys.executable, "-c", "import pcidesign; print(len(pcidesign.scheme_ids()))"],
                              env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{plugin_dir}"},
                              capture_output=True, text=True, cwd=tmp_path)
    assert imported.returncode == 0 and int(imported.stdout) >= 8
    got = cli("schemes", cwd=tmp_path, extra_path=plugin_dir)
    assert got.returncode == 2 and "entry point mine" in got.stderr and "half installed" in got.stderr


def test_importing_pcidesign_loads_no_plugin_until_a_scheme_is_asked_for(tmp_path: Path) -> None:
    """Loading is explicit: ``import pcidesign`` imports no plugin and registers nothing; the first
    lookup (or :func:`pcidesign.load_schemes`) registers the built-ins, then the plugins."""
    marker = tmp_path / "imported"
    (tmp_path / "noisy.py").write_text(f"open({str(marker)!r}, 'w').close()\n" + MODULE.format(id="noisy"))
    code = (
        "import os, pcidesign\n"
        "from pcidesign.model import registry\n"
        f"print(os.path.exists({str(marker)!r}), len(registry._REGISTRY))\n"
        "ids = pcidesign.scheme_ids()\n"
        f"print(os.path.exists({str(marker)!r}), ids[0], ids[-1])\n"
        "pcidesign.reset()\n"
        "from pcidesign.schemes import BUILTIN\n"
        "print(len(pcidesign.load_schemes()) == len(BUILTIN) + 1)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PCIDESIGN_SCHEMES"}
    env["PYTHONPATH"] = str(ROOT)
    env["PCIDESIGN_SCHEMES"] = str(tmp_path / "noisy.py")
    got = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert got.returncode == 0, got.stderr
    assert got.stdout.split("\n")[:3] == ["False 0", "True status-quo noisy", "True"]
