"""The thread's names for schemes and variants, beside their ids (issue 24)."""

from __future__ import annotations

import pytest

import pcidesign  # noqa: F401  (registers the built-in schemes)
from pcidesign.model import registry
from pcidesign.model.errors import UnknownNameError

THREAD_NAMES = {
    "status-quo": "status quo",
    "multiplex-model": "Idea 1",
    "implied-subtype": "Idea 2",
    "written-subtype": "Idea 3",
    "impl-attribute": "Idea 4",
    "model-is-device": "Ján's proposal",
    "migratable-compat": "Ján's MIGRATABLE variant",
    "model-subelement": "what shipped",
}


@pytest.mark.parametrize("scheme_id, name", sorted(THREAD_NAMES.items()))
def test_each_builtin_scheme_has_the_threads_name(scheme_id: str, name: str) -> None:
    assert registry.name_of(scheme_id) == name
    assert registry.label_of(scheme_id) == f"{name} ({scheme_id})"


def test_a_variants_name_is_the_schemes_name_and_its_policies_in_words() -> None:
    assert registry.name_of("model-subelement+fill=define-only") == "what shipped, fill at define only"
    assert registry.name_of("impl-attribute+fill=never+migratable=omit-legacy") == (
        "Idea 4, never fill, MIGRATABLE omits the legacy device")
    assert registry.label_of("model-subelement+fill=current") == (
        "what shipped, fill on every read (model-subelement+fill=current)")


def test_every_policy_value_has_words() -> None:
    for name, values in (("fill", registry.FILL_POLICIES), ("migratable", registry.MIGRATABLE_POLICIES)):
        for v in values:
            assert (name, v) in registry.POLICY_WORDS


def test_variant_names_are_distinct() -> None:
    names = [registry.name_of(v) for v in registry.variant_ids()]
    assert len(set(names)) == len(names)


def test_a_scheme_without_a_short_name_is_called_by_its_title() -> None:
    base = registry.get("model-subelement")
    s = registry.Scheme(id="mine", title="My proposal", thread="t", naming="n", pros=("p",), cons=("c",),
                        dialect_class=base.dialect_class)
    assert s.name == "My proposal" and s.label == "My proposal (mine)"


def test_unknown_ids_raise() -> None:
    with pytest.raises(UnknownNameError):
        registry.name_of("no-such-scheme")
