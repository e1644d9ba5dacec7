"""``pcidesign report --keep N``: older finished runs are pruned, the newest N and the run
``latest`` points to are kept, anything that is not a finished run is never touched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pcidesign.cli import main
from pcidesign.report import runner as report


def make_run(out: Path, name: str, finished: bool = True) -> Path:
    run = out / name
    run.mkdir(parents=True)
    if finished:
        (run / "summary.json").write_text("{}")
    (run / "index.html").write_text(name)
    return run


def point_latest(out: Path, name: str) -> None:
    link = out / "latest"
    if link.is_symlink():
        link.unlink()
    os.symlink(name, link, target_is_directory=True)


def test_prune_keeps_the_newest_and_latest(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    names = ["run-20260101-000000", "run-20260101-000000-2", "run-20260102-000000", "run-20260103-000000",
             "run-20260104-000000"]
    for n in names:
        make_run(out, n)
    reserved = make_run(out, "run-20260105-000000", finished=False)  # another report filling its name
    other = out / "notes"
    other.mkdir()
    point_latest(out, "run-20260101-000000-2")  # an old run made latest by hand stays
    assert [p.name for p in report.runs_under(out)] == names
    assert report.prune(out, 2) == ["run-20260101-000000", "run-20260102-000000"]
    left = sorted(p.name for p in out.iterdir())
    assert left == ["latest", "notes", "run-20260101-000000-2", "run-20260103-000000", "run-20260104-000000",
                    reserved.name]
    assert report.prune(out, 5) == []


def test_prune_refuses_zero(tmp_path: Path) -> None:
    with pytest.raises(report.ReportError, match="at least 1"):
        report.prune(tmp_path, 0)


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_keep_must_be_a_positive_count(tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--out", str(tmp_path / "r"), "--keep", value]) == 2
    err = capsys.readouterr().err
    assert "--keep" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_report_keep_prunes_after_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports"
    for n in ("run-20200101-000000", "run-20200102-000000", "run-20200103-000000"):
        make_run(out, n)
    point_latest(out, "run-20200103-000000")

    def fake_run(out_dir: Path, *a: object, **k: object) -> report.Summary:
        run = make_run(Path(out_dir), "run-20300101-000000")
        point_latest(Path(out_dir), run.name)
        return report.Summary(run.name, run.name, "now", 0.0, 0, 1, 0, 0.0, [])

    monkeypatch.setattr(report, "run", fake_run)
    assert main(["report", "--out", str(out), "--keep", "2", "--no-progress"]) == 0
    said = capsys.readouterr().out
    assert "removed 2 older runs (--keep 2): run-20200101-000000, run-20200102-000000" in said
    assert sorted(p.name for p in out.iterdir()) == ["latest", "run-20200103-000000", "run-20300101-000000"]


def test_report_keeps_every_run_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "reports"
    for n in ("run-20200101-000000", "run-20200102-000000"):
        make_run(out, n)
    monkeypatch.setattr(report, "run", lambda out_dir, *a, **k: report.Summary("x", "x", "now", 0.0, 0, 1, 0, 0.0, []))
    assert main(["report", "--out", str(out), "--no-progress"]) == 0
    assert len(report.runs_under(out)) == 2
