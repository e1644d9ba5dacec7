"""Policies say what they assume (issue 19): each rule's source, the thread's own upstream
reading beside the project's stricter one, and oVirt's rolling upgrade walked as paths."""

from __future__ import annotations

from pcidesign.analysis import compare, policies
from pcidesign.analysis.questions import PathWitness
from pcidesign.model.vocab import Outcome


def test_every_rule_names_its_source_a_quote_or_this_projects_reading() -> None:
    for rules in policies.load_policies().values():
        for r in rules:
            assert "this project's reading" in r.cite or '"' in r.cite or "Laine" in r.cite, (r.policy, r.id)


def test_upstream_as_said_allows_a_silent_change_after_a_downgrade_only() -> None:
    known = policies.load_policies()
    strict = {r.id: r for r in known["upstream"]}
    said = {r.id: r for r in known["upstream-as-said"]}
    assert set(strict) == set(said)
    for rid in ("downgrade", "resave-downgrade"):
        assert said[rid].allowed is Outcome.GUEST_CHANGED and strict[rid].allowed is Outcome.DOMAIN_LOST
        assert "best effort" in said[rid].cite
    for rid in ("upgrade", "migrate-forward", "migrate-backward"):
        assert said[rid].allowed is strict[rid].allowed


def test_ovirt_rolling_upgrade_is_a_path_rule_citing_vdsm() -> None:
    rule = {r.id: r for r in policies.policy("ovirt")}["rolling-upgrade"]
    assert rule.question.method == "paths" and rule.question.notion == "adjacent"
    assert "VDSM" in rule.cite and "transient" in rule.cite
    c = compare.compare(["model-subelement", "model-subelement+fill=define-only"], "whatif", "ovirt")
    broken = {v.variant: {x.rule.id: x for x in v.violations} for v in c.verdicts}
    x = broken["model-subelement"]["rolling-upgrade"]
    assert x.answer.outcome is Outcome.GUEST_CHANGED and isinstance(x.answer.witness, PathWitness)
    assert "rolling-upgrade" not in broken["model-subelement+fill=define-only"]
