"""A signal at any moment of a report's start-up (issue 23, item 4): while the command imports,
while the kernel check runs, while the workers start, while the kernels start. Each ends with one
line, the shell's status (143 for SIGTERM to the process, 130 for Ctrl-C to the whole process
group), no traceback and no abort, no process and no partial folder left.

How long each takes to exit is printed (``-s``), not asserted: the machine's load decides it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

ARGS = ["report", "--timeline", "real", "--no-progress"]
"""The real timeline's report, every default variant: long enough (about 30 s on two idle cores)
that each moment below comes before its end (one scheme's report now ends in about 10 s)."""


def kinds(pid: int) -> list[str]:
    """What runs below ``pid``: the kernel check, the forkserver, workers, kernels."""
    out = []
    try:
        family = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return out
    for p in family:
        try:
            line = " ".join(p.cmdline())
        except psutil.Error:
            continue
        out.append("kernel" if "ipykernel" in line else "checks" if "report.checks" in line
                   else "forkserver" if "forkserver" in line else "worker" if "spawn_main" in line else "other")
    if out.count("forkserver") > 1:  # the forkserver's workers carry its command line
        out.append("worker")
    return out


def gone(p: psutil.Process) -> bool:
    try:
        return p.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


MOMENTS = [("2s", signal.SIGTERM), ("6s", signal.SIGTERM), ("10s", signal.SIGTERM), ("15s", signal.SIGTERM),
           ("checks", signal.SIGTERM), ("forkserver", signal.SIGTERM), ("worker", signal.SIGTERM),
           ("kernel", signal.SIGTERM), ("2s", signal.SIGINT), ("forkserver", signal.SIGINT), ("worker", signal.SIGINT),
           ("kernel", signal.SIGINT)]


@pytest.mark.parametrize(("moment", "signum"), MOMENTS, ids=[f"{m}-{s.name}" for m, s in MOMENTS])
def test_a_signal_at_any_moment_of_start_up_ends_cleanly(tmp_path: Path, moment: str, signum: int) -> None:
    out = tmp_path / "reports"
    env = {k: v for k, v in os.environ.items() if k != "PCIDESIGN_SCHEMES"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "pcidesign.cli", *ARGS, "--out", str(out)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    family: list[psutil.Process] = []
    seconds = float(moment[:-1]) if moment[:-1].isdigit() else None  # "6s", or a phase such as "kernel"
    try:
        started = time.monotonic()
        while True:
            assert proc.poll() is None, ("the report ended before the moment", proc.communicate())
            assert time.monotonic() - started < 600, f"never reached {moment}"
            if seconds is not None and time.monotonic() - started >= seconds:
                break
            if moment in kinds(proc.pid):
                break
            time.sleep(0.05)
        family = psutil.Process(proc.pid).children(recursive=True)
        sent = time.monotonic()
        if signum == signal.SIGINT:
            os.killpg(proc.pid, signum)  # Ctrl-C: the whole process group
        else:
            proc.send_signal(signum)  # what `timeout` and `kill` send
        _, err = proc.communicate(timeout=120)
        print(f"{moment} {signal.Signals(signum).name}: exited in {time.monotonic() - sent:.1f} s")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 128 + signum, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "interrupted by " + signal.Signals(signum).name in lines[0], err
    assert "Traceback" not in err and "terminate called" not in err
    deadline = time.monotonic() + 30
    while not all(gone(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert all(gone(p) for p in family), [(p.pid, p.cmdline()) for p in family if not gone(p)]
    assert not out.exists() or not list(out.glob(".run-*")), "a partial run was left"
