"""The data files: coverage of the facts (docs/facts.md), and clear errors for broken files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import pcidesign
from pcidesign.model.catalog import load
from pcidesign.model.errors import DataError, UnknownNameError

FACTS_CLASSES = {
    "pci-root", "pci-bridge", "pcie-root", "dmi-to-pci-bridge", "pcie-root-port", "pcie-switch-upstream-port",
    "pcie-switch-downstream-port", "pci-expander-bus", "pcie-expander-bus", "pcie-to-pci-bridge",
}
FACTS_DEVICES = {"ioh3420", "pcie-root-port", "i82801b11-bridge", "pci-bridge", "x3130-upstream",
                 "xio3130-downstream", "pxb", "pxb-pcie", "pcie-pci-bridge"}


def test_every_class_and_device_of_facts_is_covered(catalog) -> None:  # type: ignore[no-untyped-def]
    assert set(catalog.classes) == FACTS_CLASSES
    assert FACTS_DEVICES | {"generic-dmi-bridge", "xyz-dmi-bridge"} == set(catalog.devices)
    covered = {i.cls for i in catalog.intents.values()} | {i.device for i in catalog.intents.values() if i.device}
    assert FACTS_CLASSES | FACTS_DEVICES <= covered
    for want in ("dmi-to-pci-bridge", "pcie-root-port:ioh3420", "pcie-root-port:pcie-root-port",
                 "dmi-to-pci-bridge:generic-dmi-bridge"):
        assert want in catalog.intents


def test_timelines(catalog) -> None:  # type: ignore[no-untyped-def]
    real = [(r.id, r.qemu) for r in catalog.timeline("real")]
    for pair in [("1.2.18", "2.3.0"), ("1.2.19", "2.4.0"), ("1.3.4", "2.6.0"), ("3.2.0", "2.9.0"),
                 ("4.3.0", "2.12.0"), ("9.0.0", "7.2.0")]:
        assert pair in real
    whatif = [r.id for r in catalog.timeline("whatif")]
    assert whatif == [r for r, _ in real] + ["H1", "H2"]


def test_defaults_follow_the_host(catalog) -> None:  # type: ignore[no-untyped-def]
    rel = catalog.release("3.2.0")
    assert catalog.default_device("pcie-root-port", catalog.host(rel)) == "pcie-root-port"
    assert catalog.default_device("pcie-root-port", catalog.host(rel, "2.8.0")) == "ioh3420"
    assert catalog.default_device("pcie-root-port", catalog.host(catalog.release("1.3.4"))) == "ioh3420"
    assert catalog.default_device("dmi-to-pci-bridge", catalog.host(catalog.release("H1"))) == "generic-dmi-bridge"
    assert "xyz-dmi-bridge" in catalog.host(catalog.release("H2")).devices
    assert "xyz-dmi-bridge" not in catalog.host(catalog.release("H1")).devices


def _edit(path: Path, fn) -> None:  # type: ignore[no-untyped-def]
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    rows = fn(rows)
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)


def test_missing_column_names_file_and_columns(data_copy: Path) -> None:
    _edit(data_copy / "devices.csv", lambda rows: [r[:1] + r[2:] for r in rows])
    with pytest.raises(DataError, match=r"devices.csv: missing column\(s\) class"):
        load(data_copy)


def test_unknown_class_names_file_row_and_valid_values(data_copy: Path) -> None:
    def bad(rows: list[list[str]]) -> list[list[str]]:
        rows[3][1] = "pcie-root-pork"
        return rows
    _edit(data_copy / "devices.csv", bad)
    with pytest.raises(DataError, match=r"devices.csv, row 4: unknown class 'pcie-root-pork'; valid: pci-root"):
        load(data_copy)


def test_release_out_of_order(data_copy: Path) -> None:
    def swap(rows: list[list[str]]) -> list[list[str]]:
        rows[2], rows[3] = rows[3], rows[2]
        return rows
    _edit(data_copy / "releases.csv", swap)
    with pytest.raises(DataError, match=r"releases.csv, row 4: release '1.2.19' is out of order: it must come after 1.3.4"):
        load(data_copy)


def test_intent_with_a_device_of_another_class(data_copy: Path) -> None:
    with (data_copy / "intents.csv").open("a") as f:
        f.write("pci-bridge:ioh3420,pci-bridge,ioh3420,wrong\n")
    with pytest.raises(DataError, match=r"intents.csv, row \d+: device 'ioh3420' implements 'pcie-root-port'"):
        load(data_copy)


def test_unknown_names_list_the_valid_ones(catalog) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownNameError, match=r"unknown release '2.0.0' in timeline 'real'; valid: 1.2.18"):
        catalog.release("2.0.0", "real")
    with pytest.raises(UnknownNameError, match="valid: real, whatif"):
        catalog.timeline("fantasy")
    with pytest.raises(UnknownNameError, match="valid: status-quo, multiplex-model"):
        pcidesign.get_scheme("idea-5")
    with pytest.raises(UnknownNameError, match="valid: restart, resave-roundtrip, migrate, migrate-roundtrip"):
        pcidesign.get_scenario("suspend")
    with pytest.raises(UnknownNameError, match="unknown intent"):
        catalog.intent("pcie-root-port:ioh9999")


def test_a_used_catalog_pickles_to_the_same_bytes_and_derives_its_caches_again() -> None:
    """The kept workers are keyed on the catalog's pickle: what a catalog remembered (hosts,
    machine lookups, release-day QEMU) is left out, and an unpickled one derives it again."""
    import pickle

    from pcidesign.model.catalog import load

    cat = load()
    before = pickle.dumps(cat)
    rel = cat.release("4.0.0")
    host = cat.host(rel)
    answers = (cat.runs_machine(host, "pc-q35-2.6"), cat.canonical_machine("q35", host), cat.release_day_qemu(rel),
               cat.known_classes(rel))
    assert pickle.dumps(cat) == before
    again = pickle.loads(pickle.dumps(cat))
    host2 = again.host(again.release("4.0.0"))
    assert (again.runs_machine(host2, "pc-q35-2.6"), again.canonical_machine("q35", host2),
            again.release_day_qemu(again.release("4.0.0")), again.known_classes(again.release("4.0.0"))) == answers
