"""Findings as text: an aligned table, the docs' markdown (the findings page and the README's
headline), and JSON with every explanation."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from pcidesign.analysis.findings import Answer, CellWitness, Finding, PathWitness
from pcidesign.render.table import Namer, fit, paragraph, variant_cell
from pcidesign.render.text import explanation as _explain

FORMATS = ("table", "markdown", "json")
README_BEGIN = "<!-- findings:begin (generated: make docs-findings) -->"
README_END = "<!-- findings:end -->"
"""The markers around the generated section of ``docs/findings.md``."""
HEADLINE_BEGIN = "<!-- findings-headline:begin (generated: make docs-findings) -->"
HEADLINE_END = "<!-- findings-headline:end -->"
"""The markers around the README's findings headline."""
REGENERATE = "make docs-findings"
"""The command that rewrites the findings page and the README's headline from the model."""

_FACTS = re.compile(r"\bfacts (§\d+(?:(?:, | and |-)§?\d+)*)")
_SECTION = re.compile(r"§?(\d+)")
_SOURCES = re.compile(r"\bsources: ([a-z0-9-]+)")
_DOCS = re.compile(r"\bdocs/([a-z0-9_-]+\.md)(#[a-z0-9-]+)?")


def explanation(a: Answer) -> str:
    """The witness of ``a`` step by step, with the XML at each hop ('' when there is none)."""
    if isinstance(a.witness, CellWitness):
        return _explain(a.witness.result)
    if isinstance(a.witness, PathWitness):
        return _explain(a.witness.witness)
    return ""


def attribution(f: Finding) -> str:
    """``Ján Tomko: "..." (libvir-list June 2015; sources: thread-jan)``, or for a summary ``Laine Stump, as summarised in ...: ...``."""
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


