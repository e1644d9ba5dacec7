"""The fleet scan as text: the readable report, one frame as CSV, or everything as JSON.

Domain names, file names and error texts come from the scanned files: every table escapes their
control characters (``model.safetext.printable``), CSV output also neutralises cells a
spreadsheet would read as formulas (``safetext.csv_cell``), and JSON escapes them by itself.
"""

from __future__ import annotations

import json

import pandas as pd

from pcidesign.analysis.fleet import FleetScan
from pcidesign.model.errors import UnknownNameError
from pcidesign.model.safetext import printable, safe_frame
from pcidesign.render.table import Namer, fit, paragraph, variant_cell
from pcidesign.render.text import render as render_frame


def render(result: FleetScan, fmt: str = "table", show: str = "summary", width: int | None = None,
           name: Namer | None = None) -> str:
    """The scan as text: a readable report (``table``, at most ``width`` characters a line, each
    scheme by ``name`` beside its id), one frame as CSV (``show``), or all as JSON."""
    if fmt == "json":
        doc = {
            "totals": json.loads(result.totals().to_json(orient="records"))[0],
            "direction": result.direction,
            "scope": result.scope,
            "left_out": {t: {"domains": d, "controllers": c} for t, (d, c) in result.left_out.items()},
            "moves": dict(result.moves),
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
    live = result.read_from == "libvirt"
    what = "defined domains (inactive XML)" if live else "files"
    lines = [
        paragraph(f"fleet {printable(result.directory)}" + (" (read through libvirt, read-only):" if live else ":"),
                  width, "", "  "),
        paragraph(f"{result.files} {what}, {result.domains} domains, {result.controllers} PCI controllers "
                  f"({result.unmapped} unmapped), {len(result.errors)} unusable {'domains' if live else 'files'}"
                  + (f" ({kinds})" if kinds else ""), width, "", "  "),
        paragraph(f"the fleet runs {result.source} today (timeline {result.timeline}); {directions(result)}",
                  width, "", "  "),
        paragraph(scope_note(result), width, "", "  "),
        "",
        paragraph("domains per outcome: a domain counts at the worst failure among its controllers; without one, "
                  "a domain holding a controller the scheme cannot express counts as not-expressible, not ok:",
                  width),
        _grouped(result.wide("domains"), result, width, name),
        "",
        paragraph("controllers per outcome:", width),
        _grouped(result.wide("controllers"), result, width, name),
        "",
    ]
    if not result.machines.empty:
        lines += [paragraph("machine types each target's QEMU cannot run (the outcomes above assume the machine "
                            "runs; data/machines.csv):", width),
                  render_frame(safe_frame(result.machines), "table", width), ""]
    if result.worst.empty:
        lines += ["worst-off domains: none (no scheme, target or scenario hurts any domain)", ""]
    else:
        cols = ["scheme", "target", "scenario", "domain", "file", "outcome", "at_worst", "detail"]
        if live:  # a libvirt domain's "file" is its name
            cols.remove("file")
        worst = safe_frame(result.worst[cols].assign(outcome=result.worst["outcome"].astype(str)))
        lines += [paragraph("worst-off domains (failures only, worst first" +
                            ("; --wide shows every cell in full):" if width is not None else "):"), width),
                  _grouped(worst, result, width, name, overflow="truncate"), ""]
    if not result.unmapped_rows.empty:
        lines += [f"PCI controllers mapped to no intent (not counted): {result.unmapped}",
                  render_frame(safe_frame(result.unmapped_rows), "table", width), ""]
    if not result.errors.empty:
        lines += [f"unusable {'domains' if live else 'files'} (skipped; exit status 1):", render_frame(safe_frame(result.errors), "table", width), ""]
    return "\n".join(lines)


def scope_note(result: FleetScan) -> str:
    """Which scope the counts show, and what scope ``naming`` left out per target, in words."""
    if result.scope != "naming":
        return ("scope all: every domain counted, also where the target cannot hold a controller whatever the "
                "scheme (--scope naming leaves those out)")
    left = [(t, d, c) for t, (d, c) in result.left_out.items() if d]
    if not left:
        return "scope naming: no domain left out (every target knows every controller's intent)"
    per = ", ".join(f"{t}: {d} domains ({c} controllers)" for t, d, c in left)
    return ("scope naming: left out, per target, the domains holding a controller that the target or the release "
            f"the fleet runs does not know (every scheme fails alike there): {per}; --scope all counts them")


def directions(result: FleetScan) -> str:
    """Which way the scan moves the fleet, in words: ``downgrades to 1.2.18, 1.2.19 (older than
    9.0.0); upgrades: none (...)``."""
    src = result.source
    parts = []
    for move, rel in (("downgrade", "older"), ("upgrade", "newer")):
        got = result.targets_of(move)
        if got:
            parts.append(f"{move}s to {', '.join(got)} ({rel} than {src})")
        elif result.direction in ("both", move):
            parts.append(f"{move}s: none (no target {rel} than {src}" +
                         (f" on timeline {result.timeline})" if result.direction == move or not result.targets else ")"))
    same = result.targets_of("same")
    if same:
        parts.append(f"{', '.join(same)}: the release it runs (no move)")
    asked = {"both": "upgrades and downgrades", "upgrade": "upgrades only", "downgrade": "downgrades only"}
    return f"direction {result.direction} ({asked.get(result.direction, result.direction)}): " + "; ".join(parts)


def _grouped(frame: pd.DataFrame, result: FleetScan, width: int | None, name: Namer | None,
             overflow: str = "auto") -> str:
    """``frame`` (a ``scheme`` and a ``target`` column first) as one table whose rows are grouped
    under a line per scheme and direction: ``Idea 1 (multiplex-model), downgrades from 9.0.0``."""
    body = frame.drop(columns=["scheme"])
    titles: dict[int, str] = {}
    last: tuple[str, str] | None = None
    for k, (scheme, target) in enumerate(zip(frame["scheme"], frame["target"])):
        key = (str(scheme), result.moves.get(str(target), ""))
        if key != last:
            label = " ".join(variant_cell(key[0], name).split("\n"))
            what = {"upgrade": f"upgrades from {result.source}", "downgrade": f"downgrades from {result.source}",
                    "same": f"staying at {result.source}"}.get(key[1], "")
            titles[k] = f"{label}, {what}:" if what else f"{label}:"
            last = key
    rows = [[_cell(v) for v in r] for r in body.itertuples(index=False, name=None)]
    return fit([str(c) for c in body.columns], rows, width, overflow, titles=titles)


def _cell(v: object) -> str:
    return "" if v is None else str(v)
