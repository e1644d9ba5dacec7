"""The thread's own conclusions, which must come out of the model (issue 2, acceptance 1-6)."""

from __future__ import annotations

import pytest

from pcidesign import Outcome, run
from pcidesign.analysis.matrices import matrix

O = Outcome


def outcome(scheme: str, scenario: str, intent: str, a: str, b: str) -> Outcome:
    return run(scheme, scenario, intent, a, b).outcome


def test_written_subtype_loses_the_domain_after_a_resave_and_downgrade() -> None:
    assert outcome("written-subtype", "resave-roundtrip", "dmi-to-pci-bridge", "1.2.18", "1.2.19") is O.DOMAIN_LOST


def test_implied_subtype_survives_the_same_roundtrip() -> None:
    assert outcome("implied-subtype", "resave-roundtrip", "dmi-to-pci-bridge", "1.2.18", "1.2.19") in (O.OK, O.REWRITTEN)


def test_migratable_compat_migrates_back_but_cannot_be_downgraded() -> None:
    assert outcome("migratable-compat", "migrate", "dmi-to-pci-bridge", "1.2.19", "1.2.18") in (O.OK, O.REWRITTEN)
    assert outcome("migratable-compat", "restart", "dmi-to-pci-bridge", "1.2.19", "1.2.18") is O.DOMAIN_LOST


@pytest.mark.parametrize("scheme,restart,migrate", [
    ("impl-attribute", O.GUEST_CHANGED, O.ABORTED),
    ("model-subelement", O.GUEST_CHANGED, O.ABORTED),
    ("model-is-device", O.DOMAIN_LOST, O.REJECTED),
    ("multiplex-model", O.DOMAIN_LOST, O.REJECTED),
])
def test_generic_dmi_bridge_downgraded_from_h1(scheme: str, restart: Outcome, migrate: Outcome) -> None:
    intent = "dmi-to-pci-bridge:generic-dmi-bridge"
    assert outcome(scheme, "restart", intent, "H1", "1.2.18") is restart
    assert outcome(scheme, "migrate", intent, "H1", "1.2.18") is migrate


def test_model_subelement_keeps_ioh3420_across_the_3_2_0_default_change() -> None:
    assert outcome("model-subelement", "restart", "pcie-root-port", "1.2.19", "3.2.0") is O.OK
    assert outcome("model-subelement", "migrate", "pcie-root-port", "3.2.0", "1.2.19") is O.REJECTED


def test_status_quo_cannot_name_the_generic_root_port_anywhere() -> None:
    for timeline in ("real", "whatif"):
        frame = matrix("status-quo", "restart", timeline, intents=["pcie-root-port:pcie-root-port"])
        assert set(frame["outcome"].astype(str)) == {"not-expressible"}


def test_the_trace_explains_the_verdict() -> None:
    result = run("written-subtype", "resave-roundtrip", "dmi-to-pci-bridge", "1.2.18", "1.2.19")
    assert [s.hop.value for s in result.steps] == ["define", "restart", "resave", "restart"]
    assert [s.release for s in result.steps] == ["1.2.18", "1.2.19", "1.2.19", "1.2.18"]
    resaved = result.steps[2].xml_out
    assert resaved is not None and b'subType="dmi-to-pci-bridge"' in resaved
    assert result.steps[3].event is O.DOMAIN_LOST
    assert "Unknown model type 'i82801b11-bridge'" in result.detail


def test_a_device_the_host_qemu_lacks_fails_the_start_but_keeps_the_config(catalog) -> None:  # type: ignore[no-untyped-def]
    from pcidesign.model import engine

    old_qemu = catalog.host(catalog.release("9.0.0"), qemu="2.8.0")
    from pcidesign.model import registry as schemes

    dialect = schemes.get("model-subelement").dialect(catalog.host(catalog.release("9.0.0")), catalog)
    doc = engine.write_intent(dialect, catalog.intent("pcie-root-port:pcie-root-port"))
    assert doc is not None
    got = engine.roundtrip("model-subelement", old_qemu, doc, migratable=True, catalog=catalog)
    assert got.error is not None and "not supported by this QEMU binary" in got.error  # 9.0.0 words (calibrated)
    saved = engine.roundtrip("model-subelement", old_qemu, doc, migratable=False, catalog=catalog, purpose="load")
    assert saved.error is None  # the saved config still loads: rejected, not domain-lost


@pytest.mark.parametrize("scheme", ["status-quo", "multiplex-model", "model-is-device", "implied-subtype",
                                    "written-subtype", "migratable-compat", "impl-attribute", "model-subelement"])
def test_upgrades_of_a_2015_config(scheme: str) -> None:
    """A config written at 1.2.18 and read by every later release: harmless, except that the
    schemes that fill a device in give an unpinned bridge H1's new default device."""
    frame = matrix(scheme, "restart", "whatif", intents=["dmi-to-pci-bridge", "pci-bridge", "pcie-root"])
    upgrades = frame[(frame["from"] == "1.2.18")]
    by_target = upgrades.groupby("to", observed=True)["outcome"].max().astype(str).to_dict()
    fills = scheme in ("impl-attribute", "model-subelement")
    for target, worst in by_target.items():
        if fills and target in ("H1", "H2"):
            assert worst == "guest-changed", target
        else:
            assert Outcome(worst).severity <= O.REWRITTEN.severity, (target, worst)


def test_naming_scope_leaves_out_only_cells_of_classes_new_at_either_release(catalog) -> None:  # type: ignore[no-untyped-def]
    everything = matrix("model-subelement", "restart", "whatif")
    naming = matrix("model-subelement", "restart", "whatif", scope="naming")
    classes = {r.id: catalog.known_classes(r) for r in catalog.timeline("whatif")}
    left_out = everything.merge(naming, how="left", indicator=True, on=["intent", "from", "to"])
    left_out = left_out[left_out["_merge"] == "left_only"]
    assert len(left_out) == len(everything) - len(naming) > 0
    for _, row in left_out.iterrows():
        cls = row["intent"].split(":")[0]
        assert cls not in classes[row["from"]] or cls not in classes[row["to"]]
    # under the status quo every remaining cell is harmless: the failures were all new classes
    # ('rewritten': a release from 1.3.5 adds the filled-in chassisNr to a 1.2.18 config it loads, issue 21)
    quo = matrix("status-quo", "restart", "whatif", scope="naming")
    assert set(quo["outcome"].astype(str)) <= {"ok", "not-expressible", "rewritten"}
    # ... while the shipped scheme still changes a 2015 guest at H1
    assert (naming[(naming["from"] == "1.2.18") & (naming["to"] == "H1")]["outcome"] == "guest-changed").any()


def test_unknown_scope_lists_the_valid_ones() -> None:
    from pcidesign.model.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="valid: all, naming"):
        matrix("status-quo", "restart", scope="some")
