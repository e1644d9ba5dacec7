"""Each verdict says what backs the facts it rests on: the table of kinds of evidence mirrors the
facts page section by section, and ``explain`` prints it."""

from __future__ import annotations

import re

from conftest import ROOT

from pcidesign.model import engine, evidence
from pcidesign.render import text, witnessdiff


def page_kinds() -> dict[int, tuple[str, ...]]:
    """facts §N -> the bold kinds of evidence its section of docs/facts.md names."""
    page = (ROOT / "docs" / "facts.md").read_text(encoding="utf-8")
    parts = re.split(r"\n## §(\d+) ", page)
    out = {}
    for n, body in zip(parts[1::2], parts[2::2]):
        named = set(re.findall(r"\*\*(" + "|".join(evidence.KINDS) + r")\*\*", body))
        out[int(n)] = tuple(k for k in evidence.KINDS if k in named)
    return out


def test_the_table_mirrors_the_facts_page() -> None:
    assert evidence.BY_SECTION == page_kinds()


def test_citations_become_their_kinds_of_evidence() -> None:
    assert evidence.of_text("see facts §7 and facts §8") == (("facts §7", ("source", "measured")),
                                                           ("facts §8", ("thread",)))
    assert evidence.of_text("facts §3-§4")[1] == ("facts §4", ("source", "measured"))
    assert evidence.of_text("observed on 9.0.0 (data/calibration/36-no-model.xml)")[0][1] == ("measured",)
    assert evidence.line("no citation here") == ""


def test_explain_ends_with_what_backs_its_verdict() -> None:
    r = engine.run("model-subelement", "restart", "pcie-root-port", "3.2.0", "1.2.19")
    out = text.explanation(r)
    assert r.outcome.value == "domain-lost" and "(facts §7)" in r.detail
    assert out.splitlines()[-1] == "evidence: facts §7 (source, measured)"
    assert witnessdiff.view(r).evidence == "evidence: facts §7 (source, measured)"
