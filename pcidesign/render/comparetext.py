"""A comparison as text: the summary table, each violation with its witness, markdown and JSON."""

from __future__ import annotations

import json
import math

from pcidesign.analysis.compare import Comparison
from pcidesign.render.table import Namer, command, fit, paragraph, variant_cell

FORMATS = ("table", "markdown", "json")


def _num(x: float) -> str:
    return "-" if isinstance(x, float) and math.isnan(x) else f"{x:.2f}"


def _rows(c: Comparison) -> list[list[str]]:
    out = []
    for r in c.summary.to_dict("records"):
        out.append([r["variant"], str(r["violated"]), str(r["worse_cells"]), _num(r["benefit"]),
                    _num(r["guest_benefit"]), _num(r["expressiveness"]), "front" if r["pareto"] else "dominated",
                    "meets" if r["meets"] else "violates"])
    return out


HEADER = ["variant", "rules broken", "cells worse", "benefit", "per guest", "expressiveness", "pareto", "policy"]


def summary_records(c: Comparison) -> list[dict[str, object]]:
    """The summary's rows as the report's pages show them: benefit and expressiveness to two
    places (``-`` when there is nothing to gain), ``front`` True for the Pareto front."""
    return [{"variant": r["variant"], "violated": r["violated"], "worse": r["worse_cells"],
             "benefit": _num(r["benefit"]), "guest_benefit": _num(r["guest_benefit"]), "expressiveness": _num(r["expressiveness"]), "front": bool(r["pareto"])}
            for r in c.summary.to_dict("records")]


def violation_lines(c: Comparison) -> list[str]:
    """Every broken rule in one line, with its witness."""
    return [f"{v.variant} breaks {x.line}" + (f"; witness: {x.answer.witness.text}" if x.answer.witness else "")
            for v in c.verdicts for x in v.violations]


def table(c: Comparison, width: int | None = None, name: Namer | None = None) -> str:
    """The summary as an aligned table of at most ``width`` characters a line (None: no limit),
    each variant by ``name`` over its id, then every violation with its witness and command."""
    head = HEADER[:-1] + [c.policy]
    rows = [[variant_cell(r[0], name)] + r[1:] for r in _rows(c)]
    lines = [paragraph(f"support policy {c.policy}, timeline {c.timeline}: Pareto front over "
                       f"({', '.join(c.front_axes)})", width), ""]
    lines.append(fit(head, rows, width))
    lines += _cost_lines(c, width)
    if c.alike:
        lines += ["", paragraph(f"every variant alike on {', '.join(c.alike)}: broken the same way by every "
                                "variant, so left out of the Pareto front", width)]
    for v in c.verdicts:
        for x in v.violations:
            lines.append("")
            lines.append(paragraph(f"{_label(v.variant, name)} breaks {x.line}", width, "", "  "))
            lines.append(paragraph(f"rule: {x.rule.says}", width, "  ", "    "))
            w = x.answer.witness
            if w is not None:
                lines.append(paragraph(f"witness: {w.text}: {x.answer.why}", width, "  ", "    "))
                if w.command:
                    lines.append(command(w.command, width, "  explain: ", "      "))
    return "\n".join(lines) + "\n"


def _label(variant: str, name: Namer | None) -> str:
    return " ".join(variant_cell(variant, name).split("\n"))


def _cost_lines(c: Comparison, width: int | None = None) -> list[str]:
    """The thread's costs per variant (lower is better) and who said what, when any are given."""
    from pcidesign.analysis import costs as _costs

    table = _costs.load_costs()
    rows = [(v.variant, _costs.costs_of(v.variant, table)) for v in c.verdicts]
    if not any(cs for _v, cs in rows):
        return []
    head = ["variant", *_costs.COSTS]
    cells = [[v, *(cs[k].value if k in cs else "-" for k in _costs.COSTS)] for v, cs in rows]
    out = ["", "the thread's costs (none < low < medium < high; " + ("axes of the front" if c.with_costs else
           "not axes of the front: --costs adds them") + ")", ""]
    out.append(fit(head, cells, width))
    said = {(x.words, x.who) for _v, cs in rows for x in cs.values() if x.who != "this project's reading"}
    out += [paragraph(f"{who}: {words}", width, "  ", "    ") for words, who in sorted(said, key=lambda t: t[1])]
    return out


def markdown(c: Comparison) -> str:
    """The summary as a markdown table, then the violations as a list."""
    head = HEADER[:-1] + [c.policy]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(f"`{x}`" if i == 0 else x for i, x in enumerate(r)) + " |" for r in _rows(c)]
    broken = [(v, x) for v in c.verdicts for x in v.violations]
    if broken:
        lines.append("")
        for v, x in broken:
            w = x.answer.witness
            wit = f" Witness: {w.text} (`{w.command}`)." if w is not None and w.command else ""
            lines.append(f"- `{v.variant}` breaks {x.line}.{wit}")
    return "\n".join(lines) + "\n"


def render(c: Comparison, fmt: str, width: int | None = None, name: Namer | None = None) -> str:
    """``c`` as ``table`` (``width`` and ``name`` as :func:`table` takes them), ``markdown`` or ``json``."""
    if fmt == "json":
        return json.dumps(c.to_json(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return markdown(c)
    if fmt == "table":
        return table(c, width, name)
    raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