def render(found: Sequence[Finding], fmt: str, width: int | None = None, name: Namer | None = None) -> str:
    """``found`` as ``table`` (plain text; ``width`` and ``name`` as :func:`table` takes them),
    ``markdown`` (the README section) or ``json``."""
    if fmt == "json":
        return json.dumps(to_json(found), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return markdown(found, name)
    if fmt == "table":
        return table(found, width, name)
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
    return text.replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def link_citations(text: str) -> str:
    """``text`` with each ``facts §N``, ``sources: KEY`` and ``docs/PAGE.md#anchor`` citation
    linked to its page and anchor (the links are relative to ``docs/``, where the findings page is)."""
    def facts(m: re.Match[str]) -> str:
        parts = [f"[§{n}](facts.md#facts-{n})" for n in _SECTION.findall(m.group(1))]
        return "facts " + ", ".join(parts)
    text = _FACTS.sub(facts, text)
    text = _DOCS.sub(lambda m: f"[{m.group(0)}]({m.group(1)}{m.group(2) or ''})", text)
    return _SOURCES.sub(lambda m: f"sources: [{m.group(1)}](sources.md#{m.group(1)})", text)


def markdown(found: Sequence[Finding], name: Namer | None = None) -> str:
    """The findings as markdown: per question, the thread's words, how the model answers it, and a
    table of variants (answer, witness, why), each variant by ``name`` (its name in the thread)
    with its id beside it. ``pcidesign explain`` expands a cell witness."""
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
        lines += [f"### {_md(q.question)}", "", f"> {link_citations(_md(attribution(f)))}", "",
                  f"`{q.id}`: {_md(f.how)}.", ""]
        if f.skipped:
            lines += [f"*{_md(f.skipped)}*", ""]
            continue
        summary = f"{ALIKE}: {f.summary}" if f.discriminates is False else f.summary
        lines += [f"**{_md(summary)}**", "", "| variant | answer | witness | why |", "|---|---|---|---|"]
        for a in f.answers:
            witness = f"`{a.witness.text}`" if a.witness else ""
            mark = f" \\{FLIP_MARK}" if (f.flips or {}).get(a.variant) else ""
            called = variant_cell(a.variant, name).split("\n")[0]
            who = f"{_md(called)} (`{a.variant}`)" if called != a.variant else a.variant
            lines.append(f"| {who} | {_md(a.line)}{mark} | {_md(witness)} | {link_citations(_md(a.why))} |")
        lines.append("")
        if robustness_line(f):
            lines += [f"\\{FLIP_MARK} {_md(robustness_line(f))}" + (":" if flip_notes(f) else "."), ""]
            lines += [f"- {_md(n)}" for n in flip_notes(f)] + ([""] if flip_notes(f) else [])
    return "\n".join(lines)


def table(found: Sequence[Finding], width: int | None = None, name: Namer | None = None) -> str:
    """Plain text for a terminal, at most ``width`` characters a line (None: no limit): per
    question, the summary and a row per variant (by ``name`` over its id) with its answer and witness."""
    lines: list[str] = []
    alike_started = False
    for f in ordered(found):
        q = f.question
        if f.discriminates is False and not alike_started:
            alike_started = True
            lines += [paragraph(f"== {ALIKE}: these questions do not tell the variants apart ==", width), ""]
        lines += [paragraph(f"{q.id}: {q.question}", width, "", "  "), paragraph(attribution(f), width, "  ", "    "),
                  paragraph(f"how: {f.how}", width, "  ", "    ")]
        if f.skipped:
            lines += [paragraph(f.skipped, width, "  ", "    "), ""]
            continue
        summary = f"{ALIKE}: {f.summary}" if f.discriminates is False else f.summary
        lines.append(paragraph(f"=> {summary}", width, "  ", "     "))
        rows = [[variant_cell(a.variant, name),
                 a.line + (f" {FLIP_MARK}" if (f.flips or {}).get(a.variant) else "")
                 + (f"\n[{a.witness.text}]" if a.witness else "")] for a in f.answers]
        body = fit(["variant", "answer [witness]"], rows, None if width is None else width - 2, overflow="wrap")
        lines += ["  " + line if line else "" for line in body.split("\n")]
        if robustness_line(f):
            lines.append(paragraph(f"{FLIP_MARK} {robustness_line(f)}" + (":" if flip_notes(f) else ""), width,
                                   "  ", "    "))
            lines += [paragraph(n, width, "    ", "      ") for n in flip_notes(f)]
        lines.append("")
    return "\n".join(lines)


def headline(found: Sequence[Finding]) -> str:
    """The README's headline: one row per question with its timeline and the variants grouped by
    outcome (each finding's computed summary); the findings page has the rest."""
    lines = [
        "| question | timeline | variants by outcome, worst first |",
        "|---|---|---|",
    ]
    for f in found:
        q = f.question
        answer = f"*{_md(f.skipped)}*" if f.skipped else _md(f.summary)
        lines.append(f"| `{q.id}`: {_md(q.question)} | {f.timeline} | {answer} |")
    return "\n".join(lines)


def replace_section(text: str, section: str, begin: str = README_BEGIN, end: str = README_END) -> str:
    """``text`` with what lies between the markers ``begin`` and ``end`` (by default the findings
    page's) replaced by ``section`` (ValueError when the markers are missing)."""
    try:
        head, rest = text.split(begin, 1)
        _old, tail = rest.split(end, 1)
    except ValueError:
        raise ValueError(f"the text has no section between {begin!r} and {end!r}") from None
    return f"{head}{begin}\n{section.rstrip()}\n{end}{tail}"


def section_of(text: str, begin: str = README_BEGIN, end: str = README_END) -> str:
    """The text between the markers ``begin`` and ``end`` (ValueError when they are missing)."""
    try:
        return text.split(begin, 1)[1].split(end, 1)[0].strip("\n")
    except IndexError:
        raise ValueError(f"the text has no section between {begin!r} and {end!r}") from None
