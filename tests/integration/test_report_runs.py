"""The report's runs are never lost or left behind: kernel noise, signals, a full disk, two
reports finishing at once, the worker cap, a kernel start that loses a port race, ``--out ""``."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil
import pytest

from pcidesign.cli import main
from pcidesign.report import kernels
from pcidesign.report import runner as report

SMALL = ["--scheme", "status-quo", "--scheme", "model-subelement", "--scenario", "restart", "--timeline", "real",
         "--no-progress"]
KERNEL_NOISE = ("Session/line number was not unique", "History logging moved", "HistoryManager",
                "database is locked", "sqlite3.")


def earlier_run(out: Path) -> Path:
    """A complete earlier run with ``latest`` pointing at it."""
    out.mkdir(parents=True, exist_ok=True)
    run = out / "run-20000101-000000"
    run.mkdir()
    (run / "index.html").write_text("an earlier run")
    os.symlink(run.name, out / "latest")
    return run


def assert_untouched(out: Path, run: Path) -> None:
    assert (run / "index.html").read_text() == "an earlier run"
    assert os.readlink(out / "latest") == run.name
    assert sorted(p.name for p in out.iterdir()) == sorted([run.name, "latest"]), "partial folder left behind"


# -- kernel noise ------------------------------------------------------------------------------------
@pytest.mark.notebook
def test_no_kernel_warning_reaches_a_page(tmp_path: Path) -> None:
    """Every notebook on one warm kernel (jobs 1), reset between them: no page shows the
    kernel's history warnings."""
    assert main(["report", "--out", str(tmp_path / "r"), "--jobs", "1", *SMALL]) == 0
    pages = list((tmp_path / "r" / "latest").rglob("*.html"))
    assert len(pages) > 5
    noisy = [f"{p.name}: {w}" for p in pages for w in KERNEL_NOISE if w in p.read_text(encoding="utf-8")]
    assert not noisy, noisy


# -- signals -----------------------------------------------------------------------------------------
def _gone(proc: psutil.Process) -> bool:
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.notebook
@pytest.mark.parametrize(("signum", "status", "group"), [(signal.SIGTERM, 143, False), (signal.SIGINT, 130, True)])
def test_a_signal_ends_every_process_and_keeps_the_earlier_run(tmp_path: Path, signum: int, status: int,
                                                               group: bool) -> None:
    """SIGTERM to the main process (what ``timeout`` sends) and SIGINT to the whole process group
    (Ctrl-C): every worker and kernel gone within 10 s, no partial folder, ``latest`` unchanged,
    the shell's status and one line of message, no traceback."""
    out = tmp_path / "reports"
    before = earlier_run(out)
    proc = subprocess.Popen([sys.executable, "-m", "pcidesign.cli", "report", "--out", str(out), "--jobs", "2",
                             "--timeline", "real", "--scheme", "status-quo", "--scheme", "model-subelement",
                             "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        # mid-run: at least one notebook written, so both workers hold warm kernels
        while not any(out.glob(".run-*.partial/real/*.html")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the report never got going"
            time.sleep(0.2)
        family = psutil.Process(proc.pid).children(recursive=True)
        kernels_seen = [p for p in family if "ipykernel" in " ".join(p.cmdline())]
        assert kernels_seen, "no kernel was running: the test would prove nothing"
        if group:
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == status, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "interrupted" in lines[0], err
    deadline = time.monotonic() + 10
    while not all(_gone(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert all(_gone(p) for p in family), [p.pid for p in family if not _gone(p)]
    assert_untouched(out, before)


# -- a full disk ---------------------------------------------------------------------------------------
def test_a_full_disk_exits_1_and_keeps_the_earlier_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports"
    before = earlier_run(out)
    monkeypatch.setattr(report, "_run_all", lambda todo, *a, **k: [])

    def full(*_a: object, **_k: object) -> str:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(report.frontpage, "pages", full)
    assert main(["report", "--out", str(out), *SMALL]) == 1
    err = capsys.readouterr().err
    assert "no space left on device" in err and "Traceback" not in err
    assert_untouched(out, before)


@pytest.mark.notebook
def test_a_really_full_disk_exits_1_and_keeps_the_earlier_run(tmp_path: Path) -> None:
    """The same on a 2 MB tmpfs (needs root allowed to mount; skipped otherwise)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (root and CAP_SYS_ADMIN needed)")
    try:
        out = disk / "reports"
        before = earlier_run(out)
        done = subprocess.run([sys.executable, "-m", "pcidesign.cli", "report", "--out", str(out), "--timeline", "real",
                               "--scheme", "status-quo", "--scenario", "restart", "--no-progress"],
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 1, done.stderr
        assert "no space left on device" in done.stderr and "Traceback" not in done.stderr
        assert_untouched(out, before)
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# -- two reports finishing at once ---------------------------------------------------------------------
def test_two_runs_finishing_in_the_same_second_both_survive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "reports"
    before = earlier_run(out)
    (out / "run-20300101-120000").mkdir()  # a finished run already holds the first name
    (out / "run-20300101-120000" / "index.html").write_text("finished before")
    now = datetime(2030, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(report, "PUBLISH_DELAY", lambda: time.sleep(0.3))  # both reserve, then both move in
    names: dict[int, str] = {}
    parts = []
    for i in range(2):
        part = out / f".run-{i}.partial"
        part.mkdir()
        (part / "index.html").write_text(f"run {i}")
        parts.append(part)
    threads = [threading.Thread(target=lambda i=i: names.__setitem__(i, report.publish(parts[i], out, now)))
               for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(names.values()) == ["run-20300101-120000-2", "run-20300101-120000-3"]
    for i, name in names.items():
        assert (out / name / "index.html").read_text() == f"run {i}"
    assert (out / "run-20300101-120000" / "index.html").read_text() == "finished before"
    assert (before / "index.html").read_text() == "an earlier run"
    assert not any(out.glob(".run-*"))


# -- workers and kernel starts ---------------------------------------------------------------------------
def test_workers_are_capped_by_cpus_and_notebooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "cpu_count", lambda: 2)
    assert report.workers_for(1000, 13) == 2
    assert report.workers_for(1000, 1) == 1
    assert report.workers_for(1, 13) == 1


def test_a_kernel_start_that_loses_a_port_race_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tries: list[int] = []
    warm = kernels.WarmKernel(manager=None, client=None, pid=None)

    def flaky(_log_dir: Path) -> kernels.WarmKernel:
        tries.append(1)
        if len(tries) < 2:
            raise RuntimeError("Kernel died before replying to kernel_info: Address already in use")
        return warm

    monkeypatch.setattr(kernels, "_start_once", flaky)
    assert kernels.start(tmp_path) is warm and len(tries) == 2

    def broken(_log_dir: Path) -> kernels.WarmKernel:
        tries.append(1)
        raise RuntimeError("Address already in use")

    tries.clear()
    monkeypatch.setattr(kernels, "_start_once", broken)
    with pytest.raises(RuntimeError, match="Address already in use"):
        kernels.start(tmp_path)
    assert len(tries) == kernels.START_ATTEMPTS


# -- bad output folder --------------------------------------------------------------------------------------
def test_an_empty_output_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--out", "", *SMALL]) == 2
    assert "--out: must not be empty" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
    with pytest.raises(report.ReportError, match="must not be empty"):
        report.run(" ", ["real"], progress=False)
