"""What must hold everywhere (Hypothesis): stable round trips, determinism, severity order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

import pcidesign
from pcidesign import Outcome
from pcidesign.model import engine
from pcidesign.model import registry as schemes
from pcidesign.model.dialect import Rejection
from pcidesign.model.vocab import BY_SEVERITY

CAT = pcidesign.load_catalog()
RELEASES = [r.id for r in CAT.timeline("whatif")]
SCHEMES = list(pcidesign.scheme_ids())
INTENTS = list(CAT.intents)
SCENARIOS = list(pcidesign.scenario_ids())

scheme_st = st.sampled_from(SCHEMES)
release_st = st.sampled_from(RELEASES)
intent_st = st.sampled_from(INTENTS)
# Attribute and element names libvirt would not know.
name_st = st.from_regex(r"\A[a-z][a-zA-Z]{2,10}\Z").filter(
    lambda n: n not in {"type", "index", "model", "subType", "device", "target", "address", "name"})


def _dialect(scheme: str, release: str):  # type: ignore[no-untyped-def]
    return schemes.get(scheme).dialect(CAT.host(CAT.release(release)), CAT)


@settings(max_examples=300, deadline=None)
@given(scheme_st, release_st, intent_st)
def test_parse_what_it_formats_builds_the_same_device(scheme: str, release: str, intent: str) -> None:
    d = _dialect(scheme, release)
    xml = engine.write_intent(d, CAT.intent(intent))
    if xml is None:
        return
    state, step = engine.define(d, xml)
    if state is None:  # the host's QEMU lacks the device: nothing to round-trip
        assert step.event is Outcome.REJECTED
        return
    for purpose, migratable in (("load", False), ("incoming", True)):
        text = engine.format_def(d, state.live if migratable else state.persistent, migratable)
        again = engine.parse(d, text, purpose)
        assert not isinstance(again, Rejection), again
        live = engine.start_def(d, again)
        assert not isinstance(live, Rejection), live
        assert live.hardware == state.hardware
        # formatting twice gives the same text
        assert engine.format_def(d, again, migratable) == text


@settings(max_examples=200, deadline=None)
@given(scheme_st, release_st, intent_st, name_st, name_st)
def test_unknown_attributes_and_children_are_dropped_stably(
    scheme: str, release: str, intent: str, attr: str, child: str
) -> None:
    d = _dialect(scheme, release)
    xml = engine.write_intent(d, CAT.intent(intent))
    if xml is None:
        return
    root = etree.fromstring(xml)
    ctrl = root.findall("devices/controller")[-1]
    ctrl.set(attr, "on")
    etree.SubElement(ctrl, child, value="1")
    noisy = etree.tostring(root)
    first = engine.parse(d, noisy, "define")
    clean = engine.parse(d, xml, "define")
    assert not isinstance(first, Rejection) and not isinstance(clean, Rejection)
    saved = engine.format_def(d, first)
    assert saved == engine.format_def(d, clean)
    assert attr.encode() not in saved and f"<{child}".encode() not in saved
    assert engine.format_def(d, engine.parse(d, saved, "load")) == engine.format_def(d, engine.parse(d, saved, "load"))


@settings(max_examples=150, deadline=None)
@given(scheme_st, st.sampled_from(SCENARIOS), intent_st, release_st, release_st)
def test_outcomes_are_deterministic(scheme: str, scenario: str, intent: str, a: str, b: str) -> None:
    first = pcidesign.run(scheme, scenario, intent, a, b)
    engine.clear_cache()
    second = pcidesign.run(scheme, scenario, intent, a, b)
    assert (first.outcome, first.detail) == (second.outcome, second.detail)
    assert [(s.hop, s.release, s.xml_in, s.xml_out, s.event) for s in first.steps] == \
           [(s.hop, s.release, s.xml_in, s.xml_out, s.event) for s in second.steps]


@settings(max_examples=150, deadline=None)
@given(scheme_st, st.sampled_from(SCENARIOS), intent_st, release_st, release_st)
def test_the_verdict_is_the_worst_event_on_the_way(scheme: str, scenario: str, intent: str, a: str, b: str) -> None:
    result = pcidesign.run(scheme, scenario, intent, a, b)
    events = [s.event for s in result.steps if s.event is not None]
    if result.outcome is Outcome.NOT_EXPRESSIBLE:
        return
    assert all(result.outcome.severity >= e.severity for e in events)
    if events:
        assert result.outcome.severity >= max(e.severity for e in events)
    if any(e.severity >= Outcome.REJECTED.severity and e is not Outcome.GUEST_CHANGED for e in events):
        # a terminal event ends the scenario: it is the last step
        assert result.steps[-1].event is not None


@given(st.lists(st.sampled_from(list(Outcome)), min_size=1))
def test_worst_follows_the_severity_order(outcomes: list[Outcome]) -> None:
    worst = Outcome.worst(outcomes)
    assert all(BY_SEVERITY.index(worst) <= BY_SEVERITY.index(o) or o is Outcome.NOT_EXPRESSIBLE for o in outcomes)
    assert worst in outcomes


def test_severity_order_is_designs() -> None:
    assert [o.value for o in BY_SEVERITY] == [
        "guest-changed", "domain-lost", "aborted", "rejected", "info-lost", "rewritten", "ok", "not-expressible"]
    assert Outcome.OK.severity > Outcome.NOT_EXPRESSIBLE.severity
    assert [o.severity for o in BY_SEVERITY[:-1]] == sorted((o.severity for o in BY_SEVERITY[:-1]), reverse=True)
