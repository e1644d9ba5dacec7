"""What the report computes once and hands to its notebooks (``results``, ``explorations``): the
right notebooks get it, and a notebook given it shows what one computing its own shows."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from pcidesign import scheme_ids
from pcidesign.model import registry
from pcidesign.analysis import results as _results
from pcidesign.report import plan as _plan
from pcidesign.report import runner
from conftest import ROOT

pytestmark = pytest.mark.slow

TWO = ["status-quo", "model-subelement+fill=define-only"]


def _paths_jobs(schemes: list[str]) -> list[_plan.Job]:
    specs = [s for s in _plan.NOTEBOOKS if s.name in ("04_paths", "01_schemes")]
    return _plan.plan(["real"], schemes, ["restart"], specs)


def test_the_report_hands_each_paths_notebook_its_timelines_searches(tmp_path: Path) -> None:
    todo = runner._with_explorations(_paths_jobs(TWO), tmp_path)
    given = {j.stem: j.parameters.get("explorations") for j in todo}
    assert given["01_schemes"] is None  # declares no such parameter
    files = {given[f"04_paths-{s}"] for s in ("status-quo", "model-subelement-fill-define-only")}
    assert len(files) == 1  # one producer for the timeline, read by every paths notebook
    shared = _results.load_explorations(files.pop())
    for job in todo:
        if job.notebook != "04_paths":
            continue
        chosen = registry.get(job.parameters["scheme"]).id
        ids = list(dict.fromkeys([*scheme_ids(), chosen]))
        assert shared.answers(ids, "real", job.parameters["max_hops"], job.parameters["hops"])
        assert chosen in shared.notions
        assert "explorations" not in runner.recorded(job.parameters)  # summary.json never names the file
    # other parameters than those searched: the notebook searches itself
    assert not shared.answers(list(scheme_ids()), "real", 2, ["restart", "resave", "migrate"])
    assert not shared.answers(list(scheme_ids()), "real", 3, ["restart"])
    assert not shared.answers(list(scheme_ids()), "real", 3, ["restart", "resave", "migrate"], ["pcie-root-port"])


def test_a_notebook_asking_for_other_intents_is_not_handed_the_searches(tmp_path: Path) -> None:
    [job] = [j for j in _paths_jobs(TWO[:1]) if j.notebook == "04_paths"]
    job = runner.dataclasses.replace(job, parameters={**job.parameters, "intents": ["pcie-root-port"]})
    assert runner._with_explorations([job], tmp_path)[0].parameters.get("explorations") is None


def test_the_costliest_notebooks_start_first_and_the_pages_keep_the_plan_order() -> None:
    todo = _plan.plan(["real"], TWO, ["restart"])
    order = [j.notebook for j in runner.by_cost(todo)]
    assert order[0] == "03_compare" and order[-1] == "01_schemes"
    assert order.index("04_paths") < order.index("02_matrix")
    assert sorted(j.index for j in runner.by_cost(todo)) == [j.index for j in todo]


def _outputs(nb: nbformat.NotebookNode) -> list[list[dict]]:
    return [[{k: v for k, v in o.items() if k != "execution_count"} for o in c.outputs]
            for c in nb.cells if c.cell_type == "code"]


@pytest.mark.notebook
def test_a_paths_notebook_given_the_searches_shows_what_it_computes_itself(tmp_path: Path) -> None:
    import papermill

    scheme = TWO[1]
    found = _results.compute_explorations(scheme_ids(), [_plan.scheme_ids([scheme])[0]], "real", 3,
                                          ["restart", "resave", "migrate"])
    file = found.save(tmp_path / "explorations.pkl")
    shown = {}
    for how, extra in (("given", {"explorations": str(file)}), ("own", {})):
        out = tmp_path / how
        papermill.execute_notebook(
            str(ROOT / "notebooks" / "04_paths.ipynb"), str(tmp_path / f"{how}.ipynb"), kernel_name="python3",
            progress_bar=False, cwd=str(tmp_path),
            parameters={"scheme": scheme, "timeline": "real", "intents": [], "start": "", "out_dir": str(out),
                        **extra})
        shown[how] = (_outputs(nbformat.read(tmp_path / f"{how}.ipynb", as_version=4)),
                      {p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert shown["given"][0] == shown["own"][0]  # every cell's text, tables and figure
    assert shown["given"][1] == shown["own"][1] and "witness.png" in shown["given"][1]
