"""Findings as text: an aligned table, the README's markdown, and JSON with every explanation."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pcidesign.analysis.findings import Answer, CellWitness, Finding, PathWitness
from pcidesign.render.text import explanation as _explain

FORMATS = ("table", "markdown", "json")
README_BEGIN = "<!-- findings:begin (generated: make readme-findings) -->"
README_END = "<!-- findings:end -->"
REGENERATE = "make readme-findings"
"""The command that rewrites the README's findings section from the model."""


def explanation(a: Answer) -> str:
    """The witness of ``a`` step by step, with the XML at each hop ('' when there is none)."""
    if isinstance(a.witness, CellWitness):
        return _explain(a.witness.result)
    if isinstance(a.witness, PathWitness):
        return _explain(a.witness.witness)
    return ""


def attribution(f: Finding) -> str:
    """``Ján Tomko: "..." (quoted in issue 11)``, or for a summary ``Laine Stump, as summarised in ...: ...``."""
    q = f.question
    if q.words == "quoted":
        return f'{q.who}: "{q.quote}" ({q.cite})'
    return f"{q.who}, as summarised in {q.cite}: {q.quote}"


ALIKE = "every variant alike"
"""How a question that does not tell the variants apart is marked (JSON ``"discriminates": false``)."""
FLIP_MARK = "*"
"""The mark of an answer that flips under a one-axis change of its setting (its footnote says which)."""


def ordered(found: Sequence[Finding]) -> list[Finding]:
    """The questions that tell the variants apart first, then those where every variant is alike
    (each group in file order)."""
    return [f for f in found if f.discriminates is not False] + [f for f in found if f.discriminates is False]


def flip_notes(f: Finding) -> list[str]:
    """One line per alternative that flips an answer, the variants grouped by their new answer:
    ``writer=newest: multiplex-model, model-is-device -> front`` (``every variant`` when all flip
    alike)."""
    groups: dict[str, dict[str, list[str]]] = {}
    for v, fl in (f.flips or {}).items():
        for x in fl:
            groups.setdefault(f"{x.axis}={x.value}", {}).setdefault(x.outcome, []).append(v)
    out = []
    for alt, by in groups.items():
        parts = [f"{'every variant' if len(vs) == len(f.answers) else ', '.join(vs)} -> {o}" for o, vs in by.items()]
        out.append(f"{alt}: {'; '.join(parts)}")
    return out


def robustness_line(f: Finding) -> str:
    """What was tried, and how many answers hold: ``robust under every one-axis change (writer=newest,
    ...)`` or ``2 answers (marked *) flip under ...``; '' when robustness was not computed."""
    if f.flips is None:
        return ""
    flipping = [v for v, fl in f.flips.items() if fl]
    axes = sorted({x.axis for fl in f.flips.values() for x in fl})
    if not flipping:
        return "every answer is robust to a change of one assumption axis"
    front = f"; the Pareto front changes under {', '.join(f.front_changes)}" if f.front_changes else ""
    return (f"{len(flipping)} of {len(f.answers)} answers (marked {FLIP_MARK}) flip when one assumption changes "
            f"({', '.join(axes)}){front}")


