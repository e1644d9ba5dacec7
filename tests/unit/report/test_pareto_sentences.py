"""The front page's Pareto section says, per timeline, which setting its front was drawn under
(and how to see what it depends on), and puts the shipped design guarded beside unguarded."""

from __future__ import annotations

import pcidesign
from pcidesign.analysis import compare
from pcidesign.render import comparetext
from pcidesign.report import frontpage


def test_the_shipped_design_guarded_beside_unguarded_from_the_comparison() -> None:
    c = compare.compare(["model-subelement", "model-subelement+fill=define-only"], "whatif")
    rows = comparetext.summary_records(c)
    text = frontpage.guarded_sentence(rows)
    by = {r["variant"]: r for r in rows}
    for variant in ("model-subelement", "model-subelement+fill=define-only"):
        assert f"{by[variant]['violated']} rules broken ({by[variant]['worse']} cells worse)" in text
    assert text.index("unguarded") < text.index("guarded, the default filled at define only")
    assert frontpage.guarded_sentence([r for r in rows if r["variant"] == "model-subelement"]) == ""


def test_the_assumptions_sentence_names_the_setting_and_the_commands() -> None:
    c = compare.compare(["status-quo"], setting=pcidesign.Setting(timeline="real", machine="q35"))
    text = frontpage.assumptions_sentence(c)
    assert "machine q35" in text and "--timeline real" in text
    assert "pcidesign findings --question pareto-upstream" in text
