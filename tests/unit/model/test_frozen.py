"""quick_init: the engine's hot value objects keep a frozen dataclass's constructor and behaviour."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

from pcidesign.model.engine import Result
from pcidesign.model.frozen import quick_init
from pcidesign.model.hops import State, Step
from pcidesign.model.vocab import Hop, Outcome


@pytest.mark.parametrize("cls", [Result, Step, State])
def test_the_constructor_takes_the_fields_with_their_defaults(cls: type) -> None:
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    fields = [f for f in dataclasses.fields(cls) if f.init]
    assert [p.name for p in params] == [f.name for f in fields]
    assert [p.default for p in params] == [inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
                                           for f in fields]


def test_objects_are_those_of_the_generated_constructor() -> None:
    @dataclasses.dataclass(frozen=True)
    class Plain:
        a: int
        b: str = "x"
        c: int = dataclasses.field(init=False)

        def __post_init__(self) -> None:
            object.__setattr__(self, "c", self.a * 2)

    Quick = quick_init(dataclasses.dataclass(frozen=True)(type("Quick", (), {
        "__annotations__": {"a": int, "b": str, "c": int}, "b": "x", "c": dataclasses.field(init=False),
        "__post_init__": Plain.__post_init__})))
    for args in [(1,), (2, "y")]:
        p, q = Plain(*args), Quick(*args)
        assert (q.a, q.b, q.c) == (p.a, p.b, p.c)
        assert q == Quick(*args) and hash(q) == hash(Quick(*args))
        with pytest.raises(dataclasses.FrozenInstanceError):
            q.a = 5  # type: ignore[misc]
    assert Quick(a=3, b="z").b == "z"
    with pytest.raises(TypeError):
        Quick()  # type: ignore[call-arg]


def test_a_step_is_equal_hashable_and_pickles() -> None:
    s = Step(Hop.DEFINE, "1.2.19", b"<domain/>", None, None, Outcome.REJECTED, "why")
    assert s == Step(Hop.DEFINE, "1.2.19", b"<domain/>", None, None, Outcome.REJECTED, "why")
    assert pickle.loads(pickle.dumps(s)) == s and hash(s) == hash(pickle.loads(pickle.dumps(s)))
    r = Result("status-quo", "restart", "pci-bridge", "1.2.18", "1.2.19", Outcome.OK, "fine", (s,))
    assert pickle.loads(pickle.dumps(r)) == r


def test_only_frozen_dataclasses_without_slots_or_factories_are_taken() -> None:
    with pytest.raises(TypeError, match="frozen"):
        quick_init(dataclasses.dataclass(type("Open", (), {"__annotations__": {"a": int}})))
    with pytest.raises(TypeError, match="factory"):
        quick_init(dataclasses.dataclass(frozen=True)(type("Made", (), {
            "__annotations__": {"a": list}, "a": dataclasses.field(default_factory=list)})))
