"""The documentation: the site builds in strict mode (a dangling link or anchor fails), the
README stays a short guide, and the generated parts (the findings page, the README's headline)
are what the model computes now."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from pcidesign.analysis import findings as F
from pcidesign.render import findingstext

README = ROOT / "README.md"
PAGES = tuple(sorted(p.stem for p in (ROOT / "docs").glob("*.md") if p.stem != "benchmarks-latest"))
"""Every page of the docs (benchmarks-latest.md is written by ``make bench`` and linked from benchmarks.md)."""


@pytest.fixture(scope="module")
def found() -> list[F.Finding]:
    return F.findings()


def test_the_site_builds_in_strict_mode(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        pytest.skip("mkdocs-material is not installed (it is in the `dev` extra: pip install -e '.[dev]')")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    got = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert got.returncode == 0, got.stdout[-3000:] + got.stderr[-3000:]
    for page in PAGES:
        built = tmp_path / "site" / ("index.html" if page == "index" else f"{page}/index.html")
        assert built.is_file(), f"{built} was not built"
    assert (tmp_path / "site" / "grid-whatif.png").is_file()


def test_every_page_is_in_the_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert {"index", "guide", "findings", "model", "extending", "calibration", "benchmarks", "facts",
            "sources"} <= set(PAGES)
    for page in PAGES:
        assert f" {page}.md" in nav, f"docs/{page}.md is not in mkdocs.yml's nav"


def test_the_readme_is_a_short_guide() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; the rest belongs in docs/"
    text = "\n".join(lines)
    for command in ("make report", "make test", "make docs"):
        assert command in text
    for page in PAGES:
        assert f"(docs/{page}.md" in text, f"the README does not point at docs/{page}.md"


def test_the_readme_headline_is_generated_from_the_model(found) -> None:
    text = README.read_text(encoding="utf-8")
    got = findingstext.section_of(text, findingstext.HEADLINE_BEGIN, findingstext.HEADLINE_END)
    assert got == findingstext.headline(found).rstrip(), (
        f"README.md's findings headline differs from the model; regenerate it with `{findingstext.REGENERATE}`")
    assert got.count("\n| `") == len(found)  # one row per question, after the header


def test_the_headline_lists_every_question_with_its_timeline(found) -> None:
    rows = findingstext.headline(found).splitlines()[2:]
    assert len(rows) == len(found)
    for row, f in zip(rows, found):
        assert row.startswith(f"| `{f.question.id}`") and f"| {f.timeline} |" in row


def test_the_regenerating_script_rewrites_both_parts(tmp_path: Path, found, monkeypatch) -> None:
    spec = importlib.util.spec_from_file_location("findings_page", ROOT / "docs" / "findings_page.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    page, readme = tmp_path / "findings.md", tmp_path / "README.md"
    page.write_text(f"intro\n{findingstext.README_BEGIN}\nstale\n{findingstext.README_END}\n", encoding="utf-8")
    readme.write_text(f"top\n{findingstext.HEADLINE_BEGIN}\nstale\n{findingstext.HEADLINE_END}\nend\n", encoding="utf-8")
    monkeypatch.setattr(mod, "PAGE", page)
    monkeypatch.setattr(mod, "README", readme)
    out = mod.regenerated(found)
    assert "stale" not in out[page] and out[page].startswith("intro\n") and "### " in out[page]
    assert "stale" not in out[readme] and out[readme].endswith("end\n") and "| question |" in out[readme]