def render(found: Sequence[Finding], fmt: str) -> str:
    """``found`` as ``table`` (plain text), ``markdown`` (the README section) or ``json``."""
    if fmt == "json":
        return json.dumps(to_json(found), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return markdown(found)
    if fmt == "table":
        return table(found)
    raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")


def to_json(found: Sequence[Finding]) -> dict[str, object]:
    """A JSON-ready record: each question, how it is answered, and one row per variant with
    its outcome, the one-line answer, the witness and its explanation."""
    out = []
    for f in found:
        q = f.question
        out.append({
            "id": q.id, "question": q.question, "who": q.who, "quote": q.quote, "words": q.words,
            "cite": q.cite, "method": q.method, "how": f.how, "timeline": f.timeline,
            "pairing": f.pairing, "setting": f.setting.as_dict(), "summary": f.summary, "skipped": f.skipped,
            "discriminates": f.discriminates,
            **({"front_changes": list(f.front_changes),
                "front_axes": sorted({c.split("=", 1)[0] for c in f.front_changes})} if q.method == "pareto" else {}),
            "answers": [{
                "variant": a.variant, "outcome": a.outcome.value, "answer": a.line,
                "robust": f.robust(a.variant),
                "flips": [x.to_json() for x in (f.flips or {}).get(a.variant, ())],
                "counts": {o.value: n for o, n in a.counts.items()},
                "witness": None if a.witness is None else {
                    "kind": "cell" if isinstance(a.witness, CellWitness) else "path",
                    "text": a.witness.text, "command": a.witness.command,
                    **({} if isinstance(a.witness, CellWitness) else {"replay": a.witness.replay_command}),
                },
                "why": a.why, "explanation": explanation(a),
            } for a in f.answers],
        })
    return {"questions": out}


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(found: Sequence[Finding]) -> str:
    """The findings as markdown: per question, the thread's words, how the model answers it, and a
    table of variants (answer, witness, why). ``pcidesign explain`` expands a cell witness."""
    lines = [
        "Computed by `pcidesign findings --format markdown` from `data/questions.csv`; nothing here is "
        f"written by hand (`{REGENERATE}` rewrites this section). Each witness is the first cell (or the "
        "shortest path) that reaches the variant's worst outcome; `pcidesign explain` with the witness's "
        "scenario, intent and releases prints it hop by hop with the XML.",
        "",
    ]
    alike_started = False
    for f in ordered(found):
        q = f.question
        if f.discriminates is False and not alike_started:
            alike_started = True
            lines += [f"### {ALIKE.capitalize()}", "", "These questions do not tell the variants apart: every "
                      "variant gets the same answer, so they are no verdict on the naming.", ""]
        lines += [f"### {_md(q.question)}", "", f"> {_md(attribution(f))}", "",
                  f"`{q.id}`: {_md(f.how)}.", ""]
        if f.skipped:
            lines += [f"*{_md(f.skipped)}*", ""]
            continue
        summary = f"{ALIKE}: {f.summary}" if f.discriminates is False else f.summary
        lines += [f"**{_md(summary)}**", "", "| variant | answer | witness | why |", "|---|---|---|---|"]
        for a in f.answers:
            witness = f"`{a.witness.text}`" if a.witness else ""
            mark = f" \\{FLIP_MARK}" if (f.flips or {}).get(a.variant) else ""
            lines.append(f"| {a.variant} | {_md(a.line)}{mark} | {_md(witness)} | {_md(a.why)} |")
        lines.append("")
        if robustness_line(f):
            lines += [f"\\{FLIP_MARK} {_md(robustness_line(f))}" + (":" if flip_notes(f) else "."), ""]
            lines += [f"- {_md(n)}" for n in flip_notes(f)] + ([""] if flip_notes(f) else [])
    return "\n".join(lines)


def table(found: Sequence[Finding]) -> str:
    """Plain text for a terminal: per question, the summary and one line per variant."""
    lines: list[str] = []
    alike_started = False
    for f in ordered(found):
        q = f.question
        if f.discriminates is False and not alike_started:
            alike_started = True
            lines += [f"== {ALIKE}: these questions do not tell the variants apart ==", ""]
        lines += [f"{q.id}: {q.question}", f"  {attribution(f)}", f"  how: {f.how}"]
        if f.skipped:
            lines += [f"  {f.skipped}", ""]
            continue
        lines.append(f"  => {ALIKE}: {f.summary}" if f.discriminates is False else f"  => {f.summary}")
        width = max(len(a.variant) for a in f.answers)
        for a in f.answers:
            witness = f"  [{a.witness.text}]" if a.witness else ""
            mark = f" {FLIP_MARK}" if (f.flips or {}).get(a.variant) else ""
            lines.append(f"  {a.variant:<{width}}  {a.line}{mark}{witness}")
        if robustness_line(f):
            lines.append(f"  {FLIP_MARK} {robustness_line(f)}" + (":" if flip_notes(f) else ""))
            lines += [f"    {n}" for n in flip_notes(f)]
        lines.append("")
    return "\n".join(lines)


def replace_section(readme: str, section: str) -> str:
    """``readme`` with the text between :data:`README_BEGIN` and :data:`README_END` replaced by
    ``section`` (ValueError when the markers are missing)."""
    try:
        head, rest = readme.split(README_BEGIN, 1)
        _old, tail = rest.split(README_END, 1)
    except ValueError:
        raise ValueError(f"the README has no section between {README_BEGIN!r} and {README_END!r}") from None
    return f"{head}{README_BEGIN}\n{section.rstrip()}\n{README_END}{tail}"


def section_of(readme: str) -> str:
    """The text between the README's findings markers (ValueError when they are missing)."""
    try:
        return readme.split(README_BEGIN, 1)[1].split(README_END, 1)[0].strip("\n")
    except IndexError:
        raise ValueError(f"the README has no section between {README_BEGIN!r} and {README_END!r}") from None
