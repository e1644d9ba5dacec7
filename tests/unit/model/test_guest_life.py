"""The rest of a guest's life (issue 13): a running guest across a daemon restart, save and
restore, snapshots, and a config re-defined through validation."""

from __future__ import annotations

import pytest

import pcidesign
from pcidesign.cli import main
from pcidesign.model import engine, scenarios
from pcidesign.model.errors import HopError
from pcidesign.model.vocab import Hop, Outcome


def test_an_old_daemon_that_cannot_parse_the_status_xml_leaves_the_guest_unmanaged() -> None:
    """Acceptance 1: model-subelement, a generic root port defined at 3.2.0, daemon downgraded to 1.2.19."""
    got = pcidesign.run("model-subelement", "daemon-restart", "pcie-root-port", "3.2.0", "1.2.19")
    assert got.outcome is Outcome.DOMAIN_LOST
    assert "status XML" in got.detail and "keeps running, unmanaged" in got.detail
    assert "Unknown PCI controller model name 'pcie-root-port'" in got.detail
    assert got.steps[-1].hop is Hop.DAEMON_RESTART and b"pcie-root-port" in (got.steps[-1].xml_in or b"")
    # an upgrade of the daemon takes the guest over
    assert pcidesign.run("model-subelement", "daemon-restart", "pcie-root-port", "1.2.19", "3.2.0").outcome is Outcome.OK


def test_an_image_saved_by_the_new_release_is_refused_by_the_old_one() -> None:
    """Acceptance 2: save at 3.2.0, restore at 1.2.19."""
    got = pcidesign.run("model-subelement", "save-restore", "pcie-root-port", "3.2.0", "3.2.0")
    assert got.outcome is Outcome.OK
    got = pcidesign.run("model-subelement", "save-restore", "pcie-root-port", "3.2.0", "1.2.19")
    assert got.outcome is Outcome.REJECTED and "refuses the save image" in got.detail
    assert "Unknown PCI controller model name 'pcie-root-port'" in got.detail
    assert [s.hop for s in got.steps] == [Hop.DEFINE, Hop.SAVE, Hop.RESTORE]


def test_a_restored_state_qemu_cannot_load_is_aborted() -> None:
    got = pcidesign.run("model-subelement", "snapshot-revert", "dmi-to-pci-bridge", "H1", "1.2.18")
    assert got.outcome is Outcome.ABORTED and "saved state" in got.detail


def test_a_validated_redefine_refuses_what_the_old_schema_lacks() -> None:
    """Acceptance 3: edit-after-downgrade, dmi-to-pci-bridge:i82801b11-bridge, 1.2.19 -> 1.2.18."""
    cell = ("dmi-to-pci-bridge:i82801b11-bridge", "1.2.19", "1.2.18")
    edited = pcidesign.run("model-subelement", "edit-after-downgrade", *cell)
    assert edited.outcome is Outcome.REJECTED
    assert "failed to validate against schema" in edited.detail and "Extra element model" in edited.detail
    assert pcidesign.run("model-subelement", "restart", *cell).outcome is Outcome.INFO_LOST
    # status-quo writes nothing 1.2.18 does not know
    assert pcidesign.run("status-quo", "edit-after-downgrade", "dmi-to-pci-bridge", "1.2.19", "1.2.18").outcome \
        is Outcome.OK


def test_hops_that_happen_where_the_guest_is() -> None:
    cat = pcidesign.load_catalog()
    sch = pcidesign.get_scheme("model-subelement")
    d1, d2 = sch.dialect(cat.host("3.2.0"), cat), sch.dialect(cat.host("4.0.0"), cat)
    state, _ = engine.define(d1, engine.write_intent(d1, cat.intent("pcie-root-port")))
    assert state is not None
    for hop in (Hop.SAVE, Hop.SNAPSHOT, Hop.EDIT):
        with pytest.raises(HopError, match="happens at the release holding the guest"):
            engine.apply(hop, state, d2)
    with pytest.raises(HopError, match="needs a save image"):
        engine.apply(Hop.RESTORE, state, d2)


