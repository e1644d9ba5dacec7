"""``pcidesign findings``: the thread's questions answered from the model (issue 11, acceptance 1-2)."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from pcidesign.model.autoadd import in_naming_scope
from pcidesign.model.params import SCOPES
from pcidesign import Outcome, run
from pcidesign.analysis import findings as F
from pcidesign.cli import main
from pcidesign.model.catalog import load
from pcidesign.model.errors import DataError
from pcidesign.model import registry
from pcidesign.render import findingstext
from conftest import ROOT

FINDINGS_PAGE = ROOT / "docs" / "findings.md"
THREAD = {"h1-restart-2015", "h1-lifetime-2015", "idea3-downgrade", "ovirt-roll", "jan-migratable-back",
          "forward-unnamed", "idea4-old-libvirt", "shipped-3.2.0", "policy-upstream", "policy-ovirt",
          "pareto-upstream"}


@pytest.fixture(scope="module")
def found() -> list[F.Finding]:
    return F.findings()


def by_id(found: list[F.Finding], qid: str) -> F.Finding:
    return next(f for f in found if f.question.id == qid)


def outcome_of(f: F.Finding, variant: str) -> Outcome:
    return next(a.outcome for a in f.answers if a.variant == variant)


def test_json_lists_the_questions_with_a_row_per_variant(capsys) -> None:
    assert main(["findings", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    ids = [q["id"] for q in data["questions"]]
    assert THREAD <= set(ids) and len(ids) == len(set(ids))
    for q in data["questions"]:
        assert q["question"] and q["who"] and q["quote"] and q["how"] and q["summary"]
        assert q["answers"], q["id"]
        for a in q["answers"]:
            assert Outcome(a["outcome"])
            if q["method"] in ("policy", "pareto"):
                # the worst outcome the policy forbids that the variant reaches; ok when it meets the policy
                assert (a["witness"] is None) == (a["outcome"] == "ok"), (q["id"], a)
                assert a["answer"].startswith(("meets", "breaks", "on the Pareto front", "dominated"))
                continue
            assert a["answer"].startswith(a["outcome"])
            assert a["witness"]["text"] and a["why"]
            assert a["explanation"], (q["id"], a["variant"])
            if a["outcome"] != "not-expressible":
                assert ("verdict: " + a["outcome"]) in a["explanation"] or a["explanation"].startswith(a["outcome"])


def test_cell_answers_are_the_worst_of_their_cells(found) -> None:
    cat = load()
    for f in found:
        q = f.question
        if q.method != "cells":
            continue
        line = cat.timeline(f.timeline)
        intents = F.select_intents(cat, q.intents)
        for a in f.answers:
            outcomes = [run(a.variant, s, i.id, x.id, y.id).outcome
                        for s in q.scenarios for i in intents for x, y in F.pairs(q, line)
                        if q.scope == "all" or in_naming_scope(cat, i, x, y)]
            assert a.outcome is Outcome.worst(outcomes), (q.id, a.variant)
            assert a.total == len(outcomes)
            assert a.counts[a.outcome] == outcomes.count(a.outcome)
            w = a.witness
            assert isinstance(w, F.CellWitness) and w.result.outcome is a.outcome
            again = run(a.variant, w.result.scenario, w.result.intent, w.result.a, w.result.b)
            assert again.outcome is a.outcome and again.detail == a.why


def test_the_threads_conclusions(found) -> None:
    h1 = by_id(found, "h1-restart-2015")
    assert outcome_of(h1, "model-subelement") is Outcome.GUEST_CHANGED
    assert outcome_of(h1, "status-quo") is Outcome.OK
    idea3 = by_id(found, "idea3-downgrade")
    assert outcome_of(idea3, "written-subtype") is Outcome.DOMAIN_LOST
    assert outcome_of(idea3, "implied-subtype") is Outcome.OK
    idea4 = by_id(found, "idea4-old-libvirt")
    assert outcome_of(idea4, "impl-attribute") is Outcome.GUEST_CHANGED
    assert outcome_of(idea4, "model-is-device") is Outcome.DOMAIN_LOST
    life = by_id(found, "h1-lifetime-2015")
    a = next(a for a in life.answers if a.variant == "model-subelement")
    assert a.outcome is Outcome.GUEST_CHANGED and isinstance(a.witness, F.PathWitness)
    route = a.witness.witness.route
    releases = [r.id for r in load().timeline("whatif")]
    path = [a.witness.witness.start] + [r for _, r in route]
    assert all(abs(releases.index(x) - releases.index(y)) <= 1 for x, y in zip(path, path[1:])), "adjacent"


def test_changing_a_fact_changes_the_answer(data_copy: Path) -> None:
    """Without H1's new default for dmi-to-pci-bridge, no 2015 guest changes at H1."""
    before = by_id(F.findings(data_dir=data_copy), "h1-restart-2015")
    assert outcome_of(before, "model-subelement") is Outcome.GUEST_CHANGED
    changed = data_copy.parent / "changed"  # a new folder: the catalog of a folder is loaded once
    shutil.copytree(data_copy, changed)
    data_copy = changed
    path = data_copy / "defaults.csv"
    rows = [r for r in csv.reader(path.open()) if r[1] != "generic-dmi-bridge"]
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    after = by_id(F.findings(data_dir=data_copy), "h1-restart-2015")
    assert outcome_of(after, "model-subelement") is not Outcome.GUEST_CHANGED
    assert after.summary != before.summary


