"""The guest's whole ABI: guest-visible <target> values, machine types, and which QEMU runs with a
release (issue 10's acceptance, through the public API and the CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest

import pcidesign
from pcidesign.model.setting import machine_version
from pcidesign.cli import main
from pcidesign.model import engine
from pcidesign.model.catalog import parse_target
from pcidesign.model.errors import DataError, UnknownNameError
from pcidesign.model.vocab import Outcome

CAT = pcidesign.load_catalog()


def run(scheme: str, scenario: str, intent: str, a: str, b: str, **axes: str) -> pcidesign.Result:
    return pcidesign.run(scheme, scenario, intent, a, b, CAT, pcidesign.Setting().replace(**axes))


def test_a_chassis_number_1_2_18_cannot_keep_changes_the_guest() -> None:
    """Acceptance 1: pci-bridge/chassisNr=5, 1.2.19 -> 1.2.18."""
    got = run("model-subelement", "restart", "pci-bridge/chassisNr=5", "1.2.19", "1.2.18")
    assert got.outcome is Outcome.GUEST_CHANGED and "chassis_nr 5 -> 1" in got.detail
    moved = run("model-subelement", "migrate", "pci-bridge/chassisNr=5", "1.2.19", "1.2.18")
    # QEMU 7.2 does not check chassis_nr when it loads the stream (calibration pair 4)
    assert moved.outcome is Outcome.GUEST_CHANGED
    assert "does not check chassis_nr" in moved.detail and "next cold boot" in moved.detail
    for scenario in ("restart", "migrate"):
        plain = run("model-subelement", scenario, "pci-bridge", "1.2.19", "1.2.18")
        assert plain.outcome.severity <= Outcome.INFO_LOST.severity, plain.detail
    assert run("model-subelement", "restart", "pci-bridge/chassisNr=5", "1.2.18", "1.2.19").outcome \
        is Outcome.NOT_EXPRESSIBLE  # <target> does not exist at 1.2.18


def test_a_checked_value_aborts_the_migration_an_unchecked_one_does_not() -> None:
    port = (("chassis", 1), ("port", 8))
    a = ((0, "pcie-root", "-", ()), (1, "pcie-root-port", "ioh3420", port))
    event, why = engine.migration_event(a, ((0, "pcie-root", "-", ()), (1, "pcie-root-port", "ioh3420",
                                                                         (("chassis", 1), ("port", 16)))), "A", "B")
    assert event is Outcome.ABORTED and "port 8 -> 16" in why
    event, why = engine.migration_event(a, ((0, "pcie-root", "-", ()), (1, "pcie-root-port", "ioh3420",
                                                                         (("chassis", 7), ("port", 8)))), "A", "B")
    assert event is Outcome.GUEST_CHANGED and "chassis 1 -> 7" in why
    m1, m2 = ((-1, "machine", "pc-q35-7.1", ()), *a), ((-1, "machine", "pc-q35-7.2", ()), *a)
    event, why = engine.migration_event(m1, m2, "A", "B")
    assert event is Outcome.ABORTED and "Machine type received is 'pc-q35-7.1'" in why


def test_the_guest_values_follow_each_release_rule() -> None:
    got = run("model-subelement", "restart", "pcie-root-port:ioh3420/chassis=7/port=0x10", "3.2.0", "9.0.0")
    assert got.outcome is Outcome.OK
    assert "1:pcie-root-port=ioh3420[chassis=7 port=16]" in got.steps[0].note
    bare = run("model-subelement", "restart", "pcie-root-port", "1.2.19", "9.0.0")
    assert "[chassis=1 port=8]" in bare.steps[0].note  # chassis = index, port = slot << 3 (facts §9)


def test_q35_saved_as_the_host_machine_refused_where_qemu_lacks_it() -> None:
    """Acceptance 2: --machine q35, defined at 9.0.0 (pc-q35-7.2), restarted at 1.2.18 (QEMU 2.3)."""
    for scheme in pcidesign.scheme_ids():
        assumed = run(scheme, "restart", "dmi-to-pci-bridge", "9.0.0", "1.2.18")
        bundled = run(scheme, "restart", "dmi-to-pci-bridge", "9.0.0", "1.2.18", machine="q35")
        alone = run(scheme, "restart", "dmi-to-pci-bridge", "9.0.0", "1.2.18", machine="q35", pairing="libvirt-only")
        assert bundled.outcome.severity >= Outcome.REJECTED.severity, scheme
        if assumed.outcome.severity <= Outcome.REJECTED.severity:  # the load succeeds: the start refuses
            assert bundled.outcome is Outcome.REJECTED and "machine type 'pc-q35-7.2'" in bundled.detail, scheme
        assert alone.outcome is assumed.outcome, scheme  # libvirt-only: QEMU 7.2 on both ends, the naming alone
    define = run("status-quo", "restart", "dmi-to-pci-bridge", "9.0.0", "9.0.0", machine="q35")
    assert b"machine=\"pc-q35-7.2\"" in (define.steps[0].xml_out or b"")


def test_impl_attribute_downgrade_under_each_machine_and_pairing() -> None:
    """Acceptance 3."""
    cell = ("impl-attribute", "restart", "dmi-to-pci-bridge:generic-dmi-bridge", "H1", "1.2.18")
    for pairing in ("bundled", "libvirt-only"):
        assert run(*cell, pairing=pairing).outcome is Outcome.GUEST_CHANGED
    q35 = run(*cell, machine="q35")
    # H1's QEMU (the one that gains the generic bridge) saves its own machine version, pc-q35-H1
    assert q35.outcome is Outcome.REJECTED and "does not support machine type 'pc-q35-H1'" in q35.detail


def test_roundtrip_checks_the_machine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Acceptance 4."""
    f = tmp_path / "new.xml"
    f.write_text("<domain type='kvm'><name>g</name><os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>"
                 "<devices><controller type='pci' index='0' model='pcie-root'/></devices></domain>")
    assert main(["roundtrip", "--scheme", "model-subelement", "--release", "1.2.18", "--qemu", "2.3.0", str(f)]) == 1
    err = capsys.readouterr().err
    assert "does not support machine type 'pc-q35-7.2'" in err
    assert main(["roundtrip", "--scheme", "model-subelement", "--release", "9.0.0", str(f)]) == 0
    assert "pc-q35-7.2" in capsys.readouterr().out


