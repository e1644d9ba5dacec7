"""The docs' "Adding a scheme" page (docs/extending.md), run exactly as written: the ninth scheme reaches the
CLI, the matrices, the path search, the fleet scan and every notebook of a small report."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

SCHEME_ID = "device-element"


def section() -> str:
    text = (ROOT / "docs" / "extending.md").read_text(encoding="utf-8")
    start = text.index("# Adding a scheme")
    return text[start:text.index("\n## ", start)]


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", section(), flags=re.S)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("readme")
    (py,) = blocks("python")
    name = py.splitlines()[0].lstrip("# ").strip()
    (work / name).write_text(py)
    fleet = work / "my-fleet"
    fleet.mkdir()
    for f in sorted((ROOT / "data" / "fleet-sample").glob("*q35*rootports*.xml"))[:3]:
        shutil.copy(f, fleet / f.name)
    return work


def run(cmd: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(cmd)
    assert argv[0] == "pcidesign"
    env = dict(os.environ)
    env.pop("PCIDESIGN_SCHEMES", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "pcidesign.cli", *argv[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def outputs(workdir: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    (sh,) = blocks("sh")
    done = {}
    for line in sh.strip().splitlines():
        verb = [w for w in shlex.split(line)[1:] if not w.startswith("-") and not w.endswith(".py")][0]
        done[verb] = run(line, workdir)
    return done


def test_the_section_has_one_module_and_the_commands() -> None:
    assert len(blocks("python")) == 1
    verbs = {shlex.split(l)[3] for l in blocks("sh")[0].strip().splitlines()}
    assert verbs == {"schemes", "matrix", "paths", "fleet", "report"}


@pytest.mark.notebook
def test_every_command_sees_the_ninth_scheme(workdir: Path, outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    for verb, got in outputs.items():
        assert got.returncode in (0, 1), f"{verb}: exit {got.returncode}\n{got.stderr}"
        assert "Traceback" not in got.stderr, got.stderr
    assert SCHEME_ID in outputs["schemes"].stdout
    assert outputs["matrix"].stdout.count(SCHEME_ID) >= 10  # one row per pair of releases
    assert re.search(rf"^\s*{SCHEME_ID}\s", outputs["paths"].stdout, flags=re.M), outputs["paths"].stdout
    assert SCHEME_ID in outputs["fleet"].stdout


@pytest.mark.notebook
def test_every_notebook_of_the_report_includes_it(workdir: Path, outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    assert outputs["report"].returncode == 0, outputs["report"].stderr
    latest = workdir / "reports" / "latest"
    summary = json.loads((latest / "summary.json").read_text())
    runs = summary["runs"]
    assert runs and all(r["status"] == "ok" for r in runs)
    per_scheme = {r["notebook"] for r in runs if r["parameters"].get("scheme") == SCHEME_ID}
    assert per_scheme >= {"02_matrix", "04_paths"}
    for r in runs:
        if r["parameters"].get("scheme", SCHEME_ID) != SCHEME_ID:
            continue  # another scheme's own page
        html = (latest / r["html_file"]).read_text(encoding="utf-8")
        assert SCHEME_ID in html, f"{r['notebook']} ({r['html_file']}) does not show {SCHEME_ID}"
    assert {r["notebook"] for r in runs} >= {"01_schemes", "02_matrix", "03_compare", "04_paths", "05_fleet"}
