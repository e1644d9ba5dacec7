"""The notebooks: committed clean, parameters declared, and run through papermill with their
defaults and with other parameters, the values they show checked against the API."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from pcidesign import scheme_ids
from pcidesign.analysis import compare
from pcidesign.analysis import matrices as analysis
from pcidesign.render import plots
from pcidesign.model.errors import UnknownNameError
from pcidesign.report.params import Outputs, ParameterError, check_params
from conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
NAMES = ["00_explore", "01_schemes", "02_matrix", "03_compare"]


def path(name: str) -> Path:
    return NOTEBOOKS / f"{name}.ipynb"


def defaults(name: str) -> dict:
    import papermill

    return {k: ast.literal_eval(v["default"]) for k, v in papermill.inspect_notebook(str(path(name))).items()}


def run(name: str, tmp_path: Path, **params) -> nbformat.NotebookNode:
    import papermill

    out = tmp_path / f"{name}-out.ipynb"
    papermill.execute_notebook(str(path(name)), str(out), parameters=params, kernel_name="python3",
                               progress_bar=False, cwd=str(tmp_path))
    return nbformat.read(out, as_version=4)


def shown_table(nb: nbformat.NotebookNode, tag: str, **read) -> pd.DataFrame:
    """The (last) HTML table a tagged cell displayed, as a frame."""
    cell = next(c for c in nb.cells if tag in c.metadata.get("tags", []))
    htmls = [o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {})]
    assert htmls, f"cell {tag} shows no table"
    return pd.read_html(io.StringIO(htmls[-1]), keep_default_na=False, **read)[0]


# -- the committed files --------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_without_outputs(name):
    nb = nbformat.read(path(name), as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: a cell has outputs"
            assert cell.execution_count is None, f"{name}: a cell has an execution count"
        assert "papermill" not in cell.metadata and "execution" not in cell.metadata
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", NAMES)
def test_one_typed_commented_parameters_cell_then_the_check(name):
    import papermill

    nb = nbformat.read(path(name), as_version=4)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    declared = papermill.inspect_notebook(str(path(name)))
    assert "out_dir" in declared and "timeline" in declared
    for p in declared.values():
        assert p["inferred_type_name"] in {"str", "int", "list[str]", "dict"}, p  # dict: the setting's axes
        assert p["help"], f"{name}: parameter {p['name']} has no comment"
    following = next(c for c in nb.cells[tagged[0] + 1:] if c.cell_type == "code")
    assert "check_params(" in following.source
    for line in nb.cells[tagged[0]].source.splitlines():
        assert not any(part in line for part in ("/work", "/root", "/home")), line
    # Versions are strings in the defaults.
    for key in ("releases",):
        assert all(isinstance(r, str) for r in defaults(name).get(key, []))


# -- the check the notebooks call first --------------------------------------------------------------
def test_check_params_accepts_good_values_and_empty_lists():
    assert check_params(scheme="model-subelement", scenario="migrate", timeline="whatif",
                        releases=["1.2.18", "H1"], intents=[], explain=3)["explain"] == 3


@pytest.mark.parametrize("params, kind, valid", [
    ({"scheme": "nope"}, "scheme", "model-subelement"),
    ({"schemes": ["status-quo", "nope"]}, "scheme", "impl-attribute"),
    ({"scenarios": ["restart", "reboot"]}, "scenario", "migrate-roundtrip"),
    ({"timeline": "future"}, "timeline", "whatif"),
    ({"timeline": "real", "releases": ["1.2.18", "H1"]}, "release", "9.0.0"),
    ({"intent": "pcie-root-port:nope"}, "intent", "pcie-root-port:ioh3420"),
])
def test_check_params_names_the_parameter_and_lists_valid_values(params, kind, valid):
    with pytest.raises(UnknownNameError) as err:
        check_params(**params)
    msg = str(err.value)
    assert f"unknown {kind}" in msg and "parameter" in msg and valid in msg


@pytest.mark.parametrize("params, words", [
    ({"releases": [1.2]}, "must be a string"),
    ({"timeline": 3}, "must be a string"),
    ({"schemes": "status-quo"}, "list of strings"),
    ({"releases": ["1.2.18", "1.2.18"]}, "twice"),
])
def test_check_params_refuses_wrong_types(params, words):
    with pytest.raises(ParameterError, match=words):
        check_params(**params)


def test_outputs_needs_an_absolute_folder(tmp_path):
    with pytest.raises(ParameterError, match="absolute"):
        Outputs("relative/dir")
    assert Outputs("").dir is None
    assert Outputs(str(tmp_path / "x")).dir == tmp_path / "x"


# -- running them -----------------------------------------------------------------------------------------
@pytest.mark.notebook
def test_02_defaults_show_the_matrix_of_the_api(tmp_path):
    d = defaults("02_matrix")
    nb = run("02_matrix", tmp_path)
    assert d["scope"] == "naming"  # the notebooks show the naming signal apart, as the report's grids do
    frame = analysis.matrix(d["scheme"], d["scenario"], d["timeline"], d["intents"] or None, d["releases"] or None,
                            scope=d["scope"])
    shown = shown_table(nb, "cells", index_col=0)
    expected = plots.cell_table(frame).data
    assert list(shown.index.astype(str)) == list(expected.index)
    assert shown.astype(str).values.tolist() == expected.values.tolist()
    assert not list(tmp_path.glob("*.csv")), "no out_dir: nothing written"
    images = [o for c in nb.cells if "heatmap" in c.metadata.get("tags", []) for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) == 1
    explain = next(c for c in nb.cells if "explain" in c.metadata.get("tags", []))
    text = "".join(o.get("text", "") for o in explain.outputs)
    worst = analysis.worst_examples(frame, d["explain"])
    assert text.count("verdict:") == len(worst)


@pytest.mark.notebook
def test_02_other_parameters_write_what_they_show(tmp_path):
    params = dict(scheme="impl-attribute", scenario="migrate", timeline="whatif", intents=[],
                  releases=["1.2.18", "4.3.0", "H1", "H2"], explain=1, out_dir=str(tmp_path / "out"))
    nb = run("02_matrix", tmp_path, **params)
    frame = analysis.matrix("impl-attribute", "migrate", "whatif", None, params["releases"], scope="naming")
    written = pd.read_csv(tmp_path / "out" / "matrix.csv", dtype=str)
    expected = frame.astype({"outcome": str})
    assert written.fillna("").values.tolist() == expected.astype(str).values.tolist()
    shown = shown_table(nb, "cells", index_col=0)
    assert list(shown.index.astype(str)) == params["releases"]
    assert shown.astype(str).values.tolist() == plots.cell_table(frame).data.values.tolist()
    cells = pd.read_csv(tmp_path / "out" / "cells.csv", dtype={"from": str, "to": str})
    assert cells["count"].tolist() == analysis.worst_cells(frame)["count"].tolist()
    assert (tmp_path / "out" / "heatmap.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.notebook
def test_01_shows_what_each_scheme_writes(tmp_path):
    d = defaults("01_schemes")
    nb = run("01_schemes", tmp_path)
    shown = shown_table(nb, "forms")
    expected = analysis.written_forms(d["intent"], d["schemes"] or None, d["timeline"], d["releases"] or None)
    assert shown.astype(str).values.tolist() == expected.values.tolist()
    notes = shown_table(nb, "notes", index_col=0)
    assert list(notes.index) == d["schemes"]

    params = dict(intent="dmi-to-pci-bridge:generic-dmi-bridge", timeline="whatif", schemes=[],
                  releases=["4.3.0", "H1", "H2"], out_dir=str(tmp_path / "o"))
    nb = run("01_schemes", tmp_path, **params)
    expected = analysis.written_forms(params["intent"], None, "whatif", params["releases"])
    assert len(expected) == len(scheme_ids()) * 3
    shown = shown_table(nb, "forms")
    assert shown.astype(str).values.tolist() == expected.values.tolist()
    written = pd.read_csv(tmp_path / "o" / "written-forms.csv", dtype=str).fillna("")
    assert written.values.tolist() == expected.values.tolist()


@pytest.mark.notebook
def test_03_defaults_and_a_wider_comparison(tmp_path):
    d = defaults("03_compare")
    nb = run("03_compare", tmp_path)
    assert d["scope"] == "naming" and d["policy"] == "upstream"
    expected = compare.compare(d["schemes"] or None, d["timeline"], d["policy"]).summary
    shown = shown_table(nb, "pareto", index_col=0)
    assert shown["variant"].tolist() == expected["variant"].tolist()
    assert shown["violated"].tolist() == expected["violated"].tolist()
    assert shown["pareto"].astype(str).tolist() == expected["pareto"].astype(str).tolist()
    printed = "".join(o.get("text", "") for c in nb.cells if "violations" in c.metadata.get("tags", [])
                      for o in c.get("outputs", []))
    assert "model-subelement breaks upgrade: guest-changed" in printed

    params = dict(timeline="real", schemes=["status-quo", "written-subtype", "model-subelement"], scenarios=[],
                  scope="all", policy="ovirt", out_dir=str(tmp_path / "o"))
    run("03_compare", tmp_path, **params)
    written = pd.read_csv(tmp_path / "o" / "pareto.csv")
    expected = compare.compare(params["schemes"], "real", "ovirt").summary
    assert written["variant"].tolist() == expected["variant"].tolist()
    assert written["violated"].tolist() == expected["violated"].tolist()
    for name in ("pareto.png", "grid-default.png", "grid-named.png", "scorecard-default.csv", "scorecard-named.csv"):
        assert (tmp_path / "o" / name).stat().st_size > 0, name


@pytest.mark.notebook
@pytest.mark.parametrize("name, params, words", [
    ("02_matrix", {"scheme": "no-such-scheme"}, ["unknown scheme 'no-such-scheme'", "model-subelement"]),
    ("01_schemes", {"timeline": "real", "releases": ["1.2.19", "H1"]}, ["unknown release 'H1'", "9.0.0"]),
])
def test_a_bad_parameter_stops_the_first_cell_with_the_valid_values(tmp_path, name, params, words):
    import papermill

    with pytest.raises(papermill.PapermillExecutionError) as err:
        run(name, tmp_path, **params)
    assert err.value.ename == "UnknownNameError"
    for w in words:
        assert w in err.value.evalue
    nb = nbformat.read(tmp_path / f"{name}-out.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    failed = [i for i, c in enumerate(code) if any(o.get("output_type") == "error" for o in c.outputs)]
    check = next(i for i, c in enumerate(code) if "check_params(" in c.source)
    assert failed == [check]
    assert all(c.execution_count is None for c in code[check + 1:])


@pytest.mark.notebook
def test_04_takes_a_variant(tmp_path):
    nb = run("04_paths", tmp_path, scheme="model-subelement+fill=define-only", timeline="whatif", max_hops=2,
             intents=["dmi-to-pci-bridge"])
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert '"scheme": "model-subelement+fill=define-only"' in printed
