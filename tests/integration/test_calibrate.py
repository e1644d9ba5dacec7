"""Calibration against a real libvirt (virsh, test:///default), and the comparison logic itself."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from pcidesign import cli
from pcidesign.calibrate import testdriver as calibrate

VIRSH = shutil.which("virsh")
needs_virsh = pytest.mark.skipif(
    VIRSH is None,
    reason="virsh not found: install it with 'apt-get install libvirt-clients' to calibrate against a real libvirt",
)
PROBES = calibrate.load_probes()


def test_probe_set_covers_the_facts() -> None:
    names = [p.file.name for p in PROBES]
    assert len(names) == len(set(names)) >= 20
    for slug in ("unknown-attribute", "unknown-child", "unknown-model-value", "unknown-model-name",
                 "name-not-fitting-class", "explicit-ioh3420", "bare-pcie-root-port", "bare-pcie-to-pci-bridge"):
        assert any(slug in n for n in names), slug
    assert {p.expect for p in PROBES} == {"keep", "drop", "reject"}
    assert {p.shared_by for p in PROBES} == {"parser", "qemu-driver"}


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.file.stem)
def test_model_prediction_matches_what_the_probe_is_for(probe: calibrate.Probe) -> None:
    verdict = calibrate.predicted(probe)
    summary = calibrate.summarize(probe.file.read_bytes(), verdict)
    assert summary.split(":")[0] == {"keep": "kept", "drop": "dropped", "reject": "rejected"}[probe.expect], summary


def fake_virsh(tmp_path: Path, script: str) -> str:
    """A stand-in virsh (a shell script) for testing the comparison without libvirt."""
    path = tmp_path / "virsh"
    path.write_text("#!/bin/sh\nif [ \"$1\" = --version ]; then echo 0.0-fake; exit 0; fi\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


# The last argument is "define FILE; dumpxml NAME": echo FILE back, keeping everything.
ECHO = 'for a; do cmd="$a"; done; f="${cmd#define }"; f="${f%%;*}"; echo "Domain defined"; cat "$f"\n'


def test_a_libvirt_that_keeps_unknown_attributes_disagrees(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = calibrate.run(virsh=fake_virsh(tmp_path, ECHO))
    status = dict(zip(frame["probe"], frame["status"]))
    assert status["16-unknown-attribute.xml"] == "DISAGREE"
    assert status["18-unknown-child.xml"] == "DISAGREE"
    assert status["20-unknown-model-value.xml"] == "DISAGREE"  # the fake accepts it
    assert status["11-explicit-ioh3420.xml"] == "agree"
    assert not calibrate.agrees(frame)
    assert cli.main(["calibrate", "--virsh", fake_virsh(tmp_path, ECHO)]) == 1
    out = capsys.readouterr().out
    assert "DISAGREE 16-unknown-attribute.xml" in out and "implementation" in out


def test_a_different_message_disagrees(tmp_path: Path) -> None:
    script = 'echo "error: Failed to define domain from x" >&2; echo "error: some other words" >&2; exit 1\n'
    frame = calibrate.run(virsh=fake_virsh(tmp_path, script))
    row = frame.set_index("probe").loc["20-unknown-model-value.xml"]
    assert row["status"] == "DISAGREE" and "messages differ" in row["detail"]
    assert row["libvirt"] == "rejected: some other words"


def test_virsh_failing_oddly_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["calibrate", "--virsh", fake_virsh(tmp_path, "echo segfault >&2; exit 139\n")]) == 2
    err = capsys.readouterr().err
    assert "without a domain or an error" in err and "Traceback" not in err


def test_missing_virsh_says_how_to_install(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["calibrate", "--virsh", str(tmp_path / "no-virsh")]) == 2
    assert "apt-get install libvirt-clients" in capsys.readouterr().err


def test_broken_probe_list_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "probes.csv").write_text("probe,expect,shared_by,fact,source\nmissing.xml,keep,parser,x,y\n")
    with pytest.raises(calibrate.CalibrationError, match="no probe file 'missing.xml'"):
        calibrate.load_probes(tmp_path)
    with pytest.raises(calibrate.CalibrationError, match="cannot read the probe list"):
        calibrate.load_probes(tmp_path / "nowhere")


@needs_virsh
def test_model_agrees_with_the_real_libvirt(capsys: pytest.CaptureFixture[str]) -> None:
    frame = calibrate.run()
    disagreements = frame[frame["status"] == "DISAGREE"]
    assert disagreements.empty, disagreements[["probe", "detail"]].to_string()
    compared = frame[frame["shared_by"] == "parser"]
    assert (compared["status"] == "agree").all()
    # the real libvirt does what each probe is for (so a probe that stops probing anything fails here)
    for _, row in compared.iterrows():
        assert row["libvirt"].split(":")[0] == {"keep": "kept", "drop": "dropped", "reject": "rejected"}[row["expect"]], row
    # the test driver has no qemu-driver validation: it accepts a name that does not fit the class
    not_fit = frame.set_index("probe").loc["26-name-not-fitting-class.xml"]
    assert not_fit["status"] == "not-compared" and not_fit["libvirt"] == "kept"
    assert cli.main(["calibrate"]) == 0
    out = capsys.readouterr().out
    assert f"{len(compared)} agree, 0 DISAGREE" in out