def test_a_question_edited_in_the_data_is_answered_as_written(data_copy: Path) -> None:
    path = data_copy / "questions.csv"
    rows = list(csv.DictReader(path.open()))
    row = next(r for r in rows if r["id"] == "idea3-downgrade")
    row["variants"] = "implied-subtype written-subtype"
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    f3 = by_id(F.findings(data_dir=data_copy), "idea3-downgrade")
    assert [a.variant for a in f3.answers] == ["implied-subtype", "written-subtype"]


@pytest.mark.parametrize("column, value, words", [
    ("scenarios", "reboot", "unknown scenario 'reboot'"),
    ("intents", "pcie-root-port:nope", "unknown intent"),
    ("from", "H1", "unknown release 'H1'"),
    ("direction", "sideways", "unknown direction 'sideways'"),
    ("variants", "no-such-scheme", "unknown scheme"),
    ("pairing", "mixed", "unknown pairing 'mixed'; valid: bundled, libvirt-only"),
])
def test_a_bad_question_names_the_file_row_and_valid_values(data_copy: Path, column, value, words) -> None:
    path = data_copy / "questions.csv"
    rows = list(csv.DictReader(path.open()))
    idx = next(i for i, r in enumerate(rows) if r["id"] == "idea3-downgrade")
    rows[idx][column] = value
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(DataError) as err:
        F.load_questions(data_copy)
    assert f"questions.csv, row {idx + 2}" in str(err.value) and words in str(err.value)


