"""Plugins loaded in a guard (issue 23): a plugin that exits, raises, gives nothing, gives an id
twice, takes an id already taken or carries control characters is refused with exit 2 naming it;
a declared replacement is named in every command's output; a plugin failing while running is
one line and exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
HEAD = "from pcidesign import Scheme\nfrom pcidesign.schemes.status_quo import StatusQuo\n"
ONE = 'Scheme(id={id!r}, title="t", thread="t", naming="n", pros=("p",), cons=("c",), dialect_class=StatusQuo)'


def scheme(sid: str) -> str:
    return ONE.format(id=sid)


def cli(*argv: str, cwd: Path, env_schemes: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PCIDESIGN_SCHEMES"}
    env["PYTHONPATH"] = str(ROOT)
    if env_schemes is not None:
        env["PCIDESIGN_SCHEMES"] = env_schemes
    return subprocess.run([sys.executable, "-m", "pcidesign.cli", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


COMPARE = ("compare", "--variant", "model-subelement", "--timeline", "whatif", "--fail-on-violation")

REFUSED = [
    ("import sys\nsys.exit(0)\n", "exits at import (sys.exit(0))"),
    ("raise SystemExit\n", "exits at import"),
    ("import os, sys\nsys.exit('bye')\n", "exits at import"),
    ("raise MemoryError('no room')\n", "MemoryError: no room"),
    ("SCHEMES = []\n", "gives no scheme"),
    (HEAD + f"SCHEME = {scheme('model-subelement')}\n", "already taken by a built-in scheme"),
    (HEAD + f"A = {scheme('mine')}\nSCHEMES = [A, A]\n", "'mine' more than once"),
    (HEAD + f"SCHEMES = [{scheme('mine')}, {scheme('mine')}]\n", "'mine' more than once"),
    (HEAD + f"SCHEME = {scheme('evil' + chr(27) + '[31mred')}\n", "control characters"),
    (HEAD + f"SCHEME = {scheme('a+b')}\n", "no spaces, '+'"),
    (HEAD + f"REPLACES = {{'status-quo'}}\nSCHEME = {scheme('mine')}\n", "declares REPLACES 'status-quo'"),
    (HEAD + f"REPLACES = {{'nothing-here'}}\nSCHEME = {scheme('nothing-here')}\n", "no scheme has that id"),
    (HEAD + "import pcidesign\n" + f"pcidesign.register({scheme('model-subelement')})\nSCHEME = {scheme('mine')}\n",
     "itself at import"),
]


@pytest.mark.parametrize("body, words", REFUSED)
def test_a_plugin_that_misbehaves_at_import_is_refused_naming_it(tmp_path: Path, body: str, words: str) -> None:
    (tmp_path / "plugin.py").write_text(body)
    for got in (cli("--scheme-module", "plugin.py", *COMPARE, cwd=tmp_path),
                cli(*COMPARE, cwd=tmp_path, env_schemes=str(tmp_path / "plugin.py"))):
        assert got.returncode == 2, (got.returncode, got.stdout, got.stderr)
        assert "plugin.py" in got.stderr and words in got.stderr, got.stderr
        assert "Traceback" not in got.stderr and "\x1b" not in got.stderr
        assert got.stdout == ""


def test_the_same_file_through_the_option_and_the_environment_is_one_plugin(tmp_path: Path) -> None:
    (tmp_path / "plugin.py").write_text(HEAD + f"SCHEME = {scheme('mine')}\n")
    got = cli("--scheme-module", "plugin.py", "schemes", "--format", "csv", cwd=tmp_path,
              env_schemes=str(tmp_path / "plugin.py"))
    assert got.returncode == 0, got.stderr
    assert [line.split(",")[0] for line in got.stdout.splitlines()].count("mine") == 1


def test_two_plugins_with_one_id_are_refused(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text(HEAD + f"SCHEME = {scheme('mine')}\n")
    (tmp_path / "two.py").write_text(HEAD + f"SCHEME = {scheme('mine')}\n")
    got = cli("--scheme-module", "one.py", "--scheme-module", "two.py", "schemes", cwd=tmp_path)
    assert got.returncode == 2 and "two.py" in got.stderr and "one.py" in got.stderr, got.stderr


def test_a_declared_replacement_runs_and_is_named_in_every_output(tmp_path: Path) -> None:
    (tmp_path / "plugin.py").write_text(HEAD + f"REPLACES = {{'model-subelement'}}\nSCHEME = {scheme('model-subelement')}\n")
    got = cli("--scheme-module", "plugin.py", *COMPARE, cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert "note: scheme 'model-subelement'" in got.stderr and "plugin.py" in got.stderr
    got = cli("--scheme-module", "plugin.py", "schemes", "--format", "csv", cwd=tmp_path)
    row = next(line for line in got.stdout.splitlines() if line.startswith("model-subelement,"))
    assert "plugin.py" in row and "(replacing)" in row
    assert "a built-in scheme" in next(line for line in got.stdout.splitlines() if line.startswith("status-quo,"))


def test_without_plugins_the_built_in_answer_stands(tmp_path: Path) -> None:
    """The true answer the exiting plugin hid: the shipped scheme breaks rules on whatif."""
    got = cli(*COMPARE, cwd=tmp_path)
    assert got.returncode == 1 and got.stderr == "", got.stderr


RAISES = '''from pcidesign import Scheme
from pcidesign.schemes.model_subelement import ModelSubelement
class Boom(ModelSubelement):
    def {method}(self, *args):
        raise RuntimeError("boom in {method}")
SCHEME = Scheme(id="boom", title="t", thread="t", naming="n", pros=("p",), cons=("c",), dialect_class=Boom)
'''


@pytest.mark.parametrize("method", ["read", "write", "format"])
def test_a_plugin_raising_while_running_is_one_line_and_exit_1(tmp_path: Path, method: str) -> None:
    (tmp_path / "plugin.py").write_text(RAISES.format(method=method))
    got = cli("--scheme-module", "plugin.py", "matrix", "--scheme", "boom", "--scenario", "restart", cwd=tmp_path)
    assert got.returncode == 1, got.stderr
    assert "Traceback" not in got.stderr and "KeyError" not in got.stderr
    lines = got.stderr.strip().splitlines()
    assert len(lines) == 1 and "plugin.py" in lines[0] and f"RuntimeError: boom in {method}" in lines[0]


def test_the_memo_keeps_no_half_state_after_a_failure() -> None:
    from pcidesign.model import engine

    calls: list[int] = []

    def fail() -> int:
        calls.append(1)
        raise RuntimeError("once")

    key = ("test-harden", object())
    with pytest.raises(RuntimeError) as info:
        engine._memo(key, fail)
    assert info.value.__context__ is None  # not chained to the memo's own lookup
    assert engine._memo(key, lambda: 7) == 7 and engine._memo(key, fail) == 7
    assert calls == [1]


REPORT = '''import sys
from pcidesign.report import runner
from pcidesign.cli import main
runner._run_all = lambda todo, *a, **k: []  # no notebook: only the front page, built in this process
sys.exit(main(sys.argv[1:]))
'''


def test_a_plugin_failing_on_the_front_page_is_a_failed_entry_and_the_run_is_kept(tmp_path: Path) -> None:
    (tmp_path / "plugin.py").write_text(RAISES.format(method="read"))
    (tmp_path / "run_report.py").write_text(REPORT)
    env = {k: v for k, v in os.environ.items() if k != "PCIDESIGN_SCHEMES"}
    env["PYTHONPATH"] = str(ROOT)
    got = subprocess.run([sys.executable, "run_report.py", "--scheme-module", "plugin.py", "report", "--out", "rep",
                          "--scheme", "boom", "--scenario", "restart", "--timeline", "real", "--no-progress"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert got.returncode == 1, got.stderr
    assert "Traceback" not in got.stderr
    assert "FAILED real/front-page: the scheme plugin" in got.stderr and "boom in read" in got.stderr
    index = (tmp_path / "rep" / "latest" / "index.html").read_text(encoding="utf-8")
    assert "RuntimeError: boom in read" in index and "plugin.py" in index
