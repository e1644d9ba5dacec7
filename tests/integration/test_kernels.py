"""Warm kernels start each notebook as a fresh kernel would: no scheme registered by the previous
notebook, no transition remembered from it; and a scheme the kernels cannot load stops the report
before anything runs."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

import pcidesign
from pcidesign.report import runner as report
from pcidesign.schemes.model_subelement import ModelSubelement


def notebook(path: Path, body: str) -> Path:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"},
                                            "language_info": {"name": "python"}})
    params = nbformat.v4.new_code_cell('timeline: str = "real"  # timeline\nout_dir: str = ""  # output folder')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, path)
    return path


SEE = '''
import json, os, pcidesign
from pcidesign.model import engine
os.makedirs(out_dir, exist_ok=True)
with open(os.path.join(out_dir, "seen.json"), "w") as f:
    json.dump({"schemes": list(pcidesign.scheme_ids()), "transitions": engine.transitions_computed()}, f)
'''

LEAK = '''
import pcidesign
from pcidesign.schemes.model_subelement import ModelSubelement
pcidesign.register(pcidesign.Scheme(id="leaked", title="t", thread="t", naming="n", pros=("p",), cons=("c",),
                                    dialect_class=ModelSubelement))
pcidesign.matrix("leaked", "restart")
'''


@pytest.mark.notebook
def test_a_warm_kernel_forgets_the_previous_notebook(tmp_path: Path) -> None:
    specs = [
        report.NotebookSpec("90_leak", "leaks", lambda g: [{"timeline": g.timeline}], path=notebook(tmp_path / "a.ipynb", LEAK)),
        report.NotebookSpec("91_see", "sees", lambda g: [{"timeline": g.timeline}], path=notebook(tmp_path / "b.ipynb", SEE)),
    ]
    # one scheme and scenario: the front page the report computes first is not what this test is about
    summary = report.run(tmp_path / "r", ["real"], ["status-quo"], ["restart"], notebooks=specs, jobs=1,
                         progress=False)
    assert summary.failed == 0
    started = [r.kernel_started for r in summary.runs]
    assert started == [True, False], "both notebooks must run on one warm kernel for this test to mean anything"
    seen = json.loads(next((tmp_path / "r" / "latest").rglob("seen.json")).read_text())
    assert "leaked" not in seen["schemes"]
    assert seen["schemes"] == list(pcidesign.scheme_ids())
    assert seen["transitions"] == 0


def test_a_scheme_only_this_process_knows_stops_the_report(tmp_path: Path) -> None:
    pcidesign.register(pcidesign.Scheme(id="script-only", title="t", thread="t", naming="n", pros=("p",),
                                        cons=("c",), dialect_class=ModelSubelement))
    try:
        with pytest.raises(report.ReportError, match="script-only are registered in this process only.*--scheme-module"):
            report.run(tmp_path / "r", ["real"], schemes=["script-only"], scenarios=["restart"], progress=False)
        assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())
    finally:
        from pcidesign.schemes import loader

        loader.reset()
