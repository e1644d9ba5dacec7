"""The table of tests one xdist worker runs together (tests/conftest.py's SHARED) names tests
that exist: a renamed test or module would quietly lose its unit (and compute its costly fixture
on both workers again)."""

from __future__ import annotations

import ast
import re

import pytest
from conftest import ROOT, SHARED, shared_unit


@pytest.mark.parametrize("key", list(SHARED))
def test_every_entry_names_a_module_or_test_that_exists(key: str) -> None:
    path, _, test = key.partition("::")
    module = ROOT / path
    assert module.is_file(), f"{path} does not exist"
    if not test:
        return
    name = re.sub(r"\[.*\]$", "", test)
    defined = {n.name for n in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
               if isinstance(n, ast.FunctionDef)}
    assert name in defined, f"{path} defines no {name}"
    assert SHARED[key].split(":")[0] and ": " in SHARED[key], "name: why"


def test_a_node_id_belongs_to_its_entry_only() -> None:
    assert shared_unit("tests/integration/test_wheel.py::test_the_wheel_holds_the_package_data") == "wheel"
    assert shared_unit("tests/unit/cli/test_widths.py::test_no_line_is_wider_than_the_terminal[findings]") == \
        "findings-cli"
    assert shared_unit("tests/unit/cli/test_widths.py::test_no_line_is_wider_than_the_terminal[compare]") is None
    assert shared_unit("tests/integration/test_wheel_other.py::test_x") is None