def test_qemu_2_3_and_7_2_share_no_versioned_q35_machine() -> None:
    old, new = CAT.host("1.2.18"), CAT.host("9.0.0")
    shared = [m for m in CAT.machines if CAT.runs_machine(old, m) and CAT.runs_machine(new, m)]
    assert shared and all(m.startswith("pc-i440fx-") for m in shared)  # measured: 7.2's oldest q35 is 2.4


def test_axes_are_checked_with_the_valid_values(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UnknownNameError, match="pairing"):
        pcidesign.Setting(pairing="distro")
    assert machine_version("pc-q35-2.4", CAT.machines) == "2.4"
    assert machine_version("q35", CAT.machines) == machine_version("alias", CAT.machines)
    with pytest.raises(UnknownNameError, match="machine"):
        pcidesign.Setting(machine="pc-q35-9.9").check(CAT)
    assert main(["matrix", "--scheme", "status-quo", "--scenario", "restart", "--machine", "pc-q35-9.9"]) == 2
    assert "unknown machine 'pc-q35-9.9'" in capsys.readouterr().err


@pytest.mark.parametrize("text,words", [
    ("chassis=7", "<target> field of pci-bridge 'chassis'; valid: chassisNr"),
    ("chassisNr=08", "decimal, hex with 0x, or octal with a leading 0"),
    ("chassisNr=1_0", "decimal, hex with 0x, or octal with a leading 0"),
    ("chassisNr=5/chassisNr=6", "given twice"),
])
def test_intent_target_values_are_checked(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_target("pci-bridge", text)


def test_a_bad_target_intent_in_the_data_names_file_and_row(data_copy: Path) -> None:
    p = data_copy / "intents.csv"
    p.write_text(p.read_text(encoding="utf-8") + "pci-bridge/chassisNr=0x,pci-bridge,,not a number\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"intents.csv, row \d+: intent 'pci-bridge/chassisNr=0x'"):
        pcidesign.load_catalog(data_copy)


def test_fleet_counts_the_guests_a_target_qemu_cannot_run(capsys: pytest.CaptureFixture[str]) -> None:
    from pcidesign.analysis import fleet

    scan = fleet.scan(targets=["1.2.18", "9.0.0"], schemes=["model-subelement"], scenarios=["restart"])
    rows = scan.machines.set_index("target")
    assert rows.loc["1.2.18", "qemu"] == "2.3.0" and rows.loc["1.2.18", "domains"] == scan.domains
    assert "pc-q35-7.2" in rows.loc["1.2.18", "machines"]  # QEMU 2.3 predates it
    assert "pc-q35-7.2" not in rows.loc["9.0.0", "machines"]
    assert rows.loc["1.2.18", "cannot_run"] > rows.loc["9.0.0", "cannot_run"]
    assert main(["fleet", str(fleet.SAMPLE_DIR), "--target", "1.2.18", "--scheme", "status-quo",
                 "--format", "csv", "--show", "machines"]) == 0
    assert capsys.readouterr().out.startswith("target,qemu,domains,cannot_run,machines")
