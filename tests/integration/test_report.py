"""``pcidesign report``: the batch over the parameter grid, its run folders and index page."""

from __future__ import annotations

from markupsafe import escape
import json
import re
from urllib.parse import unquote
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from pcidesign.model.registry import default_variants
from pcidesign.model.scenarios import CORE

from pcidesign import scenario_ids, scheme_ids
from pcidesign.analysis import matrices as analysis
from pcidesign.report import plan as report_plan
from pcidesign.report import runner as report
from pcidesign.cli import main
from pcidesign.model.errors import UnknownNameError

TWO = ["status-quo", "model-subelement"]
SMALL = ["--scheme", TWO[0], "--scheme", TWO[1], "--scenario", "restart", "--timeline", "real", "--no-progress"]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v:
                self.links.append(v)


def links(page: Path) -> list[str]:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


def runs(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.name.startswith("run-"))


def failing_notebook(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"},
                                            "language_info": {"name": "python"}})
    params = nbformat.v4.new_code_cell('timeline: str = "real"  # timeline\nout_dir: str = ""  # output folder')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell('raise RuntimeError(f"deliberate failure on {timeline}")')]
    path = tmp_path / "99_fails.ipynb"
    nbformat.write(nb, path)
    return path


# -- nothing runs when something is wrong -------------------------------------------------------
@pytest.mark.parametrize("argv, words", [
    (["--scheme", "nope"], ["unknown scheme 'nope'", "model-subelement"]),
    (["--scenario", "reboot"], ["unknown scenario 'reboot'", "migrate-roundtrip"]),
    (["--timeline", "future"], ["unknown timeline 'future'", "whatif"]),
    (["--jobs", "0"], ["--jobs must be at least 1"]),
])
def test_bad_arguments_exit_2_and_write_nothing(tmp_path, capsys, argv, words):
    out = tmp_path / "reports"
    assert main(["report", "--out", str(out), "--no-progress", *argv]) == 2
    err = capsys.readouterr().err
    for w in words:
        assert w in err
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_an_unusable_output_folder_exits_2(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["report", "--out", str(blocker / "reports"), *SMALL]) == 2
    assert "cannot write a report under" in capsys.readouterr().err
    assert main(["report", "--out", str(blocker), *SMALL]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert blocker.read_text() == "not a folder"


def test_parameters_are_checked_against_the_notebook_before_anything_runs(tmp_path):
    spec = report.NotebookSpec("02_matrix", "m", lambda g: [
        {"scheme": "status-quo", "scenario": "restart", "timeline": g.timeline, "intents": [], "releases": [],
         "explain": "3", "colour": "red"}])
    jobs = report.plan(["real"], notebooks=[spec])
    with pytest.raises(report.ReportError) as err:
        report.check_jobs(jobs)
    msg = str(err.value)
    assert "no parameter 'colour'" in msg and "declared: scheme, scenario" in msg
    assert "explain='3' is not of the declared type int" in msg

    bad = report.NotebookSpec("02_matrix", "m", lambda g: [
        {"scheme": "status-quo", "scenario": "restart", "timeline": "real", "intents": [], "releases": ["H1"],
         "explain": 1}])
    with pytest.raises(report.ReportError, match=r"unknown release 'H1'.*9\.0\.0"):
        report.run(tmp_path / "r", ["real"], notebooks=[bad], progress=False)
    assert not (tmp_path / "r").exists()

    with pytest.raises(report.ReportError, match="does not exist"):
        report.check_jobs(report.plan(["real"], notebooks=[report.NotebookSpec(
            "nope", "n", lambda g: [{}], path=tmp_path / "nope.ipynb")]))


def test_plan_covers_the_grid_from_the_registry():
    jobs = report.plan()
    names = [j.notebook for j in jobs]
    covered = default_variants()
    assert names.count("02_matrix") == 2 * len(covered) * len(CORE)  # a matrix notebook per core scenario
    grid = next(j for j in jobs if j.notebook == "03_compare").parameters["scenarios"]
    assert grid == list(CORE)  # notebook 03's figures: the core scenarios; the front page's grids: every one
    assert "model-subelement+fill=define-only" in covered and len(covered) > len(scheme_ids())
    matrices = {j.parameters["scheme"] for j in jobs if j.notebook == "02_matrix"}
    assert matrices == set(covered)
    added = report.scheme_ids(None, ["model-subelement+fill=never"])
    assert added == [*covered, "model-subelement+fill=never"]
    assert report.scheme_ids(["status-quo"], ["impl-attribute+migratable=omit-legacy"]) == [
        "status-quo", "impl-attribute+migratable=omit-legacy"]
    assert names.count("01_schemes") == 2 and names.count("03_compare") == 2
    assert len({j.label for j in jobs}) == len(jobs)
    with pytest.raises(UnknownNameError, match="valid: real, whatif"):
        report.plan(["nope"])


def test_an_interrupted_run_leaves_nothing_behind(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "_run_all", interrupted)
    out = tmp_path / "reports"
    with pytest.raises(KeyboardInterrupt):
        report.run(out, ["real"], TWO, ["restart"], progress=False)
    assert list(out.iterdir()) == []


# -- a real run --------------------------------------------------------------------------------------
@pytest.mark.notebook
def test_report_on_a_two_scheme_grid(tmp_path, capsys):
    out = tmp_path / "reports"
    assert main(["report", "--out", str(out), *SMALL]) == 0
    assert "7 of 7 notebooks ran" in capsys.readouterr().out
    [run] = runs(out)
    assert (out / "latest").is_symlink() and (out / "latest").resolve() == run.resolve()
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no temporary folder left"

    summary = json.loads((run / "summary.json").read_text())
    assert summary["jobs"] == 7 and summary["failed"] == 0
    by_id = {r["id"]: r for r in summary["runs"]}
    assert set(by_id) == {"real/03_compare", "real/01_schemes", "real/02_matrix-status-quo--restart",
                          "real/02_matrix-model-subelement--restart", "real/04_paths-status-quo",
                          "real/04_paths-model-subelement", "real/05_fleet"}
    for rec in summary["runs"]:
        assert rec["status"] == "ok" and rec["error"] is None and rec["seconds"] > 0
        for f in [rec["notebook_file"], rec["html_file"], *rec["outputs"]]:
            assert (run / f).is_file(), f
        html = (run / rec["html_file"]).read_text()
        assert "check_params(" not in html, "the HTML copy has no code"
    m = by_id["real/02_matrix-model-subelement--restart"]
    assert m["parameters"] == {"scheme": "model-subelement", "scenario": "restart", "timeline": "real",
                               "intents": [], "releases": [], "setting": {}, "explain": 3}
    assert sorted(Path(o).name for o in m["outputs"]) == ["cells.csv", "heatmap.png", "matrix.csv"]
    written = pd.read_csv(run / "real/02_matrix-model-subelement--restart/matrix.csv", dtype=str)
    expected = analysis.matrix("model-subelement", "restart", "real", scope="naming").astype({"outcome": str})
    assert written.fillna("").values.tolist() == expected.astype(str).values.tolist()

    index = run / "index.html"
    hrefs = links(index)
    assert hrefs, "the index links its files"
    for href in hrefs:
        assert not href.startswith(("/", "file:")), href
        if href.startswith("#"):
            assert f'id="{href[1:]}"' in index.read_text(), f"broken anchor {href}"
            continue
        assert (run / unquote(href.split("#")[0])).is_file(), f"broken link {href}"
    page = index.read_text()
    # findings first: the first table is the findings table, one column per scheme of the run
    assert page.index("<table") == page.index('<table class="findings" id="findings-table"')
    assert page.index('id="findings"') < page.index('id="grids"') < page.index('id="run-log"')
    header = page[page.index("<thead>"):page.index("</thead>")]
    assert [re.sub("<wbr>", "", h) for h in re.findall(r'<th class="v">.*?<code>(.*?)</code></th>', header)] == TWO
    findings = json.loads((run / "findings.json").read_text())
    for q in findings["questions"]:
        assert f'href="findings/{q["id"]}/index.html"' in page
        for a in q["answers"]:
            assert a["variant"] in TWO
            answer_page = (run / "findings" / q["id"] / f'{a["variant"]}.html').read_text()
            assert f'href="findings/{q["id"]}/{a["variant"]}.html"' in page
            assert str(escape(a["answer"])) in answer_page and str(escape(a["why"])) in answer_page
    for facet in ("default", "named"):
        assert f'id="grid-real-{facet}"' in page
    assert 'href="grids-real.html"' in page and 'href="real/01_schemes.html"' in page
    grids = (run / "grids-real.html").read_text()
    for facet in ("default", "named"):
        assert f'id="grid-real-{facet}"' in grids
    assert grids.count('<a class="panel" href="real/02_matrix-model-subelement--restart.html"') == 2
    for rec in summary["runs"]:
        assert rec["html_file"] in hrefs and rec["notebook_file"] in hrefs
    assert "FAILED" not in page


@pytest.mark.notebook
def test_a_failing_notebook_is_marked_and_exits_1(tmp_path, monkeypatch, capsys):
    out = tmp_path / "reports"
    out.mkdir()
    earlier = out / "run-20000101-000000"
    earlier.mkdir()
    (earlier / "index.html").write_text("an earlier run")
    fails = report.NotebookSpec("99_fails", "fails on purpose", lambda g: [{"timeline": g.timeline}],
                                path=failing_notebook(tmp_path))
    matrix = next(s for s in report.NOTEBOOKS if s.name == "02_matrix")
    monkeypatch.setattr(report_plan, "NOTEBOOKS", [fails, matrix])
    assert main(["report", "--out", str(out), *SMALL]) == 1
    err = capsys.readouterr().err
    assert "FAILED real/99_fails: RuntimeError: deliberate failure on real" in err

    assert (earlier / "index.html").read_text() == "an earlier run"
    run = (out / "latest").resolve()
    assert run != earlier.resolve() and run.name.startswith("run-")
    summary = json.loads((run / "summary.json").read_text())
    assert summary["failed"] == 1
    status = {r["id"]: (r["status"], r["error"]) for r in summary["runs"]}
    assert status["real/99_fails"][0] == "failed"
    assert "RuntimeError: deliberate failure on real" in status["real/99_fails"][1]
    assert status["real/02_matrix-status-quo--restart"] == ("ok", None)
    assert status["real/02_matrix-model-subelement--restart"] == ("ok", None)
    page = (run / "index.html").read_text()
    assert "1 of 3 notebooks FAILED" in page
    row = next(r for r in page.split("<tr") if "99_fails" in r and "<td>" in r)
    assert 'class="failed"' in row and "FAILED" in row and "deliberate failure on real" in row
    for href in links(run / "index.html"):
        assert href.startswith("#") or (run / unquote(href.split("#")[0])).is_file(), href
