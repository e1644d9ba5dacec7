"""The fleet scan as text: the readable report, one frame as CSV, or everything as JSON.

Domain names, file names and error texts come from the scanned files: every table escapes their
control characters (``model.safetext.printable``), CSV output also neutralises cells a
spreadsheet would read as formulas (``safetext.csv_cell``), and JSON escapes them by itself.
"""

from __future__ import annotations

import json

from pcidesign.analysis.fleet import FleetScan
from pcidesign.model.errors import UnknownNameError
from pcidesign.model.safetext import printable, safe_frame
from pcidesign.render.text import render as render_frame


def render(result: FleetScan, fmt: str = "table", show: str = "summary") -> str:
    """The scan as text: a readable report (``table``), one frame as CSV (``show``), or all as JSON."""
    if fmt == "json":
        doc = {
            "totals": json.loads(result.totals().to_json(orient="records"))[0],
            "error_kinds": result.error_counts(),
            "summary": json.loads(result.summary.assign(outcome=result.summary["outcome"].astype(str))
                                  .to_json(orient="records")),
            "worst": json.loads(result.worst.assign(outcome=result.worst["outcome"].astype(str))
                                .to_json(orient="records")),
            "errors": json.loads(result.errors.to_json(orient="records")),
            "unmapped": json.loads(result.unmapped_rows.to_json(orient="records")),
            "machines": json.loads(result.machines.to_json(orient="records")),
        }
        return json.dumps(doc, indent=2) + "\n"
    frames = {"summary": result.summary, "worst": result.worst, "errors": result.errors, "machines": result.machines}
    if fmt == "csv":
        if show not in frames:
            raise UnknownNameError("table", show, frames)
        frame = frames[show]
        if "outcome" in frame:
            frame = frame.assign(outcome=frame["outcome"].astype(str))
        return render_frame(safe_frame(frame, csv=True), "csv")
    if fmt != "table":
        raise UnknownNameError("format", fmt, ["table", "csv", "json"])
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(result.error_counts().items()))
    lines = [
        f"fleet {printable(result.directory)}: {result.files} files, {result.domains} domains, "
        f"{result.controllers} PCI controllers ({result.unmapped} unmapped), "
        f"{len(result.errors)} unusable files" + (f" ({kinds})" if kinds else ""),
        f"the fleet runs {result.source} today (timeline {result.timeline}); targets: {', '.join(result.targets)}",
        "",
        "domains per outcome (a domain counts at the worst outcome of its controllers):",
        render_frame(result.wide("domains"), "table"),
        "",
        "controllers per outcome:",
        render_frame(result.wide("controllers"), "table"),
        "",
    ]
    if not result.machines.empty:
        lines += ["machine types each target's QEMU cannot run (the outcomes above assume the machine runs; "
                  "data/machines.csv):", render_frame(safe_frame(result.machines), "table"), ""]
    if result.worst.empty:
        lines += ["worst-off domains: none (no scheme, target or scenario hurts any domain)", ""]
    else:
        cols = ["scheme", "target", "scenario", "domain", "file", "outcome", "at_worst", "detail"]
        lines += ["worst-off domains (failures only, worst first):",
                  render_frame(safe_frame(result.worst[cols].assign(outcome=result.worst["outcome"].astype(str))), "table"), ""]
    if not result.unmapped_rows.empty:
        lines += [f"PCI controllers mapped to no intent (not counted): {result.unmapped}",
                  render_frame(safe_frame(result.unmapped_rows), "table"), ""]
    if not result.errors.empty:
        lines += ["unusable files (skipped; exit status 1):", render_frame(safe_frame(result.errors), "table"), ""]
    return "\n".join(lines)
