"""Calibration against libvirt's QEMU driver and real QEMU (``pcidesign calibrate --driver qemu``).

The checks against the real stack run when it can start here (Debian 12: libvirt 9.0.0's
``libvirt-daemon-driver-qemu``, ``qemu-system-x86``, ``libvirt-clients``; ``.ci/run`` installs
them) and are skipped with the install hint otherwise. The parsing helpers are tested always.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from pcidesign import cli
from pcidesign.calibrate import qemu, stack
from pcidesign.model import engine
from pcidesign.model.catalog import load


@functools.lru_cache(maxsize=None)
def _why_not() -> str | None:
    """Why the real stack cannot start here (None: it can), found once per test process and only
    when a test needs it: a worker that runs none of them never starts it."""
    if shutil.which("virsh") is None or shutil.which(stack.QEMU_BINARY) is None:
        return "virsh or qemu-system-x86_64 not found"
    try:
        with stack.Stack():
            return None
    except stack.PcidesignError as exc:
        return str(exc)


@pytest.fixture()
def real_stack() -> None:
    """Skip the test, with the install hint, when the real stack cannot start here."""
    why = _why_not()
    if why is not None:
        pytest.skip(f"the real stack cannot start ({why}); {stack.INSTALL_HINT}")


needs_stack = pytest.mark.usefixtures("real_stack")
PROBES, PAIRS, UNMODELLED = qemu.load_probes()

QTREE = '''bus: main-system-bus
  dev: q35-pcihost, id ""
    bus: pcie.0
      type PCIE
      dev: pcie-root-port, id "pci.1"
        chassis = 1 (0x1)
        port = 8 (0x8)
        addr = 01.0
        class PCI bridge, addr 00:01.0, pci id 1b36:000c (sub 0000:0000)
        bus: pci.1
          type PCIE
          dev: pci-bridge, id "pci.2"
            chassis_nr = 5 (0x5)
            class PCI bridge, addr 00:00.0, pci id 1b36:0001 (sub 0000:0000)
      dev: i82801b11-bridge, id "ua-dmi"
        class PCI bridge, addr 00:1e.0, pci id 8086:244e (sub 0000:0000)
'''


def test_qtree_gives_each_controller_its_device_values_and_ids() -> None:
    devs = qemu.qtree_devices(QTREE)
    assert devs["pci.1"] == {"type": "pcie-root-port", "chassis": "1", "port": "8", "addr": "01.0", "pci_id": "1b36:000c"}
    assert devs["pci.2"]["chassis_nr"] == "5" and devs["pci.2"]["pci_id"] == "1b36:0001"
    assert devs["ua-dmi"]["type"] == "i82801b11-bridge"


def test_qemu_arguments_follow_the_saved_config() -> None:
    saved = (PAIRS[0].src).read_bytes()
    mach, devices = qemu.qemu_args(saved)
    assert mach == "pc-q35-7.2"
    assert devices == ["pcie-root-port,id=pci.1,bus=pcie.0,addr=0x1.0x0,chassis=1,port=8"]


def test_the_probe_set_covers_the_issue() -> None:
    names = {p.file.name for p in PROBES}
    assert len(names) >= 40
    machines = {qemu.machine(p.file.read_bytes()) for p in PROBES}
    assert any("q35" in m for m in machines) and any("i440fx" in m for m in machines)
    assert {"q35", "pc"} <= machines  # both aliases, canonicalised by the driver
    classes = set()
    for p in PROBES:
        classes |= {c.cls for c in qemu.controllers(p.file.read_bytes()).values()}
    assert set(load().classes) <= classes
    assert len(PAIRS) >= 3 and any("control" in p.name for p in PAIRS)
    for slug in ("no-index", "duplicate-model", "duplicate-target", "alias-child", "pcihole64", "root-not-at-index-0",
                 "expander-on-wrong-machine", "nowhere-to-plug", "spapr", "qemu-lacks-ioh3420", "qemu-lacks-machine",
                 "target-field-not-fitting", "target-out-of-range", "index-not-a-number", "no-model"):
        assert any(slug in n for n in names), slug


def test_the_model_side_is_what_roundtrip_prints(capsys: pytest.CaptureFixture[str]) -> None:
    probe = next(p for p in PROBES if "33-target-formatting" in p.file.name)
    cat = load()
    xml = qemu.prepare(probe.file.read_bytes(), "x", probe.file.name)
    model = qemu.predict(xml, qemu.model_host(cat), cat)
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"pcidesign-test-{os.getpid()}.xml"
    tmp.write_bytes(xml)
    try:
        assert cli.main(["roundtrip", "--scheme", "model-subelement", "--release", "9.0.0", "--qemu", "7.2.0", str(tmp)]) == 0
    finally:
        tmp.unlink()
    assert model.saved is not None and capsys.readouterr().out.strip() == model.saved.decode().strip()
    assert b"<target chassis=\"7\" port=\"0x10\"/>" in model.saved  # formatted as libvirt does


def test_the_migrate_rule_is_the_engines() -> None:
    port = (("chassis", 1), ("port", 8))
    a = ((0, "pcie-root", "-", ()), (1, "pcie-root-port", "ioh3420", port))
    b = ((0, "pcie-root", "-", ()), (1, "pcie-root-port", "pcie-root-port", port))
    event, why = engine.migration_event(a, b, "9.0.0", "H1")
    assert event is not None and event.value == "aborted" and "Unknown savevm section" in why and "ABI check" in why
    assert engine.migration_event(a, a, "x", "y") == (None, "")
    other_port = ((0, "pcie-root", "-", ()), (1, "pcie-root-port", "ioh3420", (("chassis", 1), ("port", 16))))
    event, why = engine.migration_event(a, other_port, "x", "y")
    assert event is not None and event.value == "aborted" and "port 8 -> 16" in why and "Bad config data" in why
    other_chassis = ((0, "pcie-root", "-", ()), (1, "pcie-root-port", "ioh3420", (("chassis", 7), ("port", 8))))
    event, why = engine.migration_event(a, other_chassis, "x", "y")
    assert event is not None and event.value == "guest-changed" and "next cold boot" in why


def test_a_missing_stack_says_how_to_install(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["calibrate", "--driver", "qemu", "--virsh", str(tmp_path / "no-virsh")]) == 2
    err = capsys.readouterr().err
    assert "apt-get install" in err and "libvirt-daemon-driver-qemu" in err and "Traceback" not in err


def test_a_bad_probe_directory_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["calibrate", "--driver", "qemu", "--probes", str(tmp_path / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err


@pytest.fixture(scope="module")
def calibration():  # type: ignore[no-untyped-def]
    frame = qemu.run()
    return frame


@needs_stack
def test_every_check_agrees_or_is_unmodelled(calibration) -> None:  # type: ignore[no-untyped-def]
    frame = calibration
    bad = frame[frame["status"] == "DISAGREE"]
    assert bad.empty, qemu.render(frame)
    assert len(frame) >= 40
    assert set(frame["status"]) <= {"agree", "unmodelled"}
    assert {"define", "saved", "migratable", "start", "load", "migrate", "restore"} <= set(frame["check"])
    assert {"ok", "rewritten", "rejected", "domain-lost", "aborted"} <= set(frame["outcome"])
    mig = frame[frame["check"] == "migrate"]
    assert len(mig) >= 3
    assert (mig["model"] == "refused (aborted)").sum() >= 2 and (mig["real"] == "completed").sum() >= 1
    assert (frame[frame["status"] == "unmodelled"]["detail"] != "").all()
    print(f"calibration took {frame.attrs['seconds']:.0f} s")  # a figure, not a test: budgets live in benchmarks/
    assert stack.processes_naming(frame.attrs["root"]) == []  # nothing started by it survives
    assert not Path(frame.attrs["root"]).exists()


@needs_stack
def test_the_migration_rules_agree_with_real_qemu_and_libvirt(calibration) -> None:  # type: ignore[no-untyped-def]
    """The pairs of the expander bus number, a port's hotplug and the machine type (docs/facts-flows.md#migration-rules):
    what the real stack did, and that the model said the same, both between two QEMU processes and
    through libvirt's save and restore --xml."""
    frame = calibration

    def row(pair: str, check: str) -> dict[str, str]:
        got = frame[(frame["probe"] == f"migrate/{pair}") & (frame["check"] == check)]
        assert len(got) == 1, (pair, check)
        return got.iloc[0].to_dict()  # type: ignore[no-any-return]

    expected = {  # pair: (between two QEMUs, through restore --xml)
        "11-pxb-pcie-busnr-behind": ("refused: Unknown savevm section or instance '0000:fe:", "refused by QEMU: Unknown savevm"),
        "12-pxb-pcie-busnr-alone": ("completed", "restored"),
        "13-downstream-port-hotplug": ("refused: get_pci_config_device: Bad config data", "refused by QEMU: get_pci_config_device"),
        "14-machine-type-abi": ("refused: Machine type received is 'pc-q35-7.2' and local is 'pc-q35-7.1'",
                                "rejected by libvirt: unsupported configuration: Target domain machine type pc-q35-7.1 "
                                "does not match source pc-q35-7.2"),
        "15-downstream-port-hotplug-default": ("completed", "restored"),
        "16-root-port-hotplug": ("refused: get_pci_config_device: Bad config data", None),
    }
    for pair, (live, restored) in expected.items():
        mig = row(pair, "migrate")
        assert mig["real"].startswith(live) and mig["status"] == "agree", mig
        if restored is not None:
            got = row(pair, "restore")
            assert got["real"].startswith(restored) and got["status"] == "agree", got
    machine = row("14-machine-type-abi", "restore")
    assert machine["outcome"] == "rejected" and "does not match source pc-q35-7.2" in machine["model"]
    assert row("12-pxb-pcie-busnr-alone", "migrate")["model"].endswith("(guest-changed)")