def test_the_new_scenarios_are_everywhere_a_scenario_is(capsys: pytest.CaptureFixture[str]) -> None:
    """Acceptance 5 (the CLI and the report's grid; findings: questions daemon-downgrade-running,
    save-restore-downgrade, edit-after-downgrade)."""
    from pcidesign.report import plan

    new = {"daemon-restart", "save-restore", "snapshot-revert", "edit-after-downgrade", "migrate-app-xml"}
    assert new <= set(scenarios.scenario_ids()) and not new & set(scenarios.CORE)
    assert main(["matrix", "--scheme", "model-subelement", "--scenario", "daemon-restart", "--format", "csv"]) == 0
    assert "domain-lost" in capsys.readouterr().out
    from pcidesign.report import frontpage

    views = frontpage.grid_views(frontpage.results_for(["real"], ["model-subelement"], plan.scenario_ids(None)))
    assert all(new <= set(v.scenarios) and all((("model-subelement", s) in v.panels) for s in new) for v in views)
    from pcidesign.analysis import findings

    ids = {q.id for q in findings.load_questions()}
    assert {"daemon-downgrade-running", "save-restore-downgrade", "edit-after-downgrade", "app-xml-forward"} <= ids


def test_an_applications_old_xml_passes_libvirts_check_and_qemu_refuses_it() -> None:
    """migrate-app-xml (issue 20): the source parses and checks the application's XML. The
    MIGRATABLE dumpxml (what nova and VDSM send) migrates; the creation XML has no <address> and a
    1.2.19 source refuses it; without names (addresses kept) 1.2.19 sends no name, 9.0.0 fills its
    own default in, libvirt's ABI check does not compare names (measured) and QEMU refuses the stream."""
    from pcidesign.model.setting import Setting

    got = pcidesign.run("model-subelement", "migrate-app-xml", "pcie-root-port", "1.2.19", "9.0.0")
    assert got.outcome in (Outcome.OK, Outcome.REWRITTEN)
    creation = pcidesign.run("model-subelement", "migrate-app-xml", "pcie-root-port", "1.2.19", "9.0.0",
                             setting=Setting(app_xml="creation"))
    assert creation.outcome is Outcome.REJECTED and "address type none" in creation.detail
    edited = pcidesign.run("model-subelement", "migrate-app-xml", "pcie-root-port", "1.2.19", "9.0.0",
                           setting=Setting(app_xml="migratable-edited"))
    assert edited.outcome is Outcome.ABORTED
    assert "ABI check at the source passes" in edited.detail and "Unknown savevm section" in edited.detail
    # reading a missing device as the legacy one (the thread's rtl8139 rule) keeps the guest
    fixed = pcidesign.run("model-subelement+fill=define-only", "migrate-app-xml", "pcie-root-port", "1.2.19", "9.0.0",
                          setting=Setting(app_xml="migratable-edited"))
    assert fixed.outcome in (Outcome.OK, Outcome.REWRITTEN)
    # the plain migration sends what the source holds: no problem there
    assert pcidesign.run("model-subelement", "migrate", "pcie-root-port", "1.2.19", "9.0.0").outcome is not Outcome.ABORTED


def test_q35_auto_gets_the_controllers_of_the_defining_release() -> None:
    """Acceptance 4: the controllers libvirt adds itself, release by release (2.5.0 on the real timeline)."""
    assert "2.5.0" in [r.id for r in pcidesign.load_catalog().timeline("real")]

    def added(release: str) -> str:
        return pcidesign.run("model-subelement", "restart", "q35-auto", release, release).steps[0].note

    assert "1:dmi-to-pci-bridge=i82801b11-bridge, 2:pci-bridge=pci-bridge" in added("1.2.19")
    assert "1:pcie-root-port=ioh3420" in added("2.5.0") and "3:dmi-to-pci-bridge" in added("2.5.0")
    assert "1:pcie-root-port=pcie-root-port" in added("3.2.0")  # the generic device, QEMU 2.9 on
    assert "4:pcie-to-pci-bridge=pcie-pci-bridge" in added("4.3.0")
    got = pcidesign.run("model-subelement", "restart", "q35-auto", "3.2.0", "2.5.0")
    assert got.outcome is Outcome.DOMAIN_LOST and "Unknown PCI controller model name 'pcie-root-port'" in got.detail
    assert b"<model name=\"pcie-root-port\"/>" in (got.steps[0].xml_out or b"")  # traced: the saved config


def test_q35_auto_is_left_out_of_scope_naming_where_a_release_lacks_an_added_class() -> None:
    from pcidesign.analysis import matrices

    frame = matrices.matrix("status-quo", "restart", "real", ["q35-auto"], scope="naming")
    assert not ((frame["from"] == "2.5.0") & (frame["to"] == "1.2.18")).any()  # 1.2.18 lacks pcie-root-port
    assert set(frame["outcome"].astype(str)) <= {"ok", "rewritten"}
