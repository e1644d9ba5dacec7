"""``pcidesign diff``: what moved between two runs or findings files, and why (issue 24, acceptance 5)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pcidesign import cli
from pcidesign.analysis import findings
from pcidesign.model.resources import data_dir
from pcidesign.render import findingstext
from pcidesign.report import diff, provenance, runner


@pytest.fixture(scope="module")
def found() -> dict[str, Any]:
    """The real findings.json of two questions (one answered by cells, one by the Pareto front)."""
    return findingstext.to_json(findings.findings(questions=["idea3-downgrade", "pareto-upstream"]))


def _write(folder: Path, name: str, doc: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _with_variant(doc: dict[str, Any], variant: str) -> dict[str, Any]:
    new = copy.deepcopy(doc)
    for q in new["questions"]:
        extra = copy.deepcopy(q["answers"][-1])
        extra["variant"] = variant
        q["answers"].append(extra)
    return new


def test_one_variant_added_is_exactly_one_change(found: dict[str, Any], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    old = _write(tmp_path / "a", "findings.json", found)
    new = _write(tmp_path / "b", "findings.json", _with_variant(found, "model-subelement+fill=never"))
    d = diff.diff(old, new)
    assert [(c.kind, c.where) for c in d.changes] == [("variant", "model-subelement+fill=never")]
    assert d.changes[0].new == "added (2 answers)" and d.moved
    assert cli.main(["diff", str(old), str(new), "--fail-on-change"]) == 1
    out = " ".join(capsys.readouterr().out.split())  # the head line wraps at the paths' length
    assert "1 variant changed" in out and "model-subelement+fill=never" in out
    assert cli.main(["diff", str(old), str(new), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["moved"] is True and len(doc["changes"]) == 1 and doc["changes"][0]["kind"] == "variant"


def test_the_same_findings_move_nothing(found: dict[str, Any], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    old = _write(tmp_path / "a", "findings.json", found)
    new = _write(tmp_path / "b", "findings.json", found)
    assert cli.main(["diff", str(old.parent), str(new.parent), "--fail-on-change"]) == 0
    assert "nothing changed" in capsys.readouterr().out


def test_an_answer_and_a_front_that_moved(found: dict[str, Any], tmp_path: Path) -> None:
    moved = copy.deepcopy(found)
    cells = next(q for q in moved["questions"] if q["id"] == "idea3-downgrade")
    first = cells["answers"][0]
    first["outcome"], first["answer"] = "domain-lost", "domain-lost in the only cell"
    pareto = next(q for q in moved["questions"] if q["id"] == "pareto-upstream")
    on = next(a for a in pareto["answers"] if a["answer"].startswith("on the Pareto front"))
    on["answer"] = "dominated: " + on["answer"].split(": ", 1)[1]
    d = diff.diff(_write(tmp_path / "a", "findings.json", found), _write(tmp_path / "b", "findings.json", moved))
    kinds = [(c.kind, c.where) for c in d.changes]
    assert ("answer", f"idea3-downgrade / {first['variant']}") in kinds
    assert ("front", f"pareto-upstream (timeline {pareto['timeline']}) / {on['variant']}") in kinds
    assert ("answer", f"pareto-upstream / {on['variant']}") in kinds  # the words changed too
    assert len(kinds) == 3


def _run(folder: Path, found: dict[str, Any], data: dict[str, str], variants: list[str],
         cell: str = "ok", front: bool = True) -> Path:
    summary = {"run": folder.name, "started": "2026-01-01T00:00:00+00:00", "runs": [],
               "provenance": {"version": "0.1.0", "commit": {"id": "a" * 40, "dirty": False}, "data": data,
                              "setting": {"timelines": ["real"], "variants": variants, "scenarios": ["restart"],
                                          "machine": "assumed", "pairing": "bundled"}}}
    results = {"fronts": {"real": {"status-quo": {"front": front}}},
               "grids": {"real|default": {"releases": ["1.2.18", "1.2.19"],
                                          "panels": {"status-quo|restart": [["ok", cell], [None, "ok"]]}}}}
    _write(folder, "summary.json", summary)
    _write(folder, "results.json", results)
    _write(folder, "findings.json", found)
    return folder


def test_runs_say_why_they_differ(found: dict[str, Any], tmp_path: Path) -> None:
    base = {"releases.csv": "sha256:" + "1" * 64, "devices.csv": "sha256:" + "2" * 64}
    a = _run(tmp_path / "run-a", found, base, ["status-quo"])
    b = _run(tmp_path / "run-b", found, {**base, "releases.csv": "sha256:" + "3" * 64},
             ["status-quo", "impl-attribute"], cell="guest-changed", front=False)
    d = diff.diff(a, b)
    causes = {(c.kind, c.where) for c in d.causes}
    assert causes == {("data", "data/releases.csv"), ("setting", "variants")}
    kinds = {(c.kind, c.where.split(":")[0]) for c in d.changes}
    assert ("variant", "impl-attribute") in kinds  # named by the run's setting, even without answers
    assert ("front", "timeline real / status-quo") in kinds
    assert ("cells", "real default / status-quo / restart") in kinds
    cells = next(c for c in d.changes if c.kind == "cells")
    assert cells.count == 1 and cells.old == "ok" and cells.new == "guest-changed" and "1.2.18->1.2.19" in cells.where
    assert "they differ in data (releases.csv), setting (variants)" in diff.headline(d)


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "no such file or folder"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "not a report run"),
    (lambda p: _write(p, "x.json", {"hello": 1}), "neither a findings.json"),
    (lambda p: (p / "y.json").write_text("{", encoding="utf-8") and p / "y.json", "not JSON"),
    (lambda p: (p / "z.json").write_bytes(b"\xff\xfe") and p / "z.json", "not UTF-8"),
    (lambda p: _write(p / "r", "summary.json", {"runs": "no"}) and p / "r", "not the summary.json"),
])
def test_bad_input_is_exit_2_naming_it(make: Any, message: str, found: dict[str, Any], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path / "good", "findings.json", found)
    bad = make(tmp_path)
    assert cli.main(["diff", str(bad), str(good)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_provenance_records_version_commit_and_data() -> None:
    rec = provenance.record({"timelines": ["real"]})
    assert rec["version"] == provenance.version() and rec["setting"] == {"timelines": ["real"]}
    releases = data_dir() / "releases.csv"
    assert rec["data"]["releases.csv"] == "sha256:" + hashlib.sha256(releases.read_bytes()).hexdigest()
    assert set(rec["data"]) == {p.name for p in data_dir().glob("*.csv")}
    assert rec["commit"] is None or len(rec["commit"]["id"]) == 40


def test_no_git_checkout_is_no_commit(tmp_path: Path) -> None:
    assert provenance.commit(tmp_path) is None


def test_results_json_holds_fronts_and_cells_as_outcomes() -> None:
    from pcidesign.model.vocab import Outcome
    from pcidesign.render.plots import SHORT

    cell = SimpleNamespace(code=SHORT[Outcome.DOMAIN_LOST])
    assets = SimpleNamespace(
        paretos=[SimpleNamespace(timeline="real", rows=[{"variant": "status-quo", "front": False, "violated": 1,
                                                         "benefit": "0.00", "expressiveness": "0.74"}])],
        grids=[SimpleNamespace(timeline="real", facet="default", releases=["1.2.18", "1.2.19"],
                               panels={("status-quo", "restart"): [[cell, None], [None, cell]]})])
    doc = json.loads(runner.results_json(assets))
    assert doc["fronts"]["real"]["status-quo"]["front"] is False
    assert doc["grids"]["real|default"]["panels"]["status-quo|restart"] == [["domain-lost", None], [None, "domain-lost"]]
