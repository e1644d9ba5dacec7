"""Every command's output errors (issue 23): a full disk ends with one line and exit 1; a reader
that went away (``| head``) ends quietly, exit 0 or 141, as Unix tools do."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT
DATA = ROOT / "pcidesign" / "data"
ROUNDTRIP_XML = DATA / "fleet-sample" / "nova_i440fx_instance-00000031_old.xml"

COMMANDS = [
    ("matrix", "--scheme", "model-subelement", "--scenario", "restart", "--format", "csv"),
    ("matrix", "--scheme", "model-subelement", "--scenario", "restart", "--timeline", "whatif"),
    ("compare", "--variant", "model-subelement", "--format", "json"),
    ("fleet", str(DATA / "fleet-sample"), "--format", "csv", "--scheme", "model-subelement"),
    ("roundtrip", "--scheme", "model-subelement", "--release", "3.2.0", str(ROUNDTRIP_XML)),
    ("schemes", "--format", "json"),
    ("releases",),
    ("intents", "--format", "csv"),
    ("explain", "--scheme", "model-subelement", "--scenario", "restart", "--intent", "pcie-root-port",
     "--from", "1.2.19", "--to", "3.2.0"),
    ("paths", "--scheme", "model-subelement", "--max-hops", "1", "--format", "json"),
]


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k != "PCIDESIGN_SCHEMES"}
    e["PYTHONPATH"] = str(ROOT)
    return e


def test_the_commands_run_when_nothing_goes_wrong() -> None:
    """The commands below write output: the failures are the disk's, not theirs."""
    got = subprocess.run([sys.executable, "-m", "pcidesign.cli", *COMMANDS[4]], capture_output=True, env=env(),
                         timeout=300)
    assert got.returncode == 0 and got.stdout.startswith(b"<domain"), got.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_full_disk_is_one_line_and_exit_1(argv: tuple[str, ...]) -> None:
    with open("/dev/full", "wb") as full:
        got = subprocess.run([sys.executable, "-m", "pcidesign.cli", *argv], stdout=full, stderr=subprocess.PIPE,
                             env=env(), text=True, timeout=300)
    assert got.returncode == 1, got.stderr
    lines = got.stderr.strip().splitlines()
    assert len(lines) == 1, got.stderr
    assert f"pcidesign {argv[0]}: error: cannot write the output: No space left on device" == lines[0]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_closed_pipe_ends_quietly(argv: tuple[str, ...]) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "pcidesign.cli", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env())
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first byte: every write fails with EPIPE
    err = proc.stderr.read().decode()
    proc.wait(timeout=300)
    assert proc.returncode in (0, 141), err
    assert err == "", err


def test_head_reads_one_line_and_the_rest_ends_quietly() -> None:
    """The shell's own ``| head -1``: the first line arrives, nothing on standard error."""
    got = subprocess.run(f"{sys.executable} -m pcidesign.cli matrix --scheme model-subelement --scenario restart "
                         "--timeline whatif --format csv | head -1; exit ${PIPESTATUS[0]}", shell=True, executable="/bin/bash",
                         capture_output=True, text=True, env=env(), timeout=300)
    assert got.returncode in (0, 141), got.stderr
    assert got.stdout.startswith("scheme,scenario,") and got.stdout.count("\n") == 1 and got.stderr == ""