@needs_stack
def test_probes_dir_runs_the_same_checks_on_new_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mine.xml").write_text(
        "<domain type='kvm'><name>mine</name><memory unit='MiB'>64</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<emulator>/usr/libexec/qemu-kvm</emulator>"
        "<controller type='pci' index='0' model='pcie-root'/>"
        "<controller type='pci' index='1' model='pcie-root-port'><model name='ioh3420'/></controller>"
        "<controller type='usb' model='none'/><memballoon model='none'/></devices></domain>")
    code = cli.main(["calibrate", "--driver", "qemu", "--probes", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "mine.xml" in out and "devices (info qtree)" in out and "pc-q35-7.2" in out  # the alias, saved as 7.2 by both
    assert "alias canonicalisation" not in out  # the model now saves an alias as the host QEMU does


@needs_stack
def test_sigterm_leaves_no_process() -> None:
    tmp_path = Path(tempfile.mkdtemp(prefix="pcidesign-sigterm-", dir="/tmp"))  # reachable by 'nobody'
    tmp_path.chmod(0o755)
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "pcidesign.cli", "calibrate", "--driver", "qemu"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait for a QEMU of its own
            if any(b"qemu-system" in Path(f"/proc/{p}/cmdline").read_bytes()
                   for p in stack.processes_naming(str(tmp_path)) if Path(f"/proc/{p}").exists()):
                break
            time.sleep(0.1)
        else:
            pytest.fail("no QEMU started within 60 s")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    time.sleep(0.5)
    assert stack.processes_naming(str(tmp_path)) == []
    assert proc.returncode != 0
    assert not any(tmp_path.glob("pcidesign-qemu-*"))
    shutil.rmtree(tmp_path, ignore_errors=True)
