"""The report hands each matrix notebook (02) its variant and scenario of the sweep only: the rows
it shows are the whole results' rows, and the notebook given them shows what it computes itself."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from pcidesign import Setting
from pcidesign.analysis import results as _results
from pcidesign.report import plan as _plan
from pcidesign.report import runner
from conftest import ROOT

pytestmark = pytest.mark.slow

TWO = ["status-quo", "model-subelement+fill=define-only"]
SCENARIOS = ["restart", "migrate"]


@pytest.fixture(scope="module")
def whole() -> _results.Results:
    return _results.compute(_plan.scheme_ids(TWO), SCENARIOS, Setting.of({}, timeline="real"))


def test_a_slice_holds_one_matrix_row_for_row(whole: _results.Results) -> None:
    pairs = [(v, s) for v in TWO for s in SCENARIOS]
    parts = whole.slices([*pairs, ("status-quo", "resave-roundtrip")])  # not in the results: left out
    assert list(parts) == pairs
    naming = Setting.of({}, timeline="real", scope="naming")
    for (variant, scenario), part in parts.items():
        assert len(part.sweep) * len(pairs) == len(whole.sweep)
        assert part.holds(variant, scenario, naming) and part.comparison is None
        assert not part.holds(TWO[0] if variant != TWO[0] else TWO[1], scenario, naming)
        assert not part.answers(list(part.variants), naming, part.policy)  # no comparison: notebook 03 computes
        for scope in ("naming", "all"):
            mine, its = part.matrix(variant, scenario, scope), whole.matrix(variant, scenario, scope)
            pd.testing.assert_frame_equal(mine, its, check_exact=True)
            assert mine.attrs == its.attrs


def test_the_report_hands_matrix_notebooks_a_slice_and_notebook_03_the_whole(tmp_path: Path,
                                                                             whole: _results.Results) -> None:
    todo = _plan.plan(["real"], TWO, SCENARIOS)
    given = {j.stem: j.parameters.get("results") for j in runner._with_results(todo, {"real": whole}, tmp_path)}
    assert given["01_schemes"] is None and given["04_paths-status-quo"] is None  # no results parameter
    whole_file = _results.load(given["03_compare"])
    assert whole_file.comparison is not None and whole_file.variants == whole.variants
    matrices = [j for j in todo if j.notebook == "02_matrix"]
    assert matrices and all(j.one_matrix for j in matrices)
    assert len({given[j.stem] for j in matrices}) == len(matrices)  # a file each
    for job in matrices:
        part = _results.load(given[job.stem])
        assert part.variants == (_plan.scheme_ids([job.parameters["scheme"]])[0],)
        assert part.scenarios == (job.parameters["scenario"],)


@pytest.mark.notebook
def test_a_matrix_notebook_given_its_slice_shows_what_it_computes_itself(tmp_path: Path,
                                                                        whole: _results.Results) -> None:
    import papermill

    variant, scenario = TWO[1], "migrate"
    file = whole.slices([(variant, scenario)])[(variant, scenario)].save(tmp_path / "slice.pkl")
    shown = {}
    for how, extra in (("given", {"results": str(file)}), ("own", {})):
        out = tmp_path / how
        papermill.execute_notebook(
            str(ROOT / "notebooks" / "02_matrix.ipynb"), str(tmp_path / f"{how}.ipynb"), kernel_name="python3",
            progress_bar=False, cwd=str(tmp_path),
            parameters={"scheme": variant, "scenario": scenario, "timeline": "real", "intents": [], "releases": [],
                        "explain": 1, "out_dir": str(out), **extra})
        nb = nbformat.read(tmp_path / f"{how}.ipynb", as_version=4)
        outputs = [[{k: v for k, v in o.items() if k != "execution_count"} for o in c.outputs]
                   for c in nb.cells if c.cell_type == "code"]
        text = re.sub(r"T_[0-9a-f]{5}", "T_", json.dumps(outputs))  # a styled table's random id
        shown[how] = (re.sub(r" at 0x[0-9a-f]+", "", text),  # and its address
                      {p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert shown["given"][0] == shown["own"][0]
    assert shown["given"][1] == shown["own"][1] and "heatmap.png" in shown["given"][1]
