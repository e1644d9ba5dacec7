"""A witness step by step with each XML shown as a diff against the XML before it: the form the
report's answer pages show (the CLI's :func:`pcidesign.render.text.explanation` prints every XML
whole). The first XML of a witness is shown whole; every later one as a unified diff
(:mod:`difflib`) against the XML the guest had just before, or as "unchanged".
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from pcidesign.analysis.findings import Answer, CellWitness, PathWitness
from pcidesign.analysis.paths import Witness
from pcidesign.model.engine import Result
from pcidesign.model.hops import Step
from pcidesign.model.vocab import Hop, Outcome
from pcidesign.render.text import evidence_line, framing

CONTEXT = 3
"""Lines of context around each change."""


@dataclass(frozen=True)
class Line:
    """One line of an XML block: ``kind`` is ``same``, ``add``, ``del``, ``hunk`` (a ``@@`` header)
    or ``whole`` (a line of an XML shown whole)."""

    kind: str
    text: str


@dataclass(frozen=True)
class Block:
    """One XML of a step: what it is, what it is compared with, and its lines (empty when unchanged)."""

    title: str
    against: str | None
    """What the diff is against (None: shown whole)."""
    lines: tuple[Line, ...]
    changed: bool = True

    @property
    def added(self) -> int:
        """Lines added against :attr:`against`."""
        return sum(ln.kind == "add" for ln in self.lines)

    @property
    def removed(self) -> int:
        """Lines removed against :attr:`against`."""
        return sum(ln.kind == "del" for ln in self.lines)


@dataclass(frozen=True)
class StepView:
    """One hop of a witness: its label, what happened and its XML blocks."""

    label: str
    note: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class WitnessView:
    """A witness as the answer pages show it."""

    head: str
    steps: tuple[StepView, ...]
    verdict: str
    evidence: str = ""
    """What backs the facts the steps and verdict cite (:func:`pcidesign.render.text.evidence_line`)."""


def diff_lines(old: str, new: str, context: int = CONTEXT) -> tuple[Line, ...]:
    """The unified diff of ``old`` and ``new`` (XML text) as marked lines, without the file headers."""
    out: list[Line] = []
    for raw in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=context):
        if raw.startswith(("---", "+++")):
            continue
        if raw.startswith("@@"):
            out.append(Line("hunk", raw))
        elif raw.startswith("+"):
            out.append(Line("add", raw[1:]))
        elif raw.startswith("-"):
            out.append(Line("del", raw[1:]))
        else:
            out.append(Line("same", raw[1:]))
    return tuple(out)


def view(history: Result | Witness) -> WitnessView:
    """``history`` (a scenario's :class:`Result` or a path's :class:`Witness`) step by step, each
    XML compared with the one before it (the same steps, notes and verdict as
    :func:`pcidesign.render.text.explanation`)."""
    head, after, verdict = framing(history)
    steps: list[StepView] = []
    prev: str | None = None
    prev_name = ""
    for n, (step, then) in enumerate(zip(history.steps, after)):
        label = f"step {n}: {step.hop.value} at {step.release}" + (f" \u2192 {then.value}" if then else "")
        note = step.note + (f"  [{step.event.value}]" if step.event else "")
        blocks: list[Block] = []
        for xml, title in ((step.xml_in, "XML in"), (step.xml_out, _out_title(step))):
            if xml is None:
                continue
            text = xml.decode().rstrip()
            if prev is None:
                blocks.append(Block(title, None, tuple(Line("whole", t) for t in text.splitlines())))
            elif text == prev:
                blocks.append(Block(title, prev_name, (), changed=False))
            else:
                blocks.append(Block(title, prev_name, diff_lines(prev, text)))
            prev, prev_name = text, f"{title.removesuffix(' after the step')} of step {n}"
        steps.append(StepView(label, note, tuple(blocks)))
    return WitnessView(head, tuple(steps), verdict, evidence_line(history))


def _out_title(step: Step) -> str:
    kept = step.hop is not Hop.MIGRATE or step.event is None
    return "saved config after the step" if kept else "XML out after the step"


def of_answer(a: Answer) -> WitnessView | None:
    """The witness of a finding's answer, step by step with diffs (None when it has none)."""
    if isinstance(a.witness, CellWitness):
        return view(a.witness.result)
    if isinstance(a.witness, PathWitness):
        return view(a.witness.witness)
    return None
