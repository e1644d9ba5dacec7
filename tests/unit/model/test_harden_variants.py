"""Canonical variant ids (issue 23): policies in a fixed order, a policy's default dropped, so
two spellings of one variant are one variant everywhere (with a note when spellings merged)."""

from __future__ import annotations

import pytest

import pcidesign
from pcidesign.analysis import compare, fleet
from pcidesign.analysis.matrices import matrix
from pcidesign.cli import main
from pcidesign.model import registry
from pcidesign.model.registry import Scheme

SPELLINGS = [
    ("model-subelement+fill=never+migratable=keep", "model-subelement+fill=never"),
    ("model-subelement+migratable=keep+fill=never", "model-subelement+fill=never"),
    ("model-subelement+migratable=keep", "model-subelement"),
    ("model-subelement+migratable=omit-legacy+fill=define-only", "model-subelement+fill=define-only+migratable=omit-legacy"),
    ("impl-attribute+fill=current", "impl-attribute"),
    ("impl-attribute+fill=current+migratable=keep", "impl-attribute"),
    ("impl-attribute+migratable=omit-legacy+fill=current", "impl-attribute+migratable=omit-legacy"),
    ("model-subelement+fill=current", "model-subelement+fill=current"),  # not its own rule before 1.3.5
]


@pytest.mark.parametrize("spelling, canonical", SPELLINGS)
def test_every_spelling_is_one_object_under_its_canonical_id(spelling: str, canonical: str) -> None:
    got = registry.get(spelling)
    assert got.id == canonical == registry.canonical_id(spelling)
    assert got is registry.get(canonical)


def test_the_default_of_a_policy_changes_nothing() -> None:
    """What makes dropping a default right: a variant built with the default by hand (not through
    the registry) has every cell of the scheme itself."""
    for scheme in registry.all_schemes():
        for name, value in scheme.policy_defaults.items():
            by_hand = Scheme(id=f"{scheme.id}+{name}={value}", title=scheme.title, thread=scheme.thread,
                             naming=scheme.naming, pros=scheme.pros, cons=scheme.cons,
                             dialect_class=scheme.dialect_class, adopted=scheme.adopted, base=scheme.id,
                             **{name: value})
            for scenario in ("restart", "migrate", "resave-roundtrip"):
                plain = matrix(scheme, scenario, setting=pcidesign.Setting(timeline="whatif"))
                other = matrix(by_hand, scenario, setting=pcidesign.Setting(timeline="whatif"))
                assert list(plain["outcome"]) == list(other["outcome"]), (scheme.id, name, value, scenario)
                assert list(plain["detail"]) == [d.replace(by_hand.id, scheme.id) for d in other["detail"]]


def test_a_policy_that_is_not_a_default_does_change_something() -> None:
    """The test above can fail: model-subelement's own rule is not fill=current (1.2.19 to 1.3.4 fill at define only)."""
    assert "fill" not in registry.get("model-subelement").policy_defaults
    plain = matrix("model-subelement", "resave-roundtrip", setting=pcidesign.Setting(timeline="whatif"))
    other = matrix("model-subelement+fill=current", "resave-roundtrip", setting=pcidesign.Setting(timeline="whatif"))
    assert list(plain["outcome"]) != list(other["outcome"])


def test_variant_lists_hold_no_default_variant() -> None:
    ids = registry.variant_ids()
    assert len(set(map(registry.canonical_id, ids))) == len(ids)
    assert "model-subelement+migratable=keep" not in ids and "impl-attribute+fill=current" not in ids
    assert "model-subelement+migratable=omit-legacy" in ids


def test_fleet_prints_two_spellings_once_with_a_note(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", ".", "--scheme", SPELLINGS[0][0], "--scheme", SPELLINGS[1][0], "--target", "9.0.0",
                 "--format", "csv"]) in (0, 1)
    got = capsys.readouterr()
    rows = got.out.strip().splitlines()[1:]
    assert len(rows) == len(set(rows)) and {r.split(",")[0] for r in rows} == {"model-subelement+fill=never"}
    assert "are one variant, 'model-subelement+fill=never'" in got.err and "counted once" in got.err
    scan = fleet.scan(schemes=[SPELLINGS[0][0], SPELLINGS[1][0]], targets=["9.0.0"], scenarios=["restart"])
    assert scan.schemes == ("model-subelement+fill=never",)


def test_compare_lists_two_spellings_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--variant", "model-subelement", "--variant", "model-subelement+migratable=keep",
                 "--format", "json"]) == 0
    got = capsys.readouterr()
    assert got.out.count('"variant": "model-subelement"') == 1, got.out[:2000]
    assert "note: 'model-subelement' and 'model-subelement+migratable=keep' are one variant" in got.err
    result = compare.compare(["model-subelement", "model-subelement+migratable=keep"])
    assert [v.variant for v in result.verdicts] == ["model-subelement"]


def test_the_same_spelling_twice_is_still_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--variant", "model-subelement", "--variant", "model-subelement"]) == 2
    assert "twice" in capsys.readouterr().err
