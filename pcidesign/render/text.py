"""Plain-text renderings shared by the CLI and the notebooks (traces, frames)."""

from __future__ import annotations

import json
import math

import pandas as pd

from pcidesign.analysis.paths import Witness
from pcidesign.model.engine import HOPS, Result
from pcidesign.model import evidence
from pcidesign.model.verdict import TERMINAL
from pcidesign.model.vocab import Hop, Outcome
from pcidesign.render import table


def framing(history: Result | Witness, name: table.Namer | None = None) -> tuple[str, tuple[Outcome | None, ...], str]:
    """The head line, the outcome after each step (a path's; None for a scenario's steps) and the
    verdict line of ``history``: shared by the plain text and the witness pages. ``name`` gives the
    head line the variant's name in the thread with its id beside it (``Idea 4 (impl-attribute)``;
    without it, ``scheme ID``)."""
    if isinstance(history, Witness):
        return (f"{history.outcome.value} in {history.hops} hop(s): {history.describe()}", tuple(history.after),
                f"why: {history.reason}")
    who = name(history.scheme) if name is not None else f"scheme {history.scheme}"
    head = f"{who}, scenario {history.scenario}, intent {history.intent}, from {history.from_} to {history.to}"
    return head, (None,) * len(history.steps), f"verdict: {history.outcome.value}: {history.detail}"


def explanation(history: Result | Witness, width: int | None = None, name: table.Namer | None = None) -> str:
    """Each step of a scenario's :class:`Result` or a path's :class:`Witness`, with the XML that
    went in and came out, then the verdict and its reason. One renderer for both, so a cell and
    a path read the same way; a path also says, at each step, the outcome had it ended there.
    ``width`` wraps the prose lines (never the XML) to that many characters; ``name`` names the
    variant as the thread does (see :func:`framing`)."""
    head, after, verdict = framing(history, name)
    lines = [table.paragraph(head, width, "", "  "), ""]
    for n, (step, then) in enumerate(zip(history.steps, after)):
        label = f"== step {n}: {step.hop.value} at {step.release}" + (f" -> {then.value}" if then else "") + " =="
        lines.append(label)
        lines.append(table.paragraph(step.note + (f"  [{step.event.value}]" if step.event else ""), width, "", "  "))
        if step.xml_in is not None:
            lines += ["-- XML in:", step.xml_in.decode().rstrip()]
        if step.xml_out is not None:
            lines += [f"-- {xml_out_label(step.hop, step.event)}:", step.xml_out.decode().rstrip()]
        lines.append("")
    lines.append(table.paragraph(verdict, width, "", "  "))
    backed = evidence_line(history)
    if backed:
        lines.append(table.paragraph(backed, width, "", "  "))
    return "\n".join(lines)


def evidence_line(history: Result | Witness) -> str:
    """What backs the facts ``history``'s steps and verdict cite (docs/facts.md's kinds of
    evidence: source, test data, docs, measured, thread, inferred), or '' when it cites none."""
    reason = history.reason if isinstance(history, Witness) else history.detail
    return evidence.line("\n".join([*(step.note for step in history.steps), reason]))


def xml_out_label(hop: Hop, event: Outcome | None) -> str:
    """What a step's output XML is: the saved config only after a hop that writes the file (the
    hop table's ``writes_config``, and a define); a save image's or snapshot's XML; otherwise the
    definition the daemon holds in memory after the step (``virsh dumpxml --inactive``)."""
    if hop is Hop.SAVE:
        return "domain XML in the save image"
    if hop is Hop.SNAPSHOT:
        return "domain definition in the snapshot's metadata"
    writes = hop is Hop.DEFINE or (hop in HOPS and HOPS[hop].writes_config)
    if writes and event not in TERMINAL:
        return "saved config (the file written) after the step"
    if writes:
        return "XML out"
    return "definition after the step, in memory: no file written (virsh dumpxml --inactive)"


def count(n: int) -> str:
    """A count as people read it: ``6,523,070``, and past a trillion in scientific form
    (``1.97e+15``); Python's int-to-text limit is never reached."""
    if n < 10**12:
        return f"{n:,}"
    exponent = int(math.log10(n))  # math.log10 takes ints of any size
    mantissa = 10 ** (math.log10(n) - exponent)
    return f"{mantissa:.2f}e+{exponent}"


def render(frame: pd.DataFrame, fmt: str, width: int | None = None, overflow: str = "auto") -> str:
    """``frame`` as an aligned table (at most ``width`` characters a line, its cells wrapped or cut
    as :func:`pcidesign.render.table.fit` does; None: as wide as the cells), CSV, or JSON records."""
    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "json":
        records = json.loads(frame.to_json(orient="records"))
        return json.dumps(records, indent=2)
    return table.frame(frame, width, overflow)
