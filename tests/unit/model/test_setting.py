"""The Setting: one frozen, validated object for the axes of a verdict, declared once in AXES."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from pcidesign.model.errors import UnknownNameError
from pcidesign.model.setting import AXES, DEFAULT, Setting


def test_defaults_replace_and_validation() -> None:
    s = Setting()
    assert s == DEFAULT and hash(s) == hash(Setting())
    assert s.changed() == {}
    q = s.replace(machine="q35", pairing="libvirt-only")
    assert (q.machine, q.pairing, s.machine) == ("q35", "libvirt-only", AXES["machine"].default)
    assert q.replace(machine=None) is q  # None keeps an axis
    with pytest.raises(UnknownNameError, match="pairing 'distro'.*bundled, libvirt-only"):
        s.replace(pairing="distro")
    with pytest.raises(UnknownNameError, match="axis 'colour'"):
        s.replace(colour="red")
    with pytest.raises(dataclasses_error()):
        s.timeline = "whatif"  # type: ignore[misc]


def dataclasses_error() -> type[Exception]:
    import dataclasses

    return dataclasses.FrozenInstanceError


def test_label_and_command_line_reproduce_the_setting() -> None:
    s = Setting(timeline="whatif").replace(machine="q35", pairing="libvirt-only")
    assert s.label() == "timeline whatif · machine q35 · pairing libvirt-only"
    assert Setting().label() == f"timeline {AXES['timeline'].default}"
    assert s.cli_args() == ("--timeline", "whatif", "--machine", "q35", "--pairing", "libvirt-only")
    assert Setting.of({"machine": "q35"}, timeline="whatif") == Setting(timeline="whatif", machine="q35")
    with pytest.raises(UnknownNameError, match="machine 'pc-q35-9.9'"):
        Setting(machine="pc-q35-9.9").check(__import__("pcidesign").load_catalog())


def test_no_axis_default_is_spelled_outside_the_setting() -> None:
    """Acceptance 1 of issue 18: the literals of the machine and pairing defaults live in the
    Setting module and the parameter schema only."""
    allowed = {ROOT / "pcidesign" / "model" / "setting.py", ROOT / "pcidesign" / "model" / "params.py"}
    files = [*(ROOT / "pcidesign").rglob("*.py"), *(ROOT / "notebooks").glob("*.ipynb")]
    pattern = re.compile(r"""["'](assumed|bundled)["']""")
    offenders = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in files if p not in allowed
                 for m in pattern.finditer(p.read_text(encoding="utf-8"))]
    assert not offenders, offenders


THROWAWAY = '''    Axis("flavour", "plain", "a throwaway axis of the test", choices=("plain", "spicy"), in_label=False),
'''


def test_an_axis_added_in_one_file_reaches_the_cli_the_schema_labels_and_witnesses(tmp_path: Path) -> None:
    """Adding an axis is one entry in AXES and one field on Setting (one file): the CLI options,
    the parameter schema, labels and witness commands follow without another edit."""
    pkg = tmp_path / "pcidesign"
    shutil.copytree(ROOT / "pcidesign", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    setting = pkg / "model" / "setting.py"
    text = setting.read_text(encoding="utf-8")
    anchor = '    Axis("scope", SCOPES[0],'
    assert anchor in text
    text = text.replace(anchor, THROWAWAY + anchor)
    field = '    scope: str = AXES["scope"].default\n'
    assert field in text
    text = text.replace(field, field + '    flavour: str = AXES["flavour"].default\n')
    setting.write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    probe = subprocess.run([sys.executable, "-c", """
import json, pcidesign
from pcidesign.model import params
from pcidesign.model.errors import UnknownNameError
from pcidesign.analysis import questions
assert pcidesign.__file__.startswith(%r), pcidesign.__file__
s = pcidesign.Setting().replace(flavour="spicy")
try:
    params.check(flavour="sour")
    refused = ""
except UnknownNameError as exc:
    refused = str(exc)
r = pcidesign.run("model-subelement", "restart", "pcie-root-port", "1.2.19", "3.2.0", setting=s)
print(json.dumps({"label": s.label(), "args": list(s.cli_args()), "refused": refused,
                  "command": questions.CellWitness("real", r, s).command}))
""" % str(tmp_path)], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr
    got = json.loads(probe.stdout)
    assert "flavour spicy" in got["label"] and got["args"] == ["--flavour", "spicy"]
    assert "plain" in got["refused"] and "spicy" in got["refused"]
    assert got["command"].endswith("--flavour spicy")
    helped = subprocess.run([sys.executable, "-m", "pcidesign.cli", "compare", "--help"], capture_output=True,
                            text=True, env=env, timeout=300, cwd=tmp_path)
    assert "--flavour" in helped.stdout
    bad = subprocess.run([sys.executable, "-m", "pcidesign.cli", "explain", "--scheme", "status-quo", "--scenario",
                          "restart", "--intent", "pcie-root-port", "--from", "1.2.19", "--to", "3.2.0",
                          "--flavour", "sour"], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert bad.returncode == 2 and "flavour 'sour'" in bad.stderr and "spicy" in bad.stderr
