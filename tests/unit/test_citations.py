"""Every citation resolves inside the repository: the README, the docs pages, the data files and
the string literals of the package cite facts (``facts §N``: an anchor of docs/facts.md),
sources (``sources: KEY``: an anchor of docs/sources.md), docs pages (``docs/PAGE.md#anchor``),
sections of the calibration measurements (``qemu-facts.md §N``) and files of the repository by
path. A citation of something the repository does not hold (the facts or design notes kept
outside the checkout, an
``issue N`` of another tracker, a path outside the checkout) fails, with where it was found."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from conftest import ROOT

DOCS = ROOT / "docs"

OUTSIDE = ("FACTS", "DESIGN")
"""The names of the notes kept outside the checkout, spelled in parts so that this file cites
neither: the check and the examples below build the citations it must refuse."""
NOT_IN_REPO = re.compile(rf"\b(?:{'|'.join(OUTSIDE)})\.md\b|\bissues? \d+\b|\.\./shared/"
                         rf"|\bshared/(?:{'|'.join(OUTSIDE)}|reference)")
FACTS = re.compile(r"\bfacts (§\d+(?:(?:, | and |-)§?\d+)*)")
SOURCES = re.compile(r"\bsources: ([a-z0-9-]+)")
DOC_LINK = re.compile(r"\bdocs/([a-z0-9_-]+\.md)(?:#([a-z0-9_-]+))?")
MEASURED = re.compile(r"\bqemu-facts\.md §(\d+)")
# paths of this repository; libvirt's own (docs/formatdomain, tests/qemuxml2argvdata, ...) are not
REPO_PATH = re.compile(r"(?<![\w./-])((?:data|pcidesign|benchmarks|notebooks)/[A-Za-z0-9_./-]*[A-Za-z0-9_/]"
                       r"|docs/[A-Za-z0-9_-]+\.(?:md|png|py)|tests/golden/?\b|tests/(?:(?:unit|integration)/[\w/]*)?test_\w+\.py)")
MD_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    text = re.sub(r"[^\w\s-]", "", heading.strip().lower())
    return re.sub(r"[-\s]+", "-", text).strip("-")


@cache
def anchors(page: Path) -> frozenset[str]:
    """The anchors a docs page defines: explicit ``{#id}`` attributes and its headings' slugs."""
    found = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        found.update(re.findall(r"\{#([A-Za-z0-9_-]+)\}", line))
        m = re.match(r"#{1,6} (.*)", line)
        if m and "{#" not in m.group(1):
            found.add(_slug(m.group(1)))
    return frozenset(found)


def problems(text: str) -> Iterator[str]:
    """Every citation in ``text`` that does not resolve, each as a short description."""
    for m in NOT_IN_REPO.finditer(text):
        yield f"{m.group(0)!r} is not in the repository (cite facts §N, sources: KEY or a docs page)"
    for m in FACTS.finditer(text):
        for n in re.findall(r"\d+", m.group(1)):
            if f"facts-{n}" not in anchors(DOCS / "facts.md"):
                yield f"{m.group(0)!r}: docs/facts.md has no section §{n}"
    for m in SOURCES.finditer(text):
        if m.group(1) not in anchors(DOCS / "sources.md"):
            yield f"{m.group(0)!r}: docs/sources.md has no anchor #{m.group(1)}"
    for m in DOC_LINK.finditer(text):
        page = DOCS / m.group(1)
        if not page.is_file():
            yield f"{m.group(0)!r}: no such page"
        elif m.group(2) and m.group(2) not in anchors(page):
            yield f"{m.group(0)!r}: docs/{m.group(1)} has no anchor #{m.group(2)}"
    measured = (ROOT / "data" / "calibration" / "qemu-facts.md").read_text(encoding="utf-8")
    for m in MEASURED.finditer(text):
        if not re.search(rf"^## {m.group(1)}\. ", measured, flags=re.M):
            yield f"{m.group(0)!r}: data/calibration/qemu-facts.md has no section {m.group(1)}"
    for m in REPO_PATH.finditer(text):
        path = m.group(1).rstrip("./")
        if any(c in path for c in "*{}") or re.search(r"[A-Z]{3,}", path):
            continue  # a pattern (data/*.csv) or a placeholder (NAME.src.xml), not a file
        if not (ROOT / path).exists():
            yield f"{path!r}: no such file in the repository"


def markdown_links(path: Path, text: str) -> Iterator[str]:
    """Relative links of a Markdown file whose target (or anchor) does not exist."""
    for m in MD_LINK.finditer(text):
        target = m.group(1)
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve()
        if not dest.exists():
            yield f"link {target!r}: no such file"
        elif anchor and dest.suffix == ".md" and dest.parent == DOCS and anchor not in anchors(dest):
            yield f"link {target!r}: no anchor #{anchor}"


def _texts() -> Iterator[tuple[str, str]]:
    """(where, text) for every place a citation can be: README, docs pages, data files, and each
    string literal of the package (docstrings included)."""
    files = [ROOT / "README.md", *sorted(DOCS.glob("*.md")), *sorted((ROOT / "data").rglob("*.csv")),
             *sorted((ROOT / "data").rglob("*.md"))]
    for f in files:
        yield str(f.relative_to(ROOT)), f.read_text(encoding="utf-8")
    for f in sorted((ROOT / "pcidesign").rglob("*.py")):
        if "data" in f.relative_to(ROOT / "pcidesign").parts or "notebooks" in f.relative_to(ROOT / "pcidesign").parts:
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"), filename=str(f))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield f"{f.relative_to(ROOT)}:{node.lineno}", node.value


def test_every_citation_resolves() -> None:
    bad = []
    for where, text in _texts():
        bad += [f"{where}: {p}" for p in problems(text)]
        if where.endswith(".md"):
            bad += [f"{where}: {p}" for p in markdown_links(ROOT / where, text)]
    assert not bad, f"{len(bad)} citation(s) do not resolve:\n" + "\n".join(bad[:60])


def test_the_facts_page_keeps_its_numbered_sections() -> None:
    have = anchors(DOCS / "facts.md")
    assert {f"facts-{n}" for n in range(1, 11)} <= have


@pytest.mark.parametrize("text", [
    f"observed on 9.0.0 ({OUTSIDE[0]}.md §4)", f"the layers of {OUTSIDE[1]}.md", "quoted in issue 11",
    f"see ../shared/{OUTSIDE[0]}.md",
    "facts §99", "facts §3 and §42", "sources: no-such-entry", "docs/no-such-page.md", "docs/facts.md#facts-99",
    "measured, qemu-facts.md §9", "data/no-such-file.csv", "tests/unit/test_no_such_file.py",
])
def test_a_dangling_citation_is_caught(text: str) -> None:
    assert list(problems(text)), f"{text!r} was not reported"


@pytest.mark.parametrize("text", [
    "observed on 9.0.0 (facts §4)", "facts §3 and §8", "facts §4, §9", "libvir-list June 2015; sources: thread-jan",
    "docs/model.md#comparing", "measured: data/calibration/qemu-facts.md §4", "data/questions.csv", "data/*.csv",
    "tests/unit/test_citations.py", "tests/golden/",
])
def test_a_resolving_citation_passes(text: str) -> None:
    assert not list(problems(text)), list(problems(text))
