"""Each answer's robustness to one assumption changed, and questions that tell no variant apart
(issue 19, items 4 and 5)."""

from __future__ import annotations

import json

import pytest

from pcidesign.analysis import findings as F
from pcidesign.analysis import robustness
from pcidesign.cli import main
from pcidesign.model.errors import UnknownNameError
from pcidesign.model.setting import Setting
from pcidesign.render import findingstext


def test_alternatives_cover_every_fixed_axis_the_machine_and_the_shipped_fill() -> None:
    alts = {a.label for a in robustness.alternatives(Setting(), ["model-subelement", "status-quo"])}
    assert {"pairing=libvirt-only", "pairing=release-day", "writer=newest", "scope=naming", "machine=alias",
            "fill=current", "fill=define-only", "fill=never"} <= alts
    assert not any(a.startswith("fill=") for a in
                   (x.label for x in robustness.alternatives(Setting(), ["status-quo"])))
    assert "writer=class" not in alts  # the value in force is no alternative


def test_parse_assumption_names_the_valid_axes() -> None:
    assert robustness.parse_assumption("writer=newest") == ("writer", "newest")
    with pytest.raises(UnknownNameError, match="valid: timeline, machine, pairing, writer"):
        robustness.parse_assumption("colour=red")


@pytest.fixture(scope="module")
def target() -> F.Finding:
    return F.findings(questions=["target-downgrade"], robust=True)[0]


def test_a_question_every_variant_answers_alike_does_not_discriminate(target: F.Finding) -> None:
    assert target.discriminates is False
    record = findingstext.to_json([target])["questions"][0]
    assert record["discriminates"] is False
    for a in record["answers"]:
        assert a["robust"] is (not a["flips"])
        assert all(set(x) == {"axis", "value", "answer", "outcome"} for x in a["flips"])
    # scope=naming leaves out the cells where 1.2.18 does not know <target>: the change vanishes
    assert any(x["axis"] == "scope" and x["value"] == "naming" for x in record["answers"][0]["flips"])


def test_the_text_puts_alike_questions_last_with_their_footnotes(target: F.Finding) -> None:
    other = F.findings(questions=["idea3-downgrade"], robust=True)[0]
    assert other.discriminates is True
    text = findingstext.table([target, other])
    assert text.index("idea3-downgrade:") < text.index(findingstext.ALIKE) < text.index("target-downgrade:")
    assert "=> every variant alike: guest-changed" in text
    assert "  * " in text and "scope=naming: " in text  # the visible footnote of the marks
    md = findingstext.markdown([target, other])
    assert "### Every variant alike" in md and "\\* " in md


def test_cli_assume_answers_under_another_setting(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["findings", "--question", "forward-unnamed", "--assume", "writer=newest", "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)["questions"][0]
    assert record["setting"]["writer"] == "newest"
    assert all("robust" in a and "flips" in a for a in record["answers"])
    assert main(["findings", "--assume", "writer"]) == 2
    assert "writer value" in capsys.readouterr().err


def test_an_axis_no_cell_feels_shares_the_answer_and_names_its_own_setting() -> None:
    """A question without a migration that takes the application's XML answers alike under every
    ``app_xml``: the answer is shared (no cell is computed again), its witness is the same cell,
    and the witness's command reproduces it under the setting asked for."""
    from pcidesign.analysis import questions
    from pcidesign.model import engine, transitions

    engine.clear_cache()
    cat = F.load()
    q = next(q for q in F.load_questions() if q.id == "ovirt-roll")
    base = q.under(None).check(cat)
    other = base.replace(app_xml="creation").check(cat)
    first = questions.variant_answer(q, "model-subelement", base, cat)
    computed = transitions.transitions_computed()
    again = questions.variant_answer(q, "model-subelement", other, cat)
    assert transitions.transitions_computed() - computed <= 2  # the two answers, no cell
    assert (again.outcome, again.counts, again.why) == (first.outcome, first.counts, first.why)
    assert again.witness.result is first.witness.result  # type: ignore[union-attr]
    assert again.witness.setting is other and "--app-xml creation" in again.witness.command  # type: ignore[union-attr]
    felt = next(q for q in F.load_questions() if q.id == "app-xml-forward")
    answers = {st.app_xml: questions.variant_answer(felt, "model-subelement", felt.under(None).replace(app_xml=st.app_xml)
                                                    .check(cat), cat) for st in (base, other)}
    assert answers[base.app_xml].witness.result is not answers["creation"].witness.result  # type: ignore[union-attr]
