"""Flows as libvirt runs them (issue 20): the status XML's QEMU capabilities, fill at start,
the application's XML parsed at the source, honest labels."""

from __future__ import annotations

import csv

import pytest

from conftest import ROOT
from pcidesign.model import engine, registry, statuscaps
from pcidesign.model.vocab import Outcome

SCHEMES = ("status-quo", "multiplex-model", "implied-subtype", "written-subtype", "migratable-compat",
           "impl-attribute", "model-subelement", "model-is-device")


# -- 1. the status XML carries the QEMU capability flags -----------------------------------------------
@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_daemon_downgraded_under_a_running_guest_loses_it_for_every_scheme(scheme: str) -> None:
    r = engine.run(scheme, "daemon-restart", "pcie-root-port", "3.2.0", "1.2.19")
    assert r.outcome is Outcome.DOMAIN_LOST
    assert "Unknown qemu capabilities flag" in r.detail and "qemuDomainObjPrivateXMLParse" in r.detail


@pytest.mark.parametrize("scheme", ("status-quo", "model-subelement"))
def test_a_daemon_upgrade_keeps_the_running_guest(scheme: str) -> None:
    r = engine.run(scheme, "daemon-restart", "pcie-root-port", "1.2.19", "3.2.0")
    assert r.outcome is not Outcome.DOMAIN_LOST
    assert "qemuCaps" not in r.detail


def test_the_flags_are_those_of_the_daemon_that_started_the_qemu(catalog) -> None:
    # qemuProcessReconnect keeps the flags it read: up to 3.2.0 and back again is fine
    sch = registry.get("status-quo")
    old, new = (sch.dialect(catalog.host(r), catalog) for r in ("1.2.19", "3.2.0"))
    state, _ = engine.define(old, engine.write_intent(old, catalog.intent("pcie-root-port")))
    assert state is not None
    up, step = engine.apply(engine.Hop.DAEMON_RESTART, state, new)
    assert up is not None and up.starter.id == "1.2.19"
    back, step = engine.apply(engine.Hop.DAEMON_RESTART, up, old)
    assert back is not None, step.note
    # a restart at 3.2.0 starts a new QEMU: now 1.2.19 cannot read the status XML
    again, _ = engine.apply(engine.Hop.RESTART, up, new)
    assert again is not None and again.starter.id == "3.2.0"
    lost, step = engine.apply(engine.Hop.DAEMON_RESTART, again, old)
    assert lost is None and step.event is Outcome.DOMAIN_LOST and "'pxb'" in step.note


def test_every_release_of_the_timelines_names_a_new_flag(catalog) -> None:
    real = [r for r in catalog.releases if not r.hypothetical]
    for before, after in zip(real, real[1:]):
        got = statuscaps.unknown_flag(after, before)
        assert got is not None and got[0] == statuscaps.NEW_FLAG[after.id][0]
        assert statuscaps.unknown_flag(before, after) is None


def test_the_question_quotes_jan_whole() -> None:
    with open(ROOT / "data" / "questions.csv", newline="", encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    quote = rows["daemon-downgrade-running"]["quote"]
    assert quote == "will disappear (and so will running machines, because of new qemu capabilities)"


# -- 2. 1.2.19 to 1.3.4 fill the device in when the guest starts ---------------------------------------
@pytest.mark.parametrize("to", ("1.2.19", "1.3.4"))
def test_a_migration_from_1_2_18_gets_the_name_filled_at_start(to: str) -> None:
    r = engine.run("model-subelement", "migrate", "dmi-to-pci-bridge", "1.2.18", to)
    assert r.outcome is Outcome.REWRITTEN
    assert b"i82801b11-bridge" in r.steps[-1].xml_out


def test_a_restart_does_not_write_the_start_fill_into_the_config() -> None:
    # qemuProcessStart fills the live copy; the saved config stays as it was
    r = engine.run("model-subelement", "restart", "dmi-to-pci-bridge", "1.2.18", "1.2.19")
    assert r.outcome is Outcome.OK


# -- 3. the application's XML, parsed, filled and checked at the source ----------------------------------
def _app(kind: str, scheme: str, intent: str, a: str, b: str, machine: str = "assumed") -> engine.Result:
    from pcidesign.model.setting import Setting

    return engine.run(scheme, "migrate-app-xml", intent, a, b, setting=Setting(app_xml=kind, machine=machine))


def test_the_migratable_xml_migrates_from_1_2_19_to_9_0_0() -> None:
    assert _app("migratable", "model-subelement", "pcie-root-port", "1.2.19", "9.0.0").outcome in (
        Outcome.OK, Outcome.REWRITTEN)


def test_the_creation_xml_without_addresses_is_refused_at_a_1_2_19_source() -> None:
    r = _app("creation", "model-subelement", "pcie-root-port", "1.2.19", "9.0.0")
    assert r.outcome is Outcome.REJECTED and r.steps[-1].release == "1.2.19"
    assert "Target device address type none does not match source pci" in r.detail


@pytest.mark.parametrize("scheme", SCHEMES)
def test_controllers_libvirt_added_are_accepted_when_the_application_lacks_them(scheme: str) -> None:
    assert _app("creation", scheme, "q35-auto", "9.0.0", "9.0.0").outcome is Outcome.OK


def test_a_machine_alias_in_the_application_xml_is_canonicalised() -> None:
    r = _app("creation", "model-subelement", "pcie-root-port", "9.0.0", "9.0.0", machine="q35")
    assert r.outcome is Outcome.OK, r.detail


def test_names_removed_make_the_source_fill_the_generic_port_and_qemu_refuse(catalog) -> None:
    from pcidesign.analysis import paths
    from pcidesign.model.setting import Setting

    st = Setting(app_xml="migratable-edited")
    ex = paths.explore("model-subelement", hops="restart,daemon-restart,migrate-app-xml", intents=["pcie-root-port"],
                       max_hops=2, setting=st)
    assert Outcome.ABORTED in ex.reached
    r = paths.replay("model-subelement", "pcie-root-port", "1.2.19",
                     [("restart", "3.2.0"), ("migrate-app-xml", "4.0.0")], setting=st)
    assert r.outcome is Outcome.ABORTED and "fills the application's XML in" in r.reason
    # the flags of the QEMU a 2.5.0 daemon started lack the generic port: the source fills in ioh3420
    r = paths.replay("model-subelement", "pcie-root-port", "2.5.0",
                     [("daemon-restart", "3.2.0"), ("migrate-app-xml", "4.0.0")], setting=st)
    assert r.outcome is not Outcome.ABORTED


# -- 4. labels that say which XML is a file ----------------------------------------------------------------
def test_no_trace_says_saved_config_after_a_hop_that_writes_no_file() -> None:
    from pcidesign.render.text import explanation

    text = explanation(engine.run("model-subelement", "restart", "pcie-root-port", "1.2.19", "3.2.0"))
    restart = text.split("== step 1")[1]
    assert "saved config" not in restart.split("\n", 2)[2] and "no file written" in restart
    assert "saved config (the file written)" in text.split("== step 1")[0]
