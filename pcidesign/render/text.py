"""Plain-text renderings shared by the CLI and the notebooks (traces, frames)."""

from __future__ import annotations

import json

import pandas as pd

from pcidesign.model.engine import Result


def explanation(result: Result) -> str:
    """Each hop of ``result`` with its XML, then the verdict and its reason."""
    lines = [
        f"scheme {result.scheme}, scenario {result.scenario}, intent {result.intent}, "
        f"from {result.a} to {result.b}",
        "",
    ]
    for n, step in enumerate(result.steps, start=1):
        lines.append(f"== hop {n}: {step.hop.value} at {step.release} ==")
        lines.append(step.note + (f"  [{step.event.value}]" if step.event else ""))
        if step.xml_in is not None:
            lines += ["-- XML in:", step.xml_in.decode().rstrip()]
        if step.xml_out is not None:
            label = "saved config" if step.hop.value != "migrate" or step.event is None else "XML out"
            lines += [f"-- {label} after the hop:", step.xml_out.decode().rstrip()]
        lines.append("")
    lines.append(f"verdict: {result.outcome.value}: {result.detail}")
    return "\n".join(lines)


def render(frame: pd.DataFrame, fmt: str) -> str:
    """``frame`` as an aligned table, CSV, or JSON records."""
    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "json":
        records = json.loads(frame.to_json(orient="records"))
        return json.dumps(records, indent=2)
    with pd.option_context("display.max_colwidth", 80, "display.width", 200):
        return frame.to_string(index=False)
