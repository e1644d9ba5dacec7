"""Robustness: does an answer hold when one assumption changes?

A question is answered under one :class:`~pcidesign.model.setting.Setting`. Each other value of
each assumption axis (every axis of :data:`~pcidesign.model.setting.AXES` with a fixed set of
values, the machine a user writes, and the fill policy of the shipped design) is one
*alternative*: the question is answered again with that one axis changed, and an answer that
changes there *flips* under it. An answer that flips under no alternative is ``robust``.

Answers are compared by what a reader sees first: the worst outcome (a policy question's meets or
breaks, a Pareto question's front or dominated). The cells behind each alternative are computed
through the engine's memo and the comparison's cache, so alternatives share every transition
they have in common with the default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pcidesign.analysis.questions import Answer
from pcidesign.model import registry as _schemes
from pcidesign.model.errors import UnknownNameError
from pcidesign.model.setting import AXES, MACHINE_MODES, Setting

FILL_AXIS = "fill"
"""The pseudo-axis of the shipped design's fill policy (a variant, not a setting)."""

SHIPPED = "model-subelement"
"""The design libvirt shipped: its fill policy is an assumption of every question that shows it."""

MACHINE_ALTERNATIVES: tuple[str, ...] = (MACHINE_MODES[1],)
"""The machine axis has open values: robustness tries the alias a user writes (``alias``)."""


@dataclass(frozen=True)
class Alternative:
    """One assumption changed: ``axis`` set to ``value`` (for ``fill``: the shipped design's policy)."""

    axis: str
    value: str

    @property
    def label(self) -> str:
        """``writer=newest``."""
        return f"{self.axis}={self.value}"


@dataclass(frozen=True)
class Flip:
    """An answer that changes under one alternative: the alternative and the answer there."""

    axis: str
    value: str
    answer: str
    """The one-line answer under the alternative."""
    outcome: str
    """Its outcome code (or mark: ``front``, ``dominated``)."""

    def to_json(self) -> dict[str, str]:
        """``{axis, value, answer, outcome}``."""
        return {"axis": self.axis, "value": self.value, "answer": self.answer, "outcome": self.outcome}


def key(a: Answer) -> str:
    """What two answers are compared by: the mark (``front``, ``dominated``), the policy verdict
    (``meets``/``breaks``) or else the worst outcome."""
    if a.mark:
        return a.mark
    if a.summary_line:
        return "meets" if a.summary_line.startswith("meets") else "breaks:" + a.outcome.value
    return a.outcome.value


def alternatives(setting: Setting, variants: Sequence[str] = ()) -> tuple[Alternative, ...]:
    """Every one-axis change of ``setting``: each other value of each axis with fixed values
    (in :data:`AXES` order), the machine alias, and, when ``variants`` show the shipped design,
    each fill policy it can take."""
    out: list[Alternative] = []
    for name, axis in AXES.items():
        values = axis.choices if axis.choices is not None else MACHINE_ALTERNATIVES if name == "machine" else ()
        out += [Alternative(name, v) for v in values if v != getattr(setting, name)]
    if any(_schemes.get(v).id == SHIPPED for v in variants):
        out += [Alternative(FILL_AXIS, p) for p in _schemes.get(SHIPPED).policies.get("fill", ())]
    return tuple(out)


def parse_assumption(text: str) -> tuple[str, str]:
    """``AXIS=VALUE`` (``--assume``) split and checked: an unknown axis raises naming the valid ones
    (the value is checked by the :class:`Setting` it goes into)."""
    name, eq, value = text.partition("=")
    if name not in AXES:
        raise UnknownNameError("assumption axis", name, list(AXES), f"--assume {text!r}")
    if not eq or not value:
        raise UnknownNameError(f"{name} value", value, AXES[name].choices or [AXES[name].open_form],
                               f"--assume {text!r}")
    return name, value


def apply(alt: Alternative, setting: Setting, variants: Sequence[str]) -> tuple[Setting, tuple[str, ...], dict[str, str]]:
    """The setting and variants an alternative answers under, and which variant of them stands for
    which variant of the default (the shipped design's fill variant stands for the shipped design)."""
    ids = tuple(_schemes.get(v).id for v in variants)
    if alt.axis != FILL_AXIS:
        return setting.replace(**{alt.axis: alt.value}), ids, {v: v for v in ids}
    filled = _schemes.get(f"{SHIPPED}+fill={alt.value}").id
    swapped = tuple(dict.fromkeys(filled if v == SHIPPED else v for v in ids))
    return setting, swapped, {v: (filled if v == SHIPPED else v) for v in ids}


def flips(base: Sequence[Answer], setting: Setting, variants: Sequence[str],
          answer_under: Callable[[Setting, tuple[str, ...]], Sequence[Answer]]) -> tuple[dict[str, tuple[Flip, ...]],
                                                                                    dict[str, tuple[str, ...]]]:
    """For each variant of ``base`` (the answers under ``setting``), the alternatives under which
    its answer changes; and, per alternative label, the variants marked ``front`` there (for a
    Pareto question, to tell which alternatives change the front). ``answer_under(setting,
    variants)`` answers the question under another setting or variant list."""
    out: dict[str, list[Flip]] = {a.variant: [] for a in base}
    fronts: dict[str, tuple[str, ...]] = {}
    for alt in alternatives(setting, variants):
        st, ids, stand = apply(alt, setting, variants)
        got = {a.variant: a for a in answer_under(st, ids)}
        back = {stood: orig for orig, stood in stand.items()}
        fronts[alt.label] = tuple(back.get(v, v) for v, a in got.items() if a.mark == "front")
        for a in base:
            other = got.get(stand.get(a.variant, a.variant))
            if other is not None and key(other) != key(a):
                out[a.variant].append(Flip(alt.axis, alt.value, other.line, key(other)))
    return {v: tuple(f) for v, f in out.items()}, fronts


__all__ = ["Alternative", "FILL_AXIS", "Flip", "SHIPPED", "alternatives", "apply", "flips", "key",
           "parse_assumption"]
