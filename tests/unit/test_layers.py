"""The package's folders are the layers of docs/model.md#layers, and imports point one way: down.

Every ``import`` in every module counts, including those inside functions and under
``TYPE_CHECKING``: a lazy import from a higher layer is still a dependency on it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "pcidesign"

LAYERS: dict[str, int] = {
    "model": 0,       # facts, XML, dialects, the registry, the engine
    "schemes": 1,     # the built-in schemes, written against the model
    "analysis": 2,    # frames over the model: matrices, paths, fleet, comparisons
    "render": 3,      # text and figures from frames
    "calibrate": 3,   # the model against real components (prints through render)
    "report": 4,      # the batch report over notebooks
    "cli": 5,         # the command line
    "__init__": 5,    # the public API, which re-exports from every layer
    "__main__": 5,
}


def module_name(path: Path) -> str:
    """``pcidesign/model/engine.py`` -> ``pcidesign.model.engine``; packages by their folder."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def layer_of(module: str) -> int:
    """The layer of a ``pcidesign`` module, from its first component below the package."""
    parts = module.split(".")
    key = parts[1] if len(parts) > 1 else "__init__"
    if key not in LAYERS:
        raise AssertionError(f"{module} is in no layer; add its folder to LAYERS in {__file__}")
    return LAYERS[key]


def modules() -> dict[str, Path]:
    """Every module of the package, by name."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The pcidesign modules ``path`` imports (a submodule when ``from pkg import sub`` names one)."""
    tree = ast.parse(path.read_text(), str(path))
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "pcidesign")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "pcidesign":
                continue
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
            found.update(subs or [target])
            if len(subs) < len(node.names):
                found.add(target)
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    """Module -> the pcidesign modules it imports."""
    mods = modules()
    known = set(mods)
    return {name: imports_of(path, name, known) & known for name, path in mods.items()}


def test_every_module_is_in_a_layer() -> None:
    for name in modules():
        layer_of(name)


def test_no_import_from_a_higher_layer() -> None:
    upward = [
        f"{src} (layer {layer_of(src)}) imports {dst} (layer {layer_of(dst)})"
        for src, dsts in graph().items() for dst in sorted(dsts)
        if layer_of(dst) > layer_of(src)
    ]
    assert not upward, "imports must point down the layers:\n" + "\n".join(upward)


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``g`` as a list of modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(g.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state and (cycle := visit(m)):
                return cycle
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(g):
        if n not in state and (cycle := visit(n)):
            return cycle
    return None


def test_no_import_cycle() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("g, has_cycle", [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, False),
    ({"a": {"b"}, "b": {"a"}}, True),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, True),
])
def test_cycle_finder_finds_cycles(g: dict[str, set[str]], has_cycle: bool) -> None:
    assert (find_cycle(g) is not None) == has_cycle


def test_the_checker_sees_lazy_and_type_only_imports(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pcidesign.report import runner\n"
        "def f():\n    from ..render import plots\n"
    )
    known = {"pcidesign.report.runner", "pcidesign.render.plots"}
    assert imports_of(src, "pcidesign.model.m", known) == known


RENDER_MAY_NOT = ("pcidesign.model.registry", "pcidesign.model.catalog", "pcidesign.model.xmlsafe",
                  "pcidesign.model.domain", "pcidesign.model.dialect", "lxml")


def test_render_draws_frames_and_knows_no_xml_registry_or_catalog() -> None:
    """Figures and text take what the analyses computed: no XML parsing, no scheme or fact lookups."""
    crossings = []
    for name, path in modules().items():
        if not name.startswith("pcidesign.render"):
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                targets = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                targets = []
            crossings += [f"{name} imports {t}" for t in targets if t.startswith(RENDER_MAY_NOT)]
    assert not crossings, "\n".join(crossings)
