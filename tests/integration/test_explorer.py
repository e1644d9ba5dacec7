"""The explorer: ``notebooks/00_explore.ipynb`` under papermill (its static view) and the ipywidgets
controls driven in-process (issue 11, acceptance 5)."""

from __future__ import annotations

import io
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import pcidesign

from pcidesign import Outcome, run
from pcidesign.model.errors import UnknownNameError
from pcidesign.report import explorer
from conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "00_explore.ipynb"


def execute(tmp_path: Path, **params) -> nbformat.NotebookNode:
    import papermill

    out = tmp_path / "00-out.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters=params, kernel_name="python3",
                               progress_bar=False, cwd=str(tmp_path))
    return nbformat.read(out, as_version=4)


def outputs(nb: nbformat.NotebookNode, tag: str) -> list:
    return next(c for c in nb.cells if tag in c.metadata.get("tags", [])).outputs


def defaults() -> dict:
    import ast

    import papermill

    return {k: ast.literal_eval(v["default"]) for k, v in papermill.inspect_notebook(str(NOTEBOOK)).items()}


@pytest.mark.notebook
@pytest.mark.parametrize("params", [
    {},
    {"variant": "written-subtype", "scenario": "resave-roundtrip", "timeline": "real", "intents": "all",
     "cell": "dmi-to-pci-bridge 1.2.18 1.2.19", "widgets": "yes"},
    {"variant": "model-subelement+fill=define-only", "scenario": "restart", "timeline": "whatif",
     "intents": "default", "widgets": "yes"},
])
def test_the_notebook_shows_the_view_of_its_parameters(tmp_path, params) -> None:
    p = {**defaults(), **params}
    nb = execute(tmp_path, **params)
    v = explorer.view(p["variant"], p["scenario"], p["timeline"], p["pairing"], p["intents"], p["cell"])
    static = outputs(nb, "static")
    controls = outputs(nb, "explorer")
    if p["widgets"] == "yes":  # one heatmap: the controls show the view, the static cell says so
        assert not any("image/png" in o.get("data", {}) for o in static)
        assert "The controls below show this view" in "".join(o.get("data", {}).get("text/html", "") for o in static)
        assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in controls)
        return
    assert any("image/png" in o.get("data", {}) for o in static)
    table = next(o["data"]["text/html"] for o in static if "<table" in o.get("data", {}).get("text/html", ""))
    shown = pd.read_html(io.StringIO(table), index_col=0)[0]
    expected = explorer.failing_table(v).head(explorer.SHOWN)
    assert shown.astype(str).values.tolist() == expected.astype(str).values.tolist()
    text = "".join(o["data"]["text/html"] for o in static if "<pre" in o.get("data", {}).get("text/html", ""))
    assert v.chosen is not None and f"verdict: {v.chosen.outcome.value}" in text
    assert "No controls here" in "".join(o.get("text", "") for o in controls)


@pytest.mark.notebook
def test_a_bad_parameter_stops_at_the_check(tmp_path) -> None:
    import papermill

    with pytest.raises(papermill.PapermillExecutionError) as err:
        execute(tmp_path, intents="pcie-root-port:nope")
    assert err.value.ename == "UnknownNameError" and "pcie-root-port:ioh3420" in err.value.evalue


def test_the_view_lists_failing_cells_worst_first() -> None:
    v = explorer.view("model-subelement", "restart", "whatif", intents="default")
    severities = [c.outcome.severity for c in v.failing]
    assert severities == sorted(severities, reverse=True) and v.failing
    assert all(c.outcome.is_failure for c in v.failing)
    assert len(v.failing) == sum(Outcome(str(o)).is_failure for o in v.frame["outcome"])
    first = v.failing[0]
    assert run("model-subelement", "restart", first.intent, first.a, first.b).outcome is first.outcome
    assert v.result is not None and v.result.outcome is first.outcome


@pytest.mark.parametrize("kwargs, kind", [
    ({"pairing": "mixed"}, "pairing"),
    ({"intents": "nope"}, "intent"),
    ({"cell": "dmi-to-pci-bridge 1.2.18"}, "cell"),
    ({"cell": "dmi-to-pci-bridge 1.2.18 H9"}, "release"),
])
def test_bad_choices_name_the_valid_ones(kwargs, kind) -> None:
    with pytest.raises(UnknownNameError, match=f"unknown {kind}"):
        explorer.view("model-subelement", "restart", "whatif", **kwargs)


def test_the_controls_redraw_and_a_click_explains_the_cell() -> None:
    e = explorer.Explorer("model-subelement", "restart", "whatif", "bundled", "default")
    assert e.current.setting.scope == "naming" and "left out" in e.status.value  # the naming signal apart
    assert e.variant.label == "what shipped (model-subelement)"  # the thread's name, in full
    assert e.cell.value == e.current.failing[0].key
    assert "guest-changed" in e.explained.value
    e.variant.value = "status-quo"
    # status quo fails nowhere the naming decides (the chassis-number cells are left out)
    assert e.current.variant == "status-quo" and not e.current.failing and "No cell fails" in e.explained.value
    e.scope.value = "all"
    e.variant.value, e.scenario.value, e.timeline.value = "written-subtype", "resave-roundtrip", "real"
    assert e.current.timeline == "real" and e.current.scenario == "resave-roundtrip"
    buttons = [c for c in e.picker.children if c.__class__.__name__ == "Button"]
    n = len(pcidesign.load_catalog().timeline("real"))
    assert len(buttons) == n * n
    row_1_2_18_to_1_2_19 = buttons[1]
    assert row_1_2_18_to_1_2_19.tooltip == "1.2.18 -> 1.2.19: domain-lost"
    row_1_2_18_to_1_2_19.click()
    assert "1.2.18 &rarr; 1.2.19: domain-lost" in e.explained.value
    clicked = e.cell.value  # the dropdown follows the click
    assert clicked is not None and clicked.split()[1:] == ["1.2.18", "1.2.19"]
    ok = next(b for b in buttons if b.tooltip.endswith(": ok"))
    ok.click()
    assert e.cell.value is None and ": ok</h4>" in e.explained.value  # not a failing cell: no stale choice
    e.cell.value = e.cell.options[-1][1]
    assert e.cell.options[-1][0].split(":")[0] in e.explained.value
    assert explorer.widgets_wanted("no") is False and explorer.widgets_wanted("yes") is True
