"""A comparison as text: the summary table, each violation with its witness, markdown and JSON."""

from __future__ import annotations

import json
import math

from pcidesign.analysis.compare import Comparison

FORMATS = ("table", "markdown", "json")


def _num(x: float) -> str:
    return "-" if isinstance(x, float) and math.isnan(x) else f"{x:.2f}"


def _rows(c: Comparison) -> list[list[str]]:
    out = []
    for r in c.summary.to_dict("records"):
        out.append([r["variant"], str(r["violated"]), str(r["worse_cells"]), _num(r["benefit"]),
                    _num(r["expressiveness"]), "front" if r["pareto"] else "dominated",
                    "meets" if r["meets"] else "violates"])
    return out


HEADER = ["variant", "rules broken", "cells worse", "benefit", "expressiveness", "pareto", "policy"]


def table(c: Comparison) -> str:
    """The summary as an aligned table, then every violation with its witness and command."""
    head = HEADER[:-1] + [c.policy]
    rows = [head] + _rows(c)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [f"support policy {c.policy}, timeline {c.timeline}: Pareto front over ({', '.join(c.front_axes)})", ""]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    lines += _cost_lines(c)
    if c.alike:
        lines += ["", f"every variant alike on {', '.join(c.alike)}: broken the same way by every variant, so "
                      "left out of the Pareto front"]
    for v in c.verdicts:
        for x in v.violations:
            lines.append("")
            lines.append(f"{v.variant} breaks {x.line}")
            lines.append(f"  rule: {x.rule.says}")
            w = x.answer.witness
            if w is not None:
                lines.append(f"  witness: {w.text}: {x.answer.why}")
                if w.command:
                    lines.append(f"  explain: {w.command}")
    return "\n".join(lines) + "\n"


def _cost_lines(c: Comparison) -> list[str]:
    """The thread's costs per variant (lower is better) and who said what, when any are given."""
    from pcidesign.analysis import costs as _costs

    table = _costs.load_costs()
    rows = [(v.variant, _costs.costs_of(v.variant, table)) for v in c.verdicts]
    if not any(cs for _v, cs in rows):
        return []
    head = ["variant", *_costs.COSTS]
    cells = [head] + [[v, *(cs[k].value if k in cs else "-" for k in _costs.COSTS)] for v, cs in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    out = ["", "the thread's costs (none < low < medium < high; " + ("axes of the front" if c.with_costs else
           "not axes of the front: --costs adds them") + ")", ""]
    out += ["  ".join(x.ljust(w) for x, w in zip(r, widths)).rstrip() for r in cells]
    said = {(x.words, x.who) for _v, cs in rows for x in cs.values() if x.who != "this project's reading"}
    out += [f"  {who}: {words}" for words, who in sorted(said, key=lambda t: t[1])]
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


def render(c: Comparison, fmt: str) -> str:
    """``c`` as ``table``, ``markdown`` or ``json``."""
    if fmt == "json":
        return json.dumps(c.to_json(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return markdown(c)
    if fmt == "table":
        return table(c)
    raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