@pytest.mark.parametrize("argv, words", [
    (["--timeline", "future"], "unknown timeline 'future'"),
    (["--pairing", "mixed"], "unknown pairing 'mixed' in parameter pairing; valid: bundled, libvirt-only"),
    (["--question", "nope"], "unknown question 'nope'"),
])
def test_bad_options_exit_2(capsys, argv, words) -> None:
    assert main(["findings", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_another_timeline_says_which_questions_it_cannot_answer(capsys) -> None:
    assert main(["findings", "--timeline", "real", "--question", "h1-restart-2015",
                 "--question", "idea3-downgrade"]) == 0
    out = capsys.readouterr().out
    assert "not answered on timeline real: the question names H1" in out
    assert re.search(r"\n  Idea 3 +domain-lost in the only cell *\n  \(written-subtype\)", out)


def test_the_findings_page_is_the_markdown_output(found) -> None:
    section = findingstext.section_of(FINDINGS_PAGE.read_text(encoding="utf-8"))
    expected = findingstext.markdown(found, registry.name_of).rstrip()
    assert section == expected, (
        "docs/findings.md's findings section differs from `pcidesign findings --format markdown`; "
        f"regenerate it with `{findingstext.REGENERATE}`")


def test_replace_section_keeps_the_rest(tmp_path) -> None:
    text = f"intro\n{findingstext.README_BEGIN}\nold\n{findingstext.README_END}\noutro\n"
    new = findingstext.replace_section(text, "new")
    assert new == f"intro\n{findingstext.README_BEGIN}\nnew\n{findingstext.README_END}\noutro\n"
    with pytest.raises(ValueError, match="no section"):
        findingstext.replace_section("no markers", "x")


# -- everywhere: any question the data could hold is answered by the worst of its cells ------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_CAT = load()


@st.composite
def cell_questions(draw) -> F.Question:
    timeline = draw(st.sampled_from(sorted(_CAT.timelines)))
    releases = [r.id for r in _CAT.timeline(timeline)]
    row = {c: "" for c in F.COLUMNS}
    row.update({
        "id": "q", "question": "generated", "who": "someone", "quote": "words", "words": "quoted", "cite": "test",
        "method": "cells", "timeline": timeline, "pairing": "bundled",
        "variants": " ".join(draw(st.lists(st.sampled_from(list(pcidesign_scheme_ids())), min_size=1, max_size=3,
                                           unique=True))),
        "scenarios": " ".join(draw(st.lists(st.sampled_from(["restart", "resave-roundtrip", "migrate",
                                                             "migrate-roundtrip"]), min_size=1, max_size=2,
                                            unique=True))),
        "intents": " ".join(draw(st.lists(st.sampled_from(["all", "default", "named", *_CAT.intents]), min_size=1,
                                          max_size=2, unique=True))),
        "from": " ".join(draw(st.lists(st.sampled_from(releases), max_size=3, unique=True))),
        "to": " ".join(draw(st.lists(st.sampled_from(releases), max_size=3, unique=True))),
        "direction": draw(st.sampled_from(F.DIRECTIONS)),
        "scope": draw(st.sampled_from(SCOPES)),
    })
    return F.question_from_row(row, _CAT)


def pcidesign_scheme_ids() -> tuple[str, ...]:
    from pcidesign import scheme_ids

    return scheme_ids()


@settings(max_examples=40, deadline=None)
@given(cell_questions())
def test_any_cell_question_is_answered_by_the_worst_of_its_cells(q: F.Question) -> None:
    f = F.answer(q, catalog=_CAT)
    line = _CAT.timeline(q.timeline)
    intents = F.select_intents(_CAT, q.intents)
    pairs = F.pairs(q, line)
    positions = {r.id: n for n, r in enumerate(line)}
    for a, b in pairs:
        step = positions[b.id] - positions[a.id]
        assert {"any": step != 0, "forward": step > 0, "backward": step < 0, "adjacent-forward": step == 1,
                "adjacent-backward": step == -1}[q.direction]
        assert (not q.sources or a.id in q.sources) and (not q.targets or b.id in q.targets)
    assert [a.variant for a in f.answers] == list(q.variants or ())
    for ans in f.answers:
        cells = [run(ans.variant, s, i.id, x.id, y.id).outcome for s in q.scenarios for i in intents
                 for x, y in pairs
                 if q.scope == "all" or in_naming_scope(_CAT, i, x, y)]
        assert ans.total == len(cells)
        assert ans.outcome is (Outcome.worst(cells) if cells else Outcome.NOT_EXPRESSIBLE)
        assert ans.line.startswith(ans.outcome.value)


def test_policy_and_pareto_questions_agree_with_compare(found) -> None:
    from pcidesign.analysis import compare

    for qid, policy in (("policy-upstream", "upstream"), ("policy-ovirt", "ovirt"), ("pareto-upstream", "upstream")):
        f = by_id(found, qid)
        c = compare.compare(None, f.timeline, policy)
        assert [a.variant for a in f.answers] == list(c.summary["variant"])
        for a, v in zip(f.answers, c.verdicts):
            assert (a.outcome is Outcome.OK) == v.meets
            if f.question.method == "pareto":
                front = bool(c.summary.set_index("variant").loc[a.variant, "pareto"])
                assert a.mark == ("front" if front else "dominated")
    assert "model-subelement+fill=define-only" in {a.variant for a in by_id(found, "policy-upstream").answers}
