"""The notebooks and the one parameter schema (``pcidesign.model.params``): they declare what it
knows with the same types, hand every such parameter to it in their first cell and validate
nothing themselves."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import papermill
import pytest

from pcidesign.model.params import SCHEMA
from conftest import ROOT

# 00_explore's "intents" is the explorer's selector ("all", "default", "named" or one intent id), a
# text where the schema's "intents" is a list: left to the explorer's owner to rename
EXPLORER_OWN = {("00_explore", "intents")}
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def first_cell(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    at = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    return cells[at + 1].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_declares_schema_parameters_with_the_schema_type(path: Path) -> None:
    declared = papermill.inspect_notebook(str(path))
    for name, p in declared.items():
        if name in SCHEMA and (path.stem, name) not in EXPLORER_OWN:
            assert p["inferred_type_name"] == SCHEMA[name].kind, f"{path.stem}: {name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_hands_every_schema_parameter_to_the_check_and_checks_nothing_itself(path: Path) -> None:
    source = first_cell(path)
    tree = ast.parse(source)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "check_params"]
    assert len(calls) == 1, f"{path.stem}: the first cell calls check_params once"
    given = {kw.arg for kw in calls[0].keywords}
    declared = {n for n in papermill.inspect_notebook(str(path)) if n in SCHEMA and (path.stem, n) not in EXPLORER_OWN
                and n != "out_dir"}
    assert declared <= given, (path.stem, declared - given)
    assert not any(isinstance(n, ast.Raise) for n in ast.walk(tree)), f"{path.stem} raises on its own"
    assert "ParameterError" not in source
