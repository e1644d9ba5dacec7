"""Two report runs (or two ``findings.json`` files) compared: what moved, and why it may have.

*What moved*: variants and questions added or removed, each answer whose outcome or words changed,
variants that joined or left a Pareto front, and grid cells whose outcome changed (from each run's
``results.json``). *Why*: what the runs were computed from, as ``summary.json`` records it
(:mod:`pcidesign.report.provenance`): the tool version, the git commit, a checksum per data file,
and the setting (timelines, variants, scenarios, machine, pairing).

A variant added or removed is one change; its answers, front places and cells are not listed
again. Input that is not a run or a findings file raises :class:`DiffInputError` naming it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pcidesign.model.errors import PcidesignError
from pcidesign.model.safetext import printable

MAX_BYTES = 256 * 1024 * 1024
"""A run file larger than this is refused rather than read."""

CELL_EXAMPLES = 3
"""Cells named per grid panel that moved (the rest are counted)."""


class DiffInputError(PcidesignError):
    """A path that is not a report run, a ``summary.json`` or a ``findings.json``."""


@dataclass(frozen=True)
class Change:
    """One difference: its kind, where it is, the old and the new value."""

    kind: str
    where: str
    old: str
    new: str
    count: int = 1
    """How many things the row stands for (the cells of a grid panel)."""


@dataclass(frozen=True)
class Run:
    """What a path holds: the label it was given by, and the files found (None when absent)."""

    label: str
    findings: Mapping[str, Any] | None
    summary: Mapping[str, Any] | None
    results: Mapping[str, Any] | None


@dataclass(frozen=True)
class RunDiff:
    """The differences between two runs: the causes (what they were computed from) and the
    changes (what moved)."""

    old: str
    new: str
    causes: tuple[Change, ...]
    changes: tuple[Change, ...]
    recorded: bool = True
    """Whether both inputs record what they were computed from (a run's summary.json)."""

    @property
    def moved(self) -> bool:
        """True when an answer, a front, a cell, a question or a variant differs."""
        return bool(self.changes)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready record."""
        return {"old": self.old, "new": self.new, "moved": self.moved, "recorded": self.recorded,
                "causes": [asdict(c) for c in self.causes], "changes": [asdict(c) for c in self.changes]}


# -- reading ------------------------------------------------------------------------------------------
def _read_json(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise DiffInputError(f"{printable(path)}: larger than {MAX_BYTES // 2**20} MiB; not a run file")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DiffInputError(f"{printable(path)}: cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise DiffInputError(f"{printable(path)}: not UTF-8 text, so not a run's JSON file") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DiffInputError(f"{printable(path)}: not JSON (line {exc.lineno}: {exc.msg})") from None


def _is_findings(doc: Any) -> bool:
    return (isinstance(doc, dict) and isinstance(doc.get("questions"), list)
            and all(isinstance(q, dict) and isinstance(q.get("id"), str) and isinstance(q.get("answers", []), list)
                    and all(isinstance(a, dict) and isinstance(a.get("variant"), str) for a in q.get("answers", []))
                    for q in doc["questions"]))


def _is_summary(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("runs"), list) and "started" in doc


def load_run(path: str | Path) -> Run:
    """The run at ``path``: a report run's folder (``summary.json``, ``findings.json`` and
    ``results.json`` in it), or one ``findings.json`` or ``summary.json`` file (the run's other
    files beside it are read too). Raises :class:`DiffInputError` for anything else."""
    p = Path(path)
    label = printable(p)
    if not p.exists():
        raise DiffInputError(f"{label}: no such file or folder (give a report run such as reports/run-... "
                             "or a findings.json)")
    siblings = {n: (p if p.is_dir() else p.parent) / n for n in ("findings.json", "summary.json", "results.json")}
    if p.is_dir():
        files = siblings
        if not files["findings.json"].is_file() and not files["summary.json"].is_file():
            raise DiffInputError(f"{label}: not a report run (it holds neither summary.json nor findings.json)")
    else:
        doc = _read_json(p)
        kind = "findings.json" if _is_findings(doc) else "summary.json" if _is_summary(doc) else None
        if kind is None:
            raise DiffInputError(f"{label}: neither a findings.json (a 'questions' list) nor a report's "
                                 "summary.json (a 'runs' list)")
        # a run's own file brings the run's other files; a file under another name stands alone
        files = {**siblings, kind: p} if p.name == kind else {kind: p}
    found: dict[str, Any] = {}
    for name, f in files.items():
        if f.is_file():
            doc = _read_json(f)
            ok = {"findings.json": _is_findings, "summary.json": _is_summary,
                  "results.json": lambda d: isinstance(d, dict)}[name](doc)
            if not ok:
                raise DiffInputError(f"{printable(f)}: not the {name} of a report run")
            found[name] = doc
    return Run(label, found.get("findings.json"), found.get("summary.json"), found.get("results.json"))


# -- comparing ----------------------------------------------------------------------------------------
def _causes(a: Run, b: Run) -> list[Change]:
    out: list[Change] = []
    pa = (a.summary or {}).get("provenance") or {}
    pb = (b.summary or {}).get("provenance") or {}
    for run, prov in ((a, pa), (b, pb)):
        if run.summary is not None and not prov:
            out.append(Change("provenance", run.label, "", "not recorded (a run older than its summary.json's "
                                                           "provenance)"))
    if pa and pb:
        if pa.get("version") != pb.get("version"):
            out.append(Change("version", "pcidesign", str(pa.get("version")), str(pb.get("version"))))
        ca, cb = pa.get("commit") or {}, pb.get("commit") or {}
        if ca != cb:
            out.append(Change("commit", "git", _commit(ca), _commit(cb)))
        da, db = pa.get("data") or {}, pb.get("data") or {}
        for name in sorted(set(da) | set(db)):
            if da.get(name) != db.get(name):
                out.append(Change("data", f"data/{name}", _short(da.get(name)), _short(db.get(name))))
        sa, sb = pa.get("setting") or {}, pb.get("setting") or {}
        for key in sorted(set(sa) | set(sb)):
            va, vb = sa.get(key), sb.get(key)
            if va == vb:
                continue
            if isinstance(va, list) and isinstance(vb, list):
                gone = [v for v in va if v not in vb]
                added = [v for v in vb if v not in va]
                out.append(Change("setting", key, "-" + ", -".join(gone) if gone else "",
                                  "+" + ", +".join(added) if added else "(order)" if not gone else ""))
            else:
                out.append(Change("setting", key, str(va), str(vb)))
    return out


def _commit(c: Mapping[str, Any]) -> str:
    if not c:
        return "(not a git checkout)"
    return str(c.get("id", ""))[:12] + (" (uncommitted changes)" if c.get("dirty") else "")


def _short(checksum: object) -> str:
    return "(absent)" if checksum is None else str(checksum).removeprefix("sha256:")[:12]


def _answers(doc: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {q["id"]: q for q in (doc or {}).get("questions", [])}


def _variants(qs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(a["variant"] for q in qs.values() for a in q.get("answers", [])))


def _findings_changes(a: Run, b: Run) -> tuple[list[Change], set[str]]:
    qa, qb = _answers(a.findings), _answers(b.findings)
    va, vb = _variants(qa), _variants(qb)
    if a.summary is not None and b.summary is not None:  # a run names the variants it covered
        sa = ((a.summary.get("provenance") or {}).get("setting") or {}).get("variants")
        sb = ((b.summary.get("provenance") or {}).get("setting") or {}).get("variants")
        va, vb = (sa or va), (sb or vb)
    out: list[Change] = []
    new_or_gone = {v for v in va if v not in vb} | {v for v in vb if v not in va}
    for v in vb:
        if v not in va:
            n = sum(any(x["variant"] == v for x in q.get("answers", [])) for q in qb.values())
            out.append(Change("variant", v, "(absent)", f"added ({n} answers)" if n else "added"))
    for v in va:
        if v not in vb:
            out.append(Change("variant", v, "present", "removed"))
    for qid in qb:
        if qid not in qa:
            out.append(Change("question", qid, "(absent)", "added"))
    for qid in qa:
        if qid not in qb:
            out.append(Change("question", qid, "present", "removed"))
    for qid, old in qa.items():
        new = qb.get(qid)
        if new is None:
            continue
        for key in ("timeline", "pairing", "method"):
            if old.get(key) != new.get(key):
                out.append(Change(key, qid, str(old.get(key)), str(new.get(key))))
        if bool(old.get("skipped")) != bool(new.get("skipped")):
            out.append(Change("skipped", qid, str(old.get("skipped") or "answered"), str(new.get("skipped") or
                                                                                        "answered")))
        ao = {x["variant"]: x for x in old.get("answers", [])}
        an = {x["variant"]: x for x in new.get("answers", [])}
        for v, x in ao.items():
            y = an.get(v)
            if y is None or v in new_or_gone:
                continue
            if x.get("outcome") != y.get("outcome"):
                out.append(Change("answer", f"{qid} / {v}", f"{x.get('outcome')}: {x.get('answer', '')}",
                                  f"{y.get('outcome')}: {y.get('answer', '')}"))
            elif x.get("answer") != y.get("answer"):
                out.append(Change("answer", f"{qid} / {v}", str(x.get("answer")), str(y.get("answer"))))
    return out, new_or_gone


def _fronts(run: Run) -> dict[str, dict[str, bool]]:
    """Per timeline (from results.json) or per Pareto question (from the findings): variant -> on the front."""
    fronts = (run.results or {}).get("fronts")
    if isinstance(fronts, dict) and fronts:
        return {f"timeline {t}": {v: bool(r.get("front")) for v, r in rows.items()} for t, rows in fronts.items()}
    out: dict[str, dict[str, bool]] = {}
    for q in (run.findings or {}).get("questions", []):
        if q.get("method") == "pareto" and not q.get("skipped"):
            out[f"{q['id']} (timeline {q.get('timeline')})"] = {
                x["variant"]: str(x.get("answer", "")).startswith("on the Pareto front") for x in q.get("answers", [])}
    return out


def _front_changes(a: Run, b: Run, skip: set[str]) -> list[Change]:
    fa, fb = _fronts(a), _fronts(b)
    out = []
    for where in fa.keys() & fb.keys():
        for v, on in fa[where].items():
            if v in skip or v not in fb[where] or fb[where][v] == on:
                continue
            out.append(Change("front", f"{where} / {v}", "on the front" if on else "dominated",
                              "on the front" if fb[where][v] else "dominated"))
    return sorted(out, key=lambda c: c.where)


def _cell_changes(a: Run, b: Run, skip: set[str]) -> list[Change]:
    ga = (a.results or {}).get("grids") or {}
    gb = (b.results or {}).get("grids") or {}
    out = []
    for grid in ga.keys() & gb.keys():
        ra, rb = ga[grid].get("releases", []), gb[grid].get("releases", [])
        pa, pb = ga[grid].get("panels", {}), gb[grid].get("panels", {})
        for panel in sorted(pa.keys() & pb.keys()):
            if panel.split("|")[0] in skip:
                continue
            moved = []
            for i, frm in enumerate(ra):
                for j, to in enumerate(ra):
                    if frm not in rb or to not in rb:
                        continue
                    x = pa[panel][i][j] if i < len(pa[panel]) and j < len(pa[panel][i]) else None
                    bi, bj = rb.index(frm), rb.index(to)
                    y = pb[panel][bi][bj] if bi < len(pb[panel]) and bj < len(pb[panel][bi]) else None
                    if x != y:
                        moved.append((frm, to, x, y))
            if moved:
                timeline, facet = (grid.split("|") + [""])[:2]
                scheme, scenario = (panel.split("|") + [""])[:2]
                named = "; ".join(f"{f}->{t}" for f, t, _, _ in moved[:CELL_EXAMPLES])
                more = f" and {len(moved) - CELL_EXAMPLES} more" if len(moved) > CELL_EXAMPLES else ""
                out.append(Change("cells", f"{timeline} {facet} / {scheme} / {scenario}: {len(moved)} cell(s) "
                                  f"({named}{more})",
                                  ", ".join(dict.fromkeys(str(x) for _, _, x, _ in moved)),
                                  ", ".join(dict.fromkeys(str(y) for _, _, _, y in moved)), len(moved)))
    return sorted(out, key=lambda c: c.where)


def diff(old: str | Path | Run, new: str | Path | Run) -> RunDiff:
    """What moved between the run (or findings file) ``old`` and ``new``, and why it may have."""
    a = old if isinstance(old, Run) else load_run(old)
    b = new if isinstance(new, Run) else load_run(new)
    if (a.findings is None) != (b.findings is None) and a.results is None and b.results is None:
        missing = a if a.findings is None else b
        raise DiffInputError(f"{missing.label}: has no findings.json to compare with the other's")
    changes, skip = _findings_changes(a, b)
    changes += _front_changes(a, b, skip)
    changes += _cell_changes(a, b, skip)
    recorded = a.summary is not None and b.summary is not None
    return RunDiff(a.label, b.label, tuple(_causes(a, b)), tuple(changes), recorded)


def counts(d: RunDiff) -> dict[str, int]:
    """How many things moved, per kind of change (cells counted one by one)."""
    out: dict[str, int] = {}
    for c in d.changes:
        out[c.kind] = out.get(c.kind, 0) + c.count
    return out


def headline(d: RunDiff) -> str:
    """One sentence: what moved and the causes found, e.g. ``3 answers and 1 front moved; the data
    (releases.csv) and the setting (variants) differ``."""
    if not d.moved:
        what = "nothing changed: the same variants, answers, fronts and cells"
    else:
        what = ", ".join(f"{n} {k.removesuffix('s') if n == 1 else k if k.endswith('s') else k + 's'}"
                         for k, n in counts(d).items()) + " changed"
    kinds = list(dict.fromkeys(c.kind for c in d.causes))
    if kinds:
        why = "; they differ in " + ", ".join(
            f"{k} ({', '.join(dict.fromkeys(c.where.removeprefix('data/') for c in d.causes if c.kind == k))})"
            if k in ("data", "setting") else k for k in kinds)
    elif d.recorded:
        why = "; computed from the same version, commit, data and setting"
    else:
        why = "; no summary.json records what they were computed from"
    return what + why


def _rows(rows: Iterable[Change]) -> list[list[str]]:
    return [[c.kind, c.where, c.old, c.new] for c in rows]


def render(d: RunDiff, fmt: str = "table", width: int | None = None) -> str:
    """``d`` as a text table (at most ``width`` characters a line) or JSON."""
    if fmt == "json":
        return json.dumps(d.to_json(), indent=2, ensure_ascii=False) + "\n"
    if fmt != "table":
        raise DiffInputError(f"unknown format {fmt!r}; valid: table, json")
    from pcidesign.render.table import fit, paragraph

    lines = [paragraph(f"pcidesign diff {d.old} -> {d.new}: {headline(d)}", width, "", "  "), ""]
    if d.causes:
        lines += ["what the runs were computed from:", fit(["kind", "what", "old", "new"], _rows(d.causes), width), ""]
    if d.changes:
        lines += ["what moved:", fit(["kind", "where", "old", "new"], _rows(d.changes), width), ""]
    return "\n".join(lines)
